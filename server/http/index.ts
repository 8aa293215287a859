export { DEFAULT_BODY_LIMIT, jsonDepth, MAX_JSON_DEPTH, readJsonBody } from './body.ts';
export {
  createErrorHandler,
  type ErrorLogger,
  errorResponse,
  notFoundHandler,
  RETRY_AFTER_SECONDS,
} from './errors.ts';
export { DEFAULT_HEARTBEAT_MS } from './events.ts';
export {
  DEFAULT_MAX_BATCH_SIZE,
  type SyncAuth,
  type SyncRoutesOptions,
  type SyncScopeKey,
  type SyncStoreFactory,
} from './options.ts';
export { PokeHub, type PokeListener, pokeHubFor } from './poke-hub.ts';
export { syncRoutes } from './routes.ts';
