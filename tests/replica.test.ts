import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { type Database, openDatabase, rowsOf } from '../src/db/client.js';
import { type Harness, createHarness, uid } from './helpers/app.js';

const run = promisify(execFile);

/**
 * Reads that tolerate lag go to a real streaming replica; access decisions and audit rows stay on
 * the primary; when the replica is down those reads fall back to the primary.
 * Needs the replica `.ci/run` creates (`.ci/replica.sh`: pg_basebackup of the local server,
 * started as a hot standby on another port): TEST_REPLICA_URL, TEST_REPLICA_DIR. Skipped
 * otherwise, and on the PGlite pass.
 */
const replicaUrl = process.env.TEST_REPLICA_URL;
const replicaDir = process.env.TEST_REPLICA_DIR;
const ready = Boolean(process.env.TEST_DATABASE_URL && replicaUrl && replicaDir);

const until = async (what: string, check: () => Promise<boolean>, seconds = 120) => {
  for (let i = 0; i < seconds * 10; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe.skipIf(!ready)('a read replica (DATABASE_READ_URL)', () => {
  let h: Harness;
  let database: Database;
  let app: FastifyInstance;
  let replicaDbUrl: string;
  const onReplica = async <T extends Record<string, unknown>>(text: string) => {
    const c = new pg.Client({ connectionString: replicaDbUrl });
    await c.connect();
    try {
      return (await c.query<T>(text)).rows;
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    h = await createHarness();
    const u = new URL(replicaUrl!);
    u.pathname = new URL(h.testDb.url!).pathname; // the primary's test database, streamed over
    replicaDbUrl = u.toString();
    await until('the test database on the replica', () =>
      onReplica('SELECT 1 AS one FROM audit_seal_state').then(
        (r) => r.length === 1,
        () => false,
      ),
    );
    database = openDatabase({ kind: 'postgres', url: h.testDb.url!, poolMax: 4, readUrl: replicaDbUrl });
    app = await buildApp(h.config, { database });
    await app.ready();
  }, 300_000);
  afterAll(async () => {
    await onReplica('SELECT pg_wal_replay_resume()').catch(() => {});
    await app?.close();
    await database?.close();
    await h?.close();
  });

  // First: the other test stops and restarts the replica, which may then have to catch up.
  it('reads indicators and the event feed from the replica; the feed catches up after lag, nothing lost, access and audit on the primary', async () => {
    const court = uid('court');
    const admin = await h.issuer.sign({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
    const clerkSub = uid('clerk');
    const clerk = await h.issuer.sign({ sub: clerkSub, roles: ['court_clerk'], org: court });
    const analyst = await h.issuer.sign({ sub: uid('analyst'), roles: ['analyst'], org: 'statistics' });
    const send = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
      app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload ? { payload } : {}),
      });
    expect(
      (
        await send(admin, 'POST', '/v1/organizations', {
          id: court,
          name: court,
          kind: 'court',
          region: 'north',
        })
      ).statusCode,
    ).toBe(201);
    const newCase = async () => {
      const person = await send(clerk, 'POST', '/v1/persons', {
        givenName: 'Nigar',
        familyName: 'Həsənova',
        dateOfBirth: '2010-05-01',
        sex: 'female',
        region: 'north',
      });
      expect(person.statusCode, person.body).toBe(201);
      const kase = await send(clerk, 'POST', '/v1/cases', {
        personId: person.json().id,
        intakeKind: 'referral',
        offenceDate: '2026-11-01T10:00:00Z',
        intakeAt: '2026-11-01T12:00:00Z',
        agency: 'Police North',
        detained: false,
        charges: [{ code: 'PC-1', description: 'Theft' }],
      });
      expect(kase.statusCode, kase.body).toBe(201);
      return kase.json().id as string;
    };
    const feedHas = async (caseId: string, cursor?: string) => {
      const res = await send(
        clerk,
        'GET',
        `/v1/events?limit=100${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      return {
        has: res.json().items.some((e: { caseId: string }) => e.caseId === caseId),
        cursor: res.json().nextCursor as string,
      };
    };

    const first = await newCase();
    let cursor: string | undefined;
    await until('the first case on the replica feed', async () => {
      const r = await feedHas(first, cursor);
      cursor = r.cursor;
      return r.has;
    });
    const before = { ...database.readStats() };
    const indicators = await send(analyst, 'GET', '/v1/statistics/indicators?from=2026-11-01&to=2026-12-01');
    expect(indicators.statusCode, indicators.body).toBe(200);
    expect(database.readStats().replica).toBeGreaterThan(before.replica);

    // Replay paused: a case created now is not on the feed (the replica's horizon is behind), and the
    // cursor the feed hands out does not pass it; once replay resumes it is delivered.
    await onReplica('SELECT pg_wal_replay_pause()');
    const lagging = await newCase();
    const paused = await feedHas(lagging, cursor);
    expect(paused.has).toBe(false);
    // The feed's own audit rows were written on the primary meanwhile.
    const searches = rowsOf<{ n: number }>(
      await h.testDb.database.db.execute(
        sql`SELECT count(*)::int AS n FROM audit_events WHERE actor_sub = ${clerkSub} AND resource_type = 'event'`,
      ),
    );
    expect(searches[0].n).toBeGreaterThanOrEqual(2);
    await onReplica('SELECT pg_wal_replay_resume()');
    let after = paused.cursor;
    await until('the lagging case on the feed after replay resumed', async () => {
      const r = await feedHas(lagging, after);
      after = r.cursor;
      return r.has;
    });
  }, 600_000);

  it('serves audit queries from the replica, writes on the primary, and falls back to the primary when the replica is down', async () => {
    const clerkSub = uid('clerk');
    const clerk = await h.issuer.sign({ sub: clerkSub, roles: ['court_clerk'], org: 'court-r' });
    const auditorSub = uid('auditor');
    const auditor = await h.issuer.sign({ sub: auditorSub, roles: ['auditor'], org: 'oversight' });
    const as = (token: string, url: string, requestId?: string) =>
      app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${token}`, ...(requestId ? { 'x-request-id': requestId } : {}) },
      });
    const trailOf = async () => {
      const res = await as(auditor, `/v1/audit-events?actor=${clerkSub}&limit=100`);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().items as { requestId: string }[]).map((i) => i.requestId);
    };

    expect((await as(clerk, '/v1/cases', 'before-pause')).statusCode).toBe(200);
    await until('the first row on the replica', async () => (await trailOf()).includes('before-pause'));

    // Replay paused on the replica: what the primary writes now is not there yet.
    await onReplica('SELECT pg_wal_replay_pause()');
    expect((await as(clerk, '/v1/cases', 'while-paused')).statusCode).toBe(200);
    const onPrimary = rowsOf<{ n: number }>(
      await h.testDb.database.db.execute(
        sql`SELECT count(*)::int AS n FROM audit_events WHERE request_id = 'while-paused'`,
      ),
    );
    expect(onPrimary[0].n).toBe(1); // the audit row was written on the primary
    const lagging = await trailOf();
    expect(lagging).toContain('before-pause');
    expect(lagging).not.toContain('while-paused'); // the query was answered by the replica
    const statsBefore = { ...database.readStats() };
    expect(statsBefore.replica).toBeGreaterThan(0);
    // The auditor's own search was recorded on the primary, in its transaction.
    const searches = rowsOf<{ n: number }>(
      await h.testDb.database.db.execute(
        sql`SELECT count(*)::int AS n FROM audit_events WHERE actor_sub = ${auditorSub} AND action = 'search'`,
      ),
    );
    expect(searches[0].n).toBeGreaterThanOrEqual(2);

    await onReplica('SELECT pg_wal_replay_resume()');
    await until('the replica to catch up', async () => (await trailOf()).includes('while-paused'));

    // The replica down: the same query answers from the primary.
    await run('bash', ['.ci/replica.sh', 'stop', replicaDir!]);
    try {
      expect((await as(clerk, '/v1/cases', 'replica-down')).statusCode).toBe(200);
      const fallback = await trailOf();
      expect(fallback).toEqual(expect.arrayContaining(['before-pause', 'while-paused', 'replica-down']));
      expect(database.readStats().fallback).toBeGreaterThan(statsBefore.fallback);
    } finally {
      await run('bash', ['.ci/replica.sh', 'start', replicaDir!]);
    }
  }, 600_000);
});
