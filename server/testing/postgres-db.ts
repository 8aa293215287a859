import { randomBytes } from 'node:crypto';

export interface TestDatabase {
  /** Connection URL of the fresh database. */
  url: string;
  name: string;
  /** Drops the database, disconnecting whoever is still on it. */
  drop(): Promise<void>;
}

/** The PostgreSQL admin URL tests run against, or undefined when only PGlite runs. */
export function testDatabaseUrl(): string | undefined {
  const url = process.env.DATABASE_URL;
  return url && url.length > 0 ? url : undefined;
}

/**
 * Creates a uniquely named, empty database next to `adminUrl` (default `DATABASE_URL`).
 *
 * @example
 * const db = await createTestDatabase();
 * const store = await openPostgresStore({ url: db.url });
 * // ...
 * await store.close();
 * await db.drop();
 */
export async function createTestDatabase(adminUrl = testDatabaseUrl()): Promise<TestDatabase> {
  if (!adminUrl) throw new Error('createTestDatabase needs DATABASE_URL');
  const { default: postgres } = await import('postgres');
  const name = `swsync_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end({ timeout: 5 });
      }
    },
  };
}
