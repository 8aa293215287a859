/** Reads one `text/event-stream` response frame by frame (frames end with a blank line). */
export class SseReader {
  readonly frames: string[] = [];
  ended = false;
  readonly #controller: AbortController;
  #wake: (() => void) | undefined;

  constructor(response: Response, controller: AbortController) {
    this.#controller = controller;
    void this.#read(response);
  }

  async #read(response: Response): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = response.body?.getReader();
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        buffer += decoder.decode(chunk.value, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          this.frames.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
        this.#wake?.();
      }
    } catch {
      // Aborted by close(), or cut by the server: both end the stream.
    }
    this.ended = true;
    this.#wake?.();
  }

  /** The first frame (from `from` on) matching `match`; throws after `timeoutMs` or at the end. */
  async waitFor(match: (frame: string) => boolean, timeoutMs: number, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found !== undefined) return found;
      if (this.ended) throw new Error(`stream ended; frames: ${JSON.stringify(this.frames)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no such frame in ${timeoutMs} ms: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1_000));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.#controller.abort();
  }
}
