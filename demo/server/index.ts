export { createDemoApp, type DemoAppOptions, SESSION_COOKIE } from './app.ts';
export { DEFAULT_PORT, type DemoConfig, readConfig } from './config.ts';
export { loadSessionSecret, SECRET_FILE } from './secret.ts';
export {
  createSessionSigner,
  normalizeUserName,
  SESSION_TTL_SECONDS,
  type SessionSigner,
  userIdFor,
} from './session.ts';
export { staticSite } from './static.ts';
