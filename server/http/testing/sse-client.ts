/** One server-sent event as a test sees it. */
export interface SseMessage {
  event: string;
  data: string;
}

/**
 * Reads a `text/event-stream` response incrementally (a test-side EventSource): keeps every
 * event and comment seen, and lets tests wait for the next one matching a predicate.
 *
 * @example
 * const stream = new SseReader(await fetch(`${url}/events`, { headers }));
 * const poke = await stream.next((m) => m.event === 'poke', 2000);
 * stream.close();
 */
export class SseReader {
  readonly events: SseMessage[] = [];
  readonly comments: string[] = [];
  #buffer = '';
  #waiters: (() => void)[] = [];
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #done = false;
  readonly finished: Promise<void>;

  constructor(response: Response) {
    if (!response.body) throw new Error('no body');
    this.#reader = response.body.getReader();
    this.finished = this.#pump();
  }

  get isDone(): boolean {
    return this.#done;
  }

  async #pump(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await this.#reader.read();
        if (done) break;
        this.#buffer += decoder.decode(value, { stream: true });
        this.#parse();
      }
    } catch {
      // Cancelled by close() or the connection dropped.
    }
    this.#done = true;
    this.#wake();
  }

  #parse(): void {
    let end = this.#buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      let isComment = true;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments.push(line.slice(1).trim());
          continue;
        }
        isComment = false;
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (!isComment) this.events.push({ event, data: data.join('\n') });
      end = this.#buffer.indexOf('\n\n');
    }
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves when `check()` holds; rejects after `timeoutMs` or if the stream ends first. */
  async until(check: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (this.#done) throw new Error('stream ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for SSE');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for an event (seen from `from` on) matching `match`, and returns it. */
  async next(match: (m: SseMessage) => boolean, timeoutMs = 5000, from = 0): Promise<SseMessage> {
    let found: SseMessage | undefined;
    await this.until(() => {
      found = this.events.slice(from).find(match);
      return found !== undefined;
    }, timeoutMs);
    return found!;
  }

  close(): void {
    this.#reader.cancel().catch(() => {});
  }
}
