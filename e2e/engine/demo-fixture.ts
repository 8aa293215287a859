import { bundle } from '../support/bundle.ts';
import { type DemoServer, startDemoServer } from '../support/demo-server.ts';

const fixtures = new URL('../page-sdk/fixtures/', import.meta.url).pathname;

/** The demo server serving the SDK fixture page and the real worker host at `/sw.js`. */
export async function startEngineFixture(): Promise<DemoServer> {
  const [page, worker] = await Promise.all([
    bundle(`${fixtures}fixture-page.ts`),
    bundle(`${fixtures}engine-worker.ts`),
  ]);
  return startDemoServer({
    files: {
      '/': {
        body: '<!doctype html><meta charset="utf-8"><title>engine</title><script src="/page.js"></script>',
        type: 'text/html',
      },
      '/page.js': { body: page, type: 'text/javascript' },
      '/sw.js': { body: worker, type: 'text/javascript' },
    },
  });
}
