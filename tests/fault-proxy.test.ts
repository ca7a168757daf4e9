import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uid } from './helpers/app.js';
import { type TestDatabase, createTestDatabase } from './helpers/database.js';
import { type Proxy as DatabaseProxy, tcpProxy, viaPort } from './helpers/faults.js';
import {
  type Outcome,
  type ServiceProcess,
  auditVerify,
  callService,
  spawnService,
} from './helpers/service-process.js';
import { type TestIssuer, createTestIssuer } from './helpers/tokens.js';
import {
  expectNothingLostOrHalfWritten,
  expectOnlyCleanFailures,
  queryOnce,
  startWriteLoad,
} from './helpers/write-load.js';

/**
 * Item 13 of issue 9, the network between the service and PostgreSQL: a service process reaches
 * its database through a TCP proxy the test controls (tests/helpers/faults.ts), which refuses new
 * connections, resets them, swallows bytes (a partition) or stops reading (a stall). Requests in
 * flight end in 503 problem+json within the statement and connection time limits, nothing is
 * half-written, and service resumes when the network does. Each test ends with the invariants:
 * every change has its audit row and every audit row its change, and `npm run audit:verify`
 * passes. PostgreSQL only (spawns processes; PGlite has no network). Durations are logged, never
 * asserted.
 */
const onPostgres = Boolean(process.env.TEST_DATABASE_URL) && process.env.TEST_BACKEND !== 'pglite';

