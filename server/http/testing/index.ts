export { bearerAuth, type RawAnswer, TestSyncClient } from './client.ts';
export { type Fetchable, type ServedApp, serveOnFreePort, serveSyncRoutes } from './serve.ts';
export { type SseMessage, SseReader } from './sse-client.ts';
