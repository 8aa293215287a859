import { readFile } from 'node:fs/promises';
import type { SyncStore } from 'swsync/server';

/** CPU time (user + system) of the database's backends for `name` so far, ms. */
export async function backendCpuMs(store: SyncStore, name: string): Promise<number> {
  const rows = await store.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1',
    [name],
  );
  const tick = 10; // USER_HZ is 100 on Linux: one tick is 10 ms
  let total = 0;
  for (const { pid } of rows) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {
      // A backend that ended between the two reads: its time is lost to both.
    }
  }
  return total;
}
