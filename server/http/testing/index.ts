export { type Fetchable, type ServedApp, serveOnFreePort } from './serve.ts';
export { type SseMessage, SseReader } from './sse-client.ts';
