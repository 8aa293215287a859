import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testDatabaseUrl } from '../testing/index.ts';

const child = fileURLToPath(new URL('../testing/race-child.ts', import.meta.url));

function run(url: string, mode: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=swsync-source', '--import', 'tsx', child, mode],
      { env: { ...process.env, CHILD_DATABASE_URL: url }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (error.code as number | null) : 0, stdout, stderr }),
    );
  });
}

describe.skipIf(!testDatabaseUrl())('a server with a PostgreSQL store', { timeout: 90_000 }, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it("survives postgres.js's stray write race, and still dies of its own bugs", async () => {
    const survived = await run(db.url, 'race');
    expect(survived.stdout).toContain('survived');
    expect(survived.code).toBe(0);
    const crashed = await run(db.url, 'other');
    expect(crashed.code).toBe(1);
    expect(crashed.stderr).toContain('a bug of the app');
  });
});
