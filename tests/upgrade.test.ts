import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { sealOnce } from '../src/audit/sealer.js';
import { loadCheckpointKey } from '../src/audit/signing.js';
import { verifyAuditTrail } from '../src/audit/verify.js';
import { type Database, MIGRATIONS_FOLDER, openDatabase, rowsOf } from '../src/db/client.js';
import { testConfig } from './helpers/app.js';
import { createTestIssuer } from './helpers/tokens.js';

/**
 * Upgrades: a database at the first release's schema (migrations 0000 to 0009, as released in
 * commit 9611216; landed migrations are never edited, so they are the files in migrations/), holding
 * data as that release wrote it, including a sealed and checkpointed audit trail with a row of two
 * months ago; then every later migration in order, and the service on the result: it reads the old
 * case, writes a new one, and the whole trail (old rows now in their monthly partitions) verifies.
 * Runs on both backends, in process.
 */
const FIRST_RELEASE_MIGRATIONS = 10;

function firstReleaseMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jj-release1-'));
  mkdirSync(join(dir, 'meta'));
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'));
  journal.entries = journal.entries.slice(0, FIRST_RELEASE_MIGRATIONS);
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify(journal));
  const tags = new Set(journal.entries.map((e: { tag: string }) => `${e.tag}.sql`));
  for (const f of readdirSync(MIGRATIONS_FOLDER))
    if (tags.has(f)) copyFileSync(join(MIGRATIONS_FOLDER, f), join(dir, f));
  expect(tags.size).toBe(FIRST_RELEASE_MIGRATIONS);
  return dir;
}

const adminUrl = process.env.TEST_DATABASE_URL;
const dbName = `jj_test_upgrade_${randomBytes(5).toString('hex')}`;
let database: Database | null = null;

async function emptyDatabase(): Promise<Database> {
  if (!adminUrl) return openDatabase({ kind: 'pglite-memory' });
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return openDatabase({ kind: 'postgres', url: u.toString(), poolMax: 4 });
}

afterAll(async () => {
  await database?.close();
  if (adminUrl) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
});

describe('upgrading a database written by the first release', () => {
  it('applies every later migration onto its data, and the service runs on the result', async () => {
    database = await emptyDatabase();
    const db = database.db;
    const folder = firstReleaseMigrations();
    if (database.kind === 'postgres') await migratePg(db as any, { migrationsFolder: folder });
    else await migratePglite(db as any, { migrationsFolder: folder });
    const exec = async (text: string) => rowsOf<Record<string, any>>(await db.execute(sql.raw(text)));

    // Data as the first release wrote it: a court, a child, a detained child's case with a charge,
    // audit rows (one of two months ago), sealed and checkpointed by that release's sealer.
    await exec(
      `INSERT INTO organizations (id, name, kind, region) VALUES ('court-r1', 'Court R1', 'court', 'north')`,
    );
    const [person] = await exec(`
      INSERT INTO persons (given_name, family_name, date_of_birth, sex, guardians, created_by, created_by_org)
      VALUES ('Release', 'One', '2010-03-04', 'female', '[{"name":"G","relationship":"mother"}]', 'clerk-r1', 'court-r1')
      RETURNING id`);
    const [kase] = await exec(`
      INSERT INTO cases (person_id, court_org_id, intake_kind, offence_date, intake_at, agency, detained, age_at_offence, created_by)
      VALUES ('${person.id}', 'court-r1', 'arrest', '2026-01-10T10:00:00Z', '2026-01-10T12:00:00Z', 'Police', true, 15, 'clerk-r1')
      RETURNING id`);
    await exec(
      `INSERT INTO charges (case_id, code, description, position) VALUES ('${kase.id}', 'PC-1', 'Theft', 0)`,
    );
    const now = new Date();
    const twoMonthsAgo = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 10, 9));
    await exec(`
      INSERT INTO audit_events (occurred_at, actor_sub, actor_roles, actor_org, action, resource_type, resource_id, case_id, person_id, outcome)
      VALUES ('${twoMonthsAgo.toISOString()}', 'clerk-r1', '{court_clerk}', 'court-r1', 'create', 'case', '${kase.id}', '${kase.id}', '${person.id}', 'allowed')`);
    for (let i = 0; i < 3; i++) {
      await exec(`
        INSERT INTO audit_events (actor_sub, actor_roles, actor_org, action, resource_type, resource_id, case_id, outcome)
        VALUES ('clerk-r1', '{court_clerk}', 'court-r1', 'read', 'case', '${kase.id}', '${kase.id}', 'allowed')`);
    }
    const issuer = await createTestIssuer();
    const config = testConfig(issuer);
    const key = await loadCheckpointKey(config);
    let sealed = 0;
    // Rows are sealed once every older transaction on the server has ended (other test files
    // share it): retry for up to a minute, as the service's sealer does on its timer.
    for (let i = 0; i < 600 && sealed < 4; i++) {
      sealed += await sealOnce(db, key, 0);
      if (sealed < 4) await new Promise((r) => setTimeout(r, 100));
    }
    expect(sealed).toBe(4);
    const before = await verifyAuditTrail(db, [key.publicJwk]);
    expect(before).toMatchObject({ ok: true, headSeq: 4 });
    expect(before.checkpoints.valid).toBeGreaterThan(0);

    // Every later migration, in order, as a new release's startup applies them.
    const result = await database.migrate();
    expect(result.applied).toBeGreaterThan(0);
    expect(result.total).toBe(result.applied + FIRST_RELEASE_MIGRATIONS);

    // The old rows are in their monthly partitions now, still chained as sealed.
    const placed = await exec(
      `SELECT tableoid::regclass::text AS part FROM audit_events WHERE occurred_at = '${twoMonthsAgo.toISOString()}'`,
    );
    expect(placed).toEqual([
      { part: `audit_events_${twoMonthsAgo.toISOString().slice(0, 7).replace('-', '_')}` },
    ]);

    // The service runs on the result: reads the first release's case, writes a new one.
    const app = await buildApp(config, { database });
    await app.ready();
    try {
      const token = await issuer.sign({ sub: 'clerk-r1', roles: ['court_clerk'], org: 'court-r1' });
      const headers = { authorization: `Bearer ${token}` };
      const read = await app.inject({ method: 'GET', url: `/v1/cases/${kase.id}`, headers });
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).toMatchObject({ id: kase.id, personId: person.id });
      const created = await app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers,
        payload: {
          personId: person.id,
          intakeKind: 'referral',
          offenceDate: '2026-02-01T10:00:00Z',
          intakeAt: '2026-02-02T10:00:00Z',
          agency: 'School',
          detained: false,
          charges: [{ code: 'PC-2', description: 'Damage' }],
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      for (let i = 0; i < 200; i++) {
        await app.sealer.sealNow();
        const r = await verifyAuditTrail(db, [key.publicJwk]);
        if (r.pendingRows === 0) break;
        await new Promise((res) => setTimeout(res, 25));
      }
      await app.sealer.checkpointNow();
      const after = await verifyAuditTrail(db, [key.publicJwk]);
      expect(after).toMatchObject({ ok: true, pendingRows: 0 });
      expect(after.headSeq).toBeGreaterThan(before.headSeq + 1);
      expect(after.checkpoints.valid).toBe(after.checkpoints.checked);
    } finally {
      await app.close();
    }
  }, 240_000);
});