describe.skipIf(!onPostgres)(
  'a service process behind a TCP proxy to its database',
  // process-level: budgets of minutes, so that they hold on two loaded cores
  { timeout: 300_000 },
  () => {
    let testDb: TestDatabase;
    let issuer: TestIssuer;
    let proxy: DatabaseProxy;
    let service: ServiceProcess;
    let dataDir: string;
    let clerk: string;

    beforeAll(async () => {
      testDb = await createTestDatabase();
      issuer = await createTestIssuer();
      const target = new URL(testDb.url!);
      proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      dataDir = mkdtempSync(join(tmpdir(), 'jj-proxy-'));
      service = await spawnService(viaPort(testDb.url!, proxy.port), issuer, {
        DATA_DIR: dataDir,
        // short limits, so that a partition ends requests in seconds (the client gives a statement
        // up one second after the statement limit)
        DATABASE_STATEMENT_TIMEOUT_MS: '3000',
        DATABASE_LOCK_TIMEOUT_MS: '2500',
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        READINESS_TIMEOUT_MS: '1000',
      });
      const admin = await issuer.sign({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
      const court = uid('court');
      const org = await callService(service.base, admin, 'POST', '/v1/organizations', {
        id: court,
        name: 'C',
        kind: 'court',
      });
      expect(org.status).toBe(201);
      clerk = await issuer.sign({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    }, 240_000);
    afterAll(async () => {
      await service?.kill('SIGTERM');
      await proxy?.close();
      await testDb?.drop();
    });

    const person = (familyName = uid('Family')) => ({
      givenName: uid('Given'),
      familyName,
      dateOfBirth: '2010-05-01',
      sex: 'female',
    });
    const timed = async (f: () => Promise<Outcome>) => {
      const started = performance.now();
      const outcome = await f();
      return { ...outcome, ms: Math.round(performance.now() - started) };
    };
    const expectUnavailable = (o: Outcome) => {
      expect(o.status, JSON.stringify(o.body)).toBe(503);
      expect(o.type).toMatch(/^application\/problem\+json/);
      expect(o.body).toMatchObject({ status: 503 });
    };
    /** Polls (bounded) until `f` answers `status`; returns the last answer. */
    const until = async (status: number, f: () => Promise<Outcome>) => {
      let last = await f();
      for (let i = 0; i < 150 && last.status !== status; i++) {
        await new Promise((r) => setTimeout(r, 100));
        last = await f();
      }
      expect(last.status, JSON.stringify(last.body)).toBe(status);
      return last;
    };
    const readyz = async (): Promise<Outcome> => {
      const res = await fetch(`${service.base}/readyz`, { signal: AbortSignal.timeout(60_000) });
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        etag: null,
        body: await res.json(),
      };
    };
    const invariants = async (load = startWriteLoad(() => [], '', 0)) => {
      await expectNothingLostOrHalfWritten(testDb.url!, load);
      const verified = await auditVerify(testDb.url!, dataDir);
      expect(verified.code, JSON.stringify(verified.report)).toBe(0);
      expect(verified.report).toMatchObject({ ok: true });
    };

    it('answers 503 problem+json while the database refuses connections, /readyz too, and resumes when it is back', async () => {
      const seed = await callService(service.base, clerk, 'POST', '/v1/persons', person());
      expect(seed.status).toBe(201);

      proxy.refuse(true);
      proxy.reset();
      const refusedName = uid('Refused');
      const read = await timed(() => callService(service.base, clerk, 'GET', `/v1/persons/${seed.body.id}`));
      const write = await timed(() =>
        callService(service.base, clerk, 'POST', '/v1/persons', person(refusedName)),
      );
      const ready = await timed(readyz);
      console.log(`database refusing: read ${read.ms} ms, write ${write.ms} ms, /readyz ${ready.ms} ms`);
      expectUnavailable(read);
      expectUnavailable(write);
      expect(write.body.type).toBe('/problems/unavailable');
      expectUnavailable(ready);
      expect((await fetch(`${service.base}/healthz`)).status).toBe(200);

      proxy.refuse(false);
      await until(200, () => callService(service.base, clerk, 'GET', `/v1/persons/${seed.body.id}`));
      expect((await readyz()).status).toBe(200);
      expect((await callService(service.base, clerk, 'POST', '/v1/persons', person())).status).toBe(201);
      expect(service.alive()).toBe(true);
      // the refused write changed nothing
      expect(
        await queryOnce(testDb.url!, 'SELECT id FROM persons WHERE family_name = $1', [refusedName]),
      ).toEqual([]);
      await invariants();
    });

    it('ends requests in 503 when the network drops or stalls mid-request under write load, writes nothing by halves, and resumes', async () => {
      const load = startWriteLoad(() => [service.base], clerk, 4);
      const failures = () => load.outcomes.filter((o) => o.status !== 200 && o.status !== 201).length;
      const waitForFailures = async (n: number) => {
        const target = failures() + n;
        for (let i = 0; i < 600 && failures() < target; i++) await new Promise((r) => setTimeout(r, 50));
        expect(failures()).toBeGreaterThanOrEqual(target);
      };
      try {
        await load.more(8);
        // a partition: bytes swallowed both ways, mid-request for whatever is in flight
        proxy.blackhole(true);
        await waitForFailures(3);
        proxy.blackhole(false);
        await load.more(5);
        // a stall: nothing read either way until it heals (then everything held is delivered)
        proxy.stall(true);
        await waitForFailures(3);
        proxy.stall(false);
        await load.more(5);
      } finally {
        await load.stop();
      }
      // a 500 would be an error the service did not recognise as the database's: show its log line
      const logged = service
        .output()
        .split('\n')
        .filter((l) => l.includes('"level":50'));
      expect(load.outcomes.filter((o) => o.status === 500).length, logged.join('\n')).toBe(0);
      expectOnlyCleanFailures(load.outcomes, false);
      const unavailable = load.outcomes.filter((o) => o.status === 503);
      expect(unavailable.length).toBeGreaterThanOrEqual(6);
      console.log(
        `drop and stall: ${load.acknowledged.size} cases acknowledged, ${unavailable.length} answers 503 of ${load.outcomes.length}`,
      );
      expect(service.alive()).toBe(true);
      expect(service.output()).not.toContain("Unhandled 'error' event");
      expect((await until(200, readyz)).status).toBe(200);
      await invariants(load);
    });

    it('frees an Idempotency-Key whose first request died by connection loss, so the retry completes once', async () => {
      // The first request takes its key, then waits on a lock the test holds on the persons table;
      // the test cuts every connection (and refuses new ones) while it waits: the request answers
      // 503, and the key cannot be freed then. Once the database is reachable, the retry must run.
      const holder = new pg.Client({ connectionString: testDb.url! });
      await holder.connect();
      const key = uid('idem-key');
      const familyName = uid('Idem');
      const body = person(familyName);
      let first: Outcome;
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE persons IN ACCESS EXCLUSIVE MODE');
        const pending = callService(service.base, clerk, 'POST', '/v1/persons', body, {
          'idempotency-key': key,
        });
        let waiting = 0;
        for (let i = 0; i < 400 && waiting === 0; i++) {
          const { rows } = await holder.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
          );
          waiting = rows[0].n;
          if (waiting === 0) await new Promise((r) => setTimeout(r, 10));
        }
        expect(waiting).toBeGreaterThan(0);
        const [held] = await queryOnce(testDb.url!, 'SELECT status FROM idempotency_keys WHERE key = $1', [
          key,
        ]);
        expect(held).toEqual({ status: null });
        proxy.refuse(true);
        proxy.reset();
        first = await pending;
      } finally {
        await holder.query('ROLLBACK').catch(() => {});
        await holder.end();
      }
      expectUnavailable(first);

      proxy.refuse(false);
      // while the key is being freed a retry may still hear "being processed" (409, Retry-After);
      // then it runs, once
      const retry = () =>
        callService(service.base, clerk, 'POST', '/v1/persons', body, { 'idempotency-key': key });
      let answer = await retry();
      for (let i = 0; i < 40 && answer.status === 409; i++) {
        expect(answer.body).toMatchObject({ idempotencyOutcome: 'running' });
        await new Promise((r) => setTimeout(r, 250));
        answer = await retry();
      }
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      const replay = await retry();
      expect(replay.status).toBe(201);
      expect(replay.body.id).toBe(answer.body.id);
      expect(
        await queryOnce(testDb.url!, 'SELECT id FROM persons WHERE family_name = $1', [familyName]),
      ).toEqual([{ id: answer.body.id }]);
      await invariants();
    });
  },
);
