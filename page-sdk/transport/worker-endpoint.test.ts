import { releaseProxy, wrap } from 'comlink';
import { describe, expect, it } from 'vitest';
import { workerEndpoint } from './worker-endpoint.ts';

describe('workerEndpoint', () => {
  it('posts nothing once closed: a dropped line’s proxy, released later, stays silent', () => {
    const posted: unknown[] = [];
    const endpoint = workerEndpoint(
      { postMessage: (message) => posted.push(message) },
      { addEventListener() {}, removeEventListener() {} },
      'line-1',
    );
    const remote = wrap<{ ping(): string }>(endpoint);
    void remote.ping();
    expect(posted).toHaveLength(1);
    endpoint.close();
    // What Comlink does when the proxy is released or garbage-collected.
    remote[releaseProxy]();
    expect(posted).toHaveLength(1);
  });
});
