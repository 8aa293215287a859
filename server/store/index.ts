export { isPostgresJsWriteRace } from './driver-race.ts';
export { StoreClosedError, StoreTimeoutError } from './errors.ts';
export { classifyFault, type FaultKind } from './faults.ts';
export { MIGRATIONS, migrate } from './migrations.ts';
export { type OpenStoreOptions, openStore } from './open.ts';
export { openPGliteStore, PGLITE_ON_WORKERD_MESSAGE, type PGliteStoreOptions } from './pglite.ts';
export { openPostgresStore, type PostgresStoreOptions } from './postgres.ts';
export { POKE_CHANNEL, type PokeNotice, type SqlClient, type SyncStore } from './types.ts';
