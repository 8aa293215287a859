import 'fake-indexeddb/auto';
import { useSyncFixture } from '../testing/fixture.ts';
import { accountsSuite } from './suites/accounts.ts';
import { convergenceSuite } from './suites/convergence.ts';
import { failingPushSuite } from './suites/failing-push.ts';
import { outboxCountersSuite } from './suites/outbox-counters.ts';
import { pipelineSuite } from './suites/pipeline.ts';
import { pipelineFaultsSuite } from './suites/pipeline-faults.ts';
import { resilienceSuite } from './suites/resilience.ts';
import { retrySuite } from './suites/retry.ts';
import { storiesSuite } from './suites/stories.ts';
import { syncSuite } from './suites/sync.ts';

// One file, one PGlite: every engine suite against the real sync routes on real ports.
const fixture = useSyncFixture();
syncSuite(fixture);
resilienceSuite(fixture);
retrySuite(fixture);
failingPushSuite(fixture);
convergenceSuite(fixture);
accountsSuite(fixture);
storiesSuite(fixture);
outboxCountersSuite(fixture);
pipelineSuite(fixture);
pipelineFaultsSuite(fixture);
