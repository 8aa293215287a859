export { listenBroadcasts } from './broadcast.ts';
export { type LiveQueryHost, liveQuery } from './live-query.ts';
export { createSource, type Source, type Subscribable } from './subscribable.ts';
