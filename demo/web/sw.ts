import { installSyncWorker } from 'swsync/sw';
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  type PrecacheEntry,
  precacheAndRoute,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { demoSchema } from '../schema.ts';

/** The page's files, injected by `demo/build.ts`. */
declare const __PRECACHE_MANIFEST__: PrecacheEntry[];

// The app shell comes from the precache, so the app opens offline; every navigation but the
// API's gets index.html (the app routes on the client).
precacheAndRoute(__PRECACHE_MANIFEST__);
cleanupOutdatedCaches();
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api\//] }),
);

// Shared boards: the worker pulls every scope the account is a member of (docs/protocol.md).
installSyncWorker({ schema: demoSchema, endpoint: '/api/sync', spaces: true });
