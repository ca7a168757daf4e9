import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { auditEvents } from '../src/db/schema/audit.js';
import { insertStatement, runStatement } from '../src/db/statements.js';
import { type TestDatabase, createTestDatabase } from './helpers/database.js';

/**
 * Fixed-text statements (src/db/statements.ts) run on the executor's own connection: inside a
 * transaction they commit or roll back with it, and their rows are the rows drizzle's builder
 * would have written. On every backend (the pg pool and its clients; PGlite and its transactions).
 */
const onPglite = () => !process.env.TEST_DATABASE_URL || process.env.TEST_BACKEND === 'pglite';

describe('fixed-text statements', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  const insert = insertStatement(auditEvents);
  const row = (requestId: string) => ({
    actorSub: 'statement-test',
    actorRoles: ['court_clerk', 'it "quoted", {braced}'],
    actorOrg: undefined,
    clientId: null,
    action: 'read' as const,
    resourceType: 'case',
    resourceId: randomUUID(),
    caseId: null,
    personId: null,
    categoriesDisclosed: [],
    categoriesWithheld: ['health'],
    purpose: null,
    basisType: 'role',
    basisId: null,
    breakGlass: false,
    outcome: 'allowed' as const,
    reason: null,
    requestId,
    clientAddress: '127.0.0.1',
  });
  const stored = async (requestId: string) =>
    t.database.db.select().from(auditEvents).where(eq(auditEvents.requestId, requestId));

  it('writes the same row as the builder, arrays, nulls and defaults included', async () => {
    const viaText = `text-${randomUUID()}`;
    const viaBuilder = `builder-${randomUUID()}`;
    await insert.run(t.database.db, row(viaText));
    await t.database.db.insert(auditEvents).values(row(viaBuilder));
    const [a] = await stored(viaText);
    const [b] = await stored(viaBuilder);
    const comparable = (r: typeof a) => {
      const { id, txid, occurredAt, requestId, resourceId, ...rest } = r;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof txid).toBe('bigint');
      expect(occurredAt).toBeInstanceOf(Date);
      return rest;
    };
    expect(a.actorRoles).toEqual(['court_clerk', 'it "quoted", {braced}']);
    expect(a.actorOrg).toBeNull();
    expect(comparable(a)).toEqual(comparable(b));
  });

  it('runs inside the transaction it is given: rolled back with it, visible to it before commit', async () => {
    const requestId = `rollback-${randomUUID()}`;
    const seenInside = await t.database.db
      .transaction(async (tx) => {
        await insert.run(tx, row(requestId));
        const inside = rowsOf<{ n: number }>(
          await tx.execute(sql`SELECT count(*)::int AS n FROM audit_events WHERE request_id = ${requestId}`),
        );
        expect(inside[0].n).toBe(1);
        throw new Error('roll back');
      })
      .catch((err: Error) => err.message);
    expect(seenInside).toBe('roll back');
    expect(await stored(requestId)).toEqual([]);

    const kept = `commit-${randomUUID()}`;
    await t.database.db.transaction(async (tx) => {
      await insert.run(tx, row(kept));
    });
    expect(await stored(kept)).toHaveLength(1);
  });

  it('returns the rows a statement returns, with parameters bound', async () => {
    const rows = await runStatement<{ n: number; s: string }>(
      t.database.db,
      'SELECT $1::int + 1 AS n, $2::text AS s',
      [41, "it's"],
    );
    expect(rows).toEqual([{ n: 42, s: "it's" }]);
  });

  it.skipIf(onPglite())(
    'goes to PostgreSQL as a named prepared statement, parsed once per connection',
    async () => {
      const names = await t.database.db.transaction(async (tx) => {
        await insert.run(tx, row(`prepared-${randomUUID()}`));
        await insert.run(tx, row(`prepared-${randomUUID()}`));
        return rowsOf<{ name: string }>(
          await tx.execute(
            sql`SELECT name FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO "audit_events"%'`,
          ),
        );
      });
      expect(names).toHaveLength(1);
      expect(names[0].name).toMatch(/^jj_[0-9a-f]{40}$/);
    },
  );

  it('refuses a key that is not a column, instead of dropping it', async () => {
    await expect(
      insert.run(t.database.db, { ...row(`bad-${randomUUID()}`), notAColumn: 1 } as never),
    ).rejects.toThrow(/no column notAColumn/);
  });
});
