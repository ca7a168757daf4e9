import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uid } from './helpers/app.js';
import { type TestDatabase, createTestDatabase } from './helpers/database.js';
import { terminateConnections } from './helpers/faults.js';
import {
  type Outcome,
  type ServiceProcess,
  auditVerify as verifyAudit,
  callService as call,
  spawnService,
} from './helpers/service-process.js';
import {
  expectNothingLostOrHalfWritten,
  expectOnlyCleanFailures,
  startWriteLoad,
} from './helpers/write-load.js';
import { type TestIssuer, createTestIssuer } from './helpers/tokens.js';

/**
 * The fault suite of issue 9, at process level: the service runs as a real process on PostgreSQL
 * and the test breaks what is under it. Heavy (spawns processes), so PostgreSQL only: skipped on
 * PGlite and without TEST_DATABASE_URL. Budgets are generous; nothing asserts a duration.
 */
const onPostgres = Boolean(process.env.TEST_DATABASE_URL) && process.env.TEST_BACKEND !== 'pglite';

const personBody = () => ({
  givenName: uid('Given'),
  familyName: uid('Family'),
  dateOfBirth: '2010-05-01',
  sex: 'female',
});

describe.skipIf(!onPostgres)(
  'fault suite: the service process under database faults',
  // process-level: budgets of minutes, so that they hold on two loaded cores
  { timeout: 300_000 },
  () => {
    let testDb: TestDatabase;
    let issuer: TestIssuer;
    let dataDir: string;
    const services: ServiceProcess[] = [];
    /** One short-lived connection per query: the test's own connections are terminated too. */
    const query = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
      const c = new pg.Client({ connectionString: testDb.url! });
      await c.connect();
      try {
        return await c.query<T>(text, values);
      } finally {
        await c.end();
      }
    };

    beforeAll(async () => {
      testDb = await createTestDatabase();
      issuer = await createTestIssuer();
      dataDir = mkdtempSync(join(tmpdir(), 'jj-faults-'));
    });
    afterAll(async () => {
      for (const s of services) await s.kill();
      await testDb?.drop();
    });

    const start = async (env: Record<string, string> = {}) => {
      const s = await spawnService(testDb.url!, issuer, { DATA_DIR: dataDir, ...env });
      services.push(s);
      return s;
    };

    const auditVerify = () => verifyAudit(testDb.url!, dataDir);

    /** Every acknowledged person has exactly one 'create' audit row, and every such row its person. */
    const auditMatchesChanges = async (acknowledged: string[]) => {
      const { rows } = await query<{ id: string; n: number }>(
        `SELECT p.id, (SELECT count(*)::int FROM audit_events e
                      WHERE e.resource_type = 'person' AND e.action = 'create' AND e.resource_id = p.id::text) AS n
         FROM persons p WHERE p.id = ANY($1::uuid[])`,
        [acknowledged],
      );
      expect(rows).toHaveLength(acknowledged.length);
      for (const r of rows) expect(r.n).toBe(1);
      const orphans = await query(
        `SELECT e.resource_id FROM audit_events e
        WHERE e.resource_type = 'person' AND e.action = 'create' AND e.outcome = 'allowed'
          AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.id::text = e.resource_id)`,
      );
      expect(orphans.rows).toEqual([]);
    };

    it('survives pg_terminate_backend under create-and-read load: 503 problem+json in flight, then service resumes', async () => {
      const service = await start();
      const court = uid('court');
      const adminToken = await issuer.sign({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
      expect(
        (
          await call(service.base, adminToken, 'POST', '/v1/organizations', {
            id: court,
            name: 'C',
            kind: 'court',
          })
        ).status,
      ).toBe(201);
      const clerk = await issuer.sign({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
      const seed = await call(service.base, clerk, 'POST', '/v1/persons', personBody());
      expect(seed.status).toBe(201);

      const outcomes: Outcome[] = [];
      const acknowledged: string[] = [seed.body.id];
      let stop = false;
      const worker = async () => {
        while (!stop) {
          const created = await call(service.base, clerk, 'POST', '/v1/persons', personBody());
          if (created.status === 201) acknowledged.push(created.body.id);
          outcomes.push(created, await call(service.base, clerk, 'GET', `/v1/persons/${seed.body.id}`));
        }
      };
      const workers = Array.from({ length: 6 }, worker);
      let terminated = 0;
      for (let round = 0; round < 3; round++) {
        await new Promise((r) => setTimeout(r, 500));
        terminated += await terminateConnections(testDb.url!);
      }
      await new Promise((r) => setTimeout(r, 500));
      stop = true;
      await Promise.all(workers);

      expect(terminated).toBeGreaterThan(0);
      expect(service.alive()).toBe(true);
      expect(service.output()).not.toContain("Unhandled 'error' event");
      for (const o of outcomes) expect([200, 201, 503]).toContain(o.status);
      for (const o of outcomes.filter((x) => x.status === 503)) {
        expect(o.type).toMatch(/^application\/problem\+json/);
        expect(o.body).toMatchObject({ status: 503, type: '/problems/unavailable' });
      }
      const after = await call(service.base, clerk, 'POST', '/v1/persons', personBody());
      expect(after.status).toBe(201);
      acknowledged.push(after.body.id);
      expect((await fetch(`${service.base}/readyz`)).status).toBe(200);

      await service.kill('SIGTERM');
      await auditMatchesChanges(acknowledged);
      const verified = await auditVerify();
      expect(verified.code).toBe(0);
      expect(verified.report).toMatchObject({ ok: true });
    });
    it('loses nothing acknowledged when one of two processes is killed with SIGKILL during write load', async () => {
      const a = await start();
      const b = await start();
      const court = uid('court');
      const adminToken = await issuer.sign({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
      expect(
        (await call(a.base, adminToken, 'POST', '/v1/organizations', { id: court, name: 'C', kind: 'court' }))
          .status,
      ).toBe(201);
      const clerk = await issuer.sign({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
      const live = new Set([a, b]);
      const load = startWriteLoad(() => [...live].map((s) => s.base), clerk, 6);
      try {
        await load.more(15);
        // mid-stream: requests of A in flight die with it (no answer at all); B carries on
        a.child.kill('SIGKILL');
        const killed = await a.exited;
        expect(killed.signal).toBe('SIGKILL');
        live.delete(a);
        await load.more(10);
        // a fresh process on the same database and data directory picks up where A left off
        const again = await start();
        live.add(again);
        await load.more(10);
      } finally {
        await load.stop();
      }
      expect(load.outcomes.some((o) => o.status === 0)).toBe(true);
      expectOnlyCleanFailures(load.outcomes, true);
      for (const s of live) await s.kill('SIGTERM');
      await expectNothingLostOrHalfWritten(testDb.url!, load);
      const verified = await auditVerify();
      expect(verified.code, JSON.stringify(verified.report)).toBe(0);
      expect(verified.report).toMatchObject({ ok: true });
    });
  },
);
