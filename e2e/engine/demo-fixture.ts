import { fixturePageFiles } from '../page-sdk/fixtures/page-files.ts';
import { type DemoServer, startDemoServer } from '../support/demo-server.ts';

/** The demo server serving the SDK fixture page and the real worker host at `/sw.js`. */
export async function startEngineFixture(): Promise<DemoServer> {
  return startDemoServer({ files: await fixturePageFiles({ '/sw.js': 'engine-worker.ts' }) });
}
