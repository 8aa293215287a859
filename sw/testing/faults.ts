/** What a fault-injecting fetch does with one request. */
export type Fault =
  /** The request never reaches the server (a network error). */
  | 'drop-request'
  /** The server handles the request, then the answer is lost (a network error). */
  | 'drop-response'
  /**
   * An answer with this status, the server never reached. The body is the protocol's
   * `{"error":"injected"}` unless `body` is given (e.g. a proxy's HTML page).
   */
  | { status: number; headers?: Record<string, string>; body?: string };

export interface FaultyFetch {
  fetch: typeof fetch;
  /** Requests made so far, by path ending (`/push`, `/pull`). */
  calls: string[];
  /** Decides per request; `undefined` lets it through untouched. */
  plan: (path: string, index: number) => Fault | undefined | Promise<Fault | undefined>;
}

/**
 * Wraps the real `fetch` with fault injection: requests reach the real server unless the plan
 * says otherwise. Not a mock: every answer that is delivered comes from the server.
 *
 * @example
 * const faulty = faultyFetch();
 * faulty.plan = (path) => (path === '/push' ? 'drop-response' : undefined);
 */
export function faultyFetch(): FaultyFetch {
  const faulty: FaultyFetch = {
    calls: [],
    plan: () => undefined,
    fetch: async (input, init) => {
      const url = String(input);
      const path = url.slice(url.lastIndexOf('/'));
      const index = faulty.calls.push(path) - 1;
      const fault = await faulty.plan(path, index);
      if (fault === 'drop-request') throw new TypeError('fetch failed (injected)');
      if (fault === 'drop-response') {
        const response = await fetch(input, init);
        await response.arrayBuffer();
        throw new TypeError('fetch failed after the server answered (injected)');
      }
      if (fault !== undefined) {
        const html = fault.body !== undefined;
        return new Response(fault.body ?? JSON.stringify({ error: 'injected' }), {
          status: fault.status,
          headers: {
            'content-type': html ? 'text/html' : 'application/json',
            ...fault.headers,
          },
        });
      }
      return fetch(input, init);
    },
  };
  return faulty;
}

/** A timer source that fires only when told: for backoff schedules and fake clocks. */
export class ManualClock {
  now = 1_000_000;
  private nextId = 1;
  readonly timers = new Map<number, { at: number; fn: () => void }>();

  setTimeout = (fn: () => void, ms: number): number => {
    const id = this.nextId++;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  };

  clearTimeout = (id: unknown): void => {
    this.timers.delete(id as number);
  };

  /** Moves time on and fires every timer due by then, in order. */
  advance(ms: number): void {
    this.now += ms;
    const due = [...this.timers]
      .filter(([, t]) => t.at <= this.now)
      .sort((a, b) => a[1].at - b[1].at);
    for (const [id, timer] of due) {
      this.timers.delete(id);
      timer.fn();
    }
  }
}
