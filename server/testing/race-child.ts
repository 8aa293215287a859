/**
 * A server process that opened a PostgreSQL store, then meets postgres.js's stray write race
 * (and, with `other`, a bug of its own): see driver-race.test.ts.
 */
import { openPostgresStore } from '../store/postgres.ts';

const store = await openPostgresStore({ url: process.env.CHILD_DATABASE_URL ?? '' });
const race = new TypeError("Cannot read properties of null (reading 'write')");
race.stack = `${race.message}\n    at Immediate.nextWrite (/app/node_modules/postgres/src/connection.js:255:11)`;
setImmediate(() => {
  throw race;
});
setTimeout(async () => {
  if (process.argv[2] === 'other') {
    setImmediate(() => {
      throw new Error('a bug of the app');
    });
    return;
  }
  await store.close();
  console.log('survived');
}, 300);
