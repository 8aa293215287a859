/** The slice of a MessageChannel a line's replies use. */
export interface ReplyChannel {
  port1: {
    onmessage: ((event: MessageEvent) => void) | null;
    close(): void;
  };
  port2: Transferable;
}

type Port = ReplyChannel['port1'];

export interface ReplyPorts {
  /**
   * Called for each request about to be posted: the port to transfer with it when one is due
   * (the first request, or after the worker said it has none), else `undefined`. `sent` must be
   * called once the request went out.
   */
  next(id: string | undefined): { port: Transferable | undefined; sent(): void };
  /** Called for each reply that came through the container rather than a port. */
  answeredWithoutPort(id: string | undefined, askPort: boolean): void;
  /** Called for each reply, wherever it came from. */
  answered(id: string | undefined): void;
  close(): void;
}

/**
 * The ports a line gives the worker to answer on. A reply through the container that says
 * `askPort` means the worker answering has no port of ours: a restarted one. It only counts for
 * a request posted with or after our newest port: an earlier one may have been answered before
 * that port arrived. Older ports stay open until a reply arrives on the newest one, so no
 * reply already on its way is dropped.
 */
export function replyPorts(
  makeChannel: () => ReplyChannel,
  onReply: (event: MessageEvent) => void,
): ReplyPorts {
  let seq = 0;
  /** Sequence number of the request that carried the newest port. */
  let newestAt = 0;
  let due = true;
  const sentAt = new Map<string, number>();
  const open: Port[] = [];
  const listen = (port: Port) => {
    port.onmessage = (event) => {
      // A reply on the newest port: the ones before it have nothing more to say.
      if (port === open.at(-1)) for (const old of open.splice(0, open.length - 1)) old.close();
      onReply(event);
    };
  };
  return {
    next(id) {
      const at = ++seq;
      if (!due) {
        return { port: undefined, sent: () => id !== undefined && sentAt.set(id, at) };
      }
      const channel = makeChannel();
      return {
        port: channel.port2,
        sent() {
          if (id !== undefined) sentAt.set(id, at);
          due = false;
          newestAt = at;
          open.push(channel.port1);
          listen(channel.port1);
        },
      };
    },
    answeredWithoutPort(id, askPort) {
      const at = id === undefined ? undefined : sentAt.get(id);
      if (askPort && at !== undefined && at >= newestAt) due = true;
    },
    answered(id) {
      if (id !== undefined) sentAt.delete(id);
    },
    close() {
      for (const port of open.splice(0)) port.close();
      sentAt.clear();
    },
  };
}
