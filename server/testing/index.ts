export { applyEntries, drain, emptyReplica, type Replica } from './drain.ts';
export { driverError, type FaultPlan, withFaults, withLostCommits } from './faulty-store.ts';
export { createTestDatabase, type TestDatabase, testDatabaseUrl } from './postgres-db.ts';
export {
  createPostgresTestStore,
  describeEachStore,
  type PostgresTestStore,
  releaseSharedPGlite,
  type StoreKind,
  sharedPGliteStore,
  storeKinds,
  uniqueScope,
} from './stores.ts';
export {
  board,
  ev,
  eventId,
  foldersSchema,
  recordKey,
  type TestSchema,
  testSchema,
  todo,
} from './test-schema.ts';
