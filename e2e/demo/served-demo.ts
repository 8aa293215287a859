import { fileURLToPath } from 'node:url';
import { buildDemo } from '../../demo/build.ts';
import { type DemoServer, startDemoServer } from '../support/demo-server.ts';
import { test } from '../support/test.ts';

/**
 * Builds the demo and serves it (real routes, a fresh in-memory store) for one spec file's tests;
 * the returned function gives the server once `beforeAll` ran.
 *
 * @example
 * const server = useServedDemo();
 * test('...', async ({ page }) => { await page.goto(server().url); });
 */
export function useServedDemo(): () => DemoServer {
  let server: DemoServer | undefined;
  test.beforeAll(async () => {
    await buildDemo();
    server = await startDemoServer({
      staticRoot: fileURLToPath(new URL('../../demo/dist/', import.meta.url)),
    });
  });
  test.afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!server) throw new Error('the demo server is not started yet (use it inside a test)');
    return server;
  };
}
