import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase, rowsOf } from '../src/db/client.js';
import { type TestDatabase, createTestDatabase } from './helpers/database.js';

/**
 * Statements with parameters go to PostgreSQL as named prepared statements (parsed and planned once
 * per connection), unless DATABASE_PREPARED_STATEMENTS turns them off (README "Configuration").
 * pg_prepared_statements is per connection, so each check runs inside one transaction.
 */
const onPostgres = Boolean(process.env.TEST_DATABASE_URL) && process.env.TEST_BACKEND !== 'pglite';

describe.skipIf(!onPostgres)('named prepared statements', () => {
  let t: TestDatabase;
  let unprepared: Database;
  beforeAll(async () => {
    t = await createTestDatabase();
    unprepared = openDatabase({ kind: 'postgres', url: t.url!, poolMax: 1, preparedStatements: false });
  });
  afterAll(async () => {
    await unprepared?.close();
    await t?.drop();
  });

  const preparedOnConnection = (database: Database) =>
    database.db.transaction(async (tx) => {
      for (const n of [1, 2, 3]) await tx.execute(sql`SELECT ${n}::int + 1 AS n`);
      return rowsOf<{ name: string; statement: string }>(
        await tx.execute(sql`SELECT name, statement FROM pg_prepared_statements`),
      );
    });

  it('prepares a statement with parameters once per connection, under a name derived from its text', async () => {
    const rows = await preparedOnConnection(t.database);
    const mine = rows.filter((r) => r.statement.includes('::int + 1 AS n'));
    expect(mine).toHaveLength(1);
    expect(mine[0].name).toMatch(/^jj_[0-9a-f]{40}$/);
    // The query that lists them has no parameters, so it goes unnamed.
    expect(rows.find((r) => r.statement.includes('pg_prepared_statements'))).toBeUndefined();
  });

  it('sends unnamed statements when turned off', async () => {
    const rows = await preparedOnConnection(unprepared);
    expect(rows.filter((r) => r.name.startsWith('jj_'))).toEqual([]);
  });
});
