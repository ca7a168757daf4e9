import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { openDatabase, rowsOf } from '../src/db/client.js';
import { testConfig, uid } from './helpers/app.js';
import { type TestDatabase, createTestDatabase } from './helpers/database.js';
import { type Listening, rawExchange, silentServer, tcpProxy, viaPort } from './helpers/faults.js';
import { type TestIssuer, createTestIssuer } from './helpers/tokens.js';

/**
 * Item 9 of issue 9: time limits everywhere, so that a slow or partitioned database, or a slow
 * client, never holds a request (or /readyz) for the whole outage. PostgreSQL only: PGlite runs in
 * the process and has no connection to lose. Durations are never asserted; the generous limits on
 * the waits only catch a hang.
 */
const onPostgres = Boolean(process.env.TEST_DATABASE_URL) && process.env.TEST_BACKEND !== 'pglite';

describe.skipIf(!onPostgres)('time limits on the database and the HTTP server', () => {
  let testDb: TestDatabase;
  let issuer: TestIssuer;
  const apps: FastifyInstance[] = [];
  const servers: Listening[] = [];
  beforeAll(async () => {
    testDb = await createTestDatabase();
    issuer = await createTestIssuer();
  });
  const databases: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    // the fake servers first: pending connection attempts to them then fail at once
    for (const s of servers.splice(0)) await s.close();
    for (const app of apps.splice(0)) await app.close();
    for (const d of databases.splice(0)) await d.close().catch(() => {});
  });
  afterAll(async () => testDb?.drop());

  /** An app owning its database, opened from the configuration like production. */
  const appWith = async (env: Record<string, string>) => {
    const app = await buildApp(testConfig(issuer, { DATABASE_URL: testDb.url!, ...env }));
    await app.ready();
    apps.push(app);
    return app;
  };
  const get = (app: FastifyInstance, url: string, token: string) =>
    app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  it('sets statement_timeout and lock_timeout on every connection from the configuration', async () => {
    const app = await appWith({ DATABASE_STATEMENT_TIMEOUT_MS: '1500', DATABASE_LOCK_TIMEOUT_MS: '700' });
    const settings = await app.database.db.transaction(async (tx) =>
      rowsOf<{ s: string; l: string; i: string }>(
        await tx.execute(
          sql`SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l,
                     current_setting('idle_in_transaction_session_timeout') AS i`,
        ),
      ),
    );
    expect(settings).toEqual([{ s: '1500ms', l: '700ms', i: '1500ms' }]);
    // and the server enforces them
    const slow = app.database.db.execute(sql`SELECT pg_sleep(10)`);
    await expect(slow).rejects.toMatchObject({ cause: { code: '57014' } });
  });

  it('answers 503 problem+json with Retry-After when a lock wait runs out, then serves once the lock is gone', async () => {
    const app = await appWith({ DATABASE_LOCK_TIMEOUT_MS: '300' });
    const admin = await issuer.sign({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
    const court = uid('court');
    await app.inject({
      method: 'POST',
      url: '/v1/organizations',
      headers: { authorization: `Bearer ${admin}` },
      payload: { id: court, name: 'C', kind: 'court' },
    });
    const clerk = await issuer.sign({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const created = await app.inject({
      method: 'POST',
      url: '/v1/persons',
      headers: { authorization: `Bearer ${clerk}` },
      payload: { givenName: 'A', familyName: 'B', dateOfBirth: '2010-01-01', sex: 'male' },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;

    const holder = new pg.Client({ connectionString: testDb.url! });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE persons IN ACCESS EXCLUSIVE MODE');
      const blocked = await get(app, `/v1/persons/${id}`, clerk);
      expect(blocked.statusCode).toBe(503);
      expect(blocked.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(blocked.headers['retry-after']).toBe('1');
      expect(blocked.json()).toMatchObject({ status: 503, type: '/problems/unavailable' });
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    expect((await get(app, `/v1/persons/${id}`, clerk)).statusCode).toBe(200);
  });

  it('answers /readyz with 503 while the database accepts connections and never speaks', async () => {
    const silent = await silentServer();
    servers.push(silent);
    // a connect timeout well above the readiness timer, so that what answers is the timer, not the
    // pool (and short enough that the app's start-up upkeep gives up on the silent database)
    const database = openDatabase({
      kind: 'postgres',
      url: viaPort(testDb.url!, silent.port),
      timeouts: { connectMs: 4_000 },
    });
    databases.push(database);
    const app = await buildApp(testConfig(issuer, { READINESS_TIMEOUT_MS: '500' }), { database });
    apps.push(app);
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(silent.accepted()).toBeGreaterThan(0);
    // the health probe does not touch the database
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('answers a request with 503 when no connection can be had in time', async () => {
    const silent = await silentServer();
    servers.push(silent);
    const database = openDatabase({
      kind: 'postgres',
      url: viaPort(testDb.url!, silent.port),
      timeouts: { connectMs: 300 },
    });
    databases.push(database);
    const app = await buildApp(testConfig(issuer), { database });
    apps.push(app);
    await app.ready();
    const clerk = await issuer.sign({ sub: uid('clerk'), roles: ['court_clerk'], org: 'court-x' });
    const res = await get(app, `/v1/persons/${crypto.randomUUID()}`, clerk);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ type: '/problems/unavailable' });
  });

  it('gives up on a partitioned database (connected, then silent), answers 503, and recovers when the network does', async () => {
    const proxy = await tcpProxy({ host: '127.0.0.1', port: Number(new URL(testDb.url!).port || 5432) });
    servers.push(proxy);
    const database = openDatabase({
      kind: 'postgres',
      url: viaPort(testDb.url!, proxy.port),
      timeouts: { statementMs: 500, connectMs: 1_000 },
    });
    databases.push(database);
    const app = await buildApp(testConfig(issuer, { READINESS_TIMEOUT_MS: '300' }), { database });
    apps.push(app);
    await app.ready();
    const clerk = await issuer.sign({ sub: uid('clerk'), roles: ['court_clerk'], org: 'court-x' });
    const missing = `/v1/persons/${crypto.randomUUID()}`;
    expect((await get(app, missing, clerk)).statusCode).toBe(404);
    expect(proxy.connections()).toBeGreaterThan(0);

    proxy.blackhole(true);
    const during = await get(app, missing, clerk);
    expect(during.statusCode).toBe(503);
    expect(during.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);

    proxy.blackhole(false);
    let after = 0;
    for (let i = 0; i < 100 && after !== 404; i++) {
      after = (await get(app, missing, clerk)).statusCode;
      if (after !== 404) await new Promise((r) => setTimeout(r, 100));
    }
    expect(after).toBe(404);
  });

  it('closes a request whose body never finishes, and one whose headers never finish, with 408', async () => {
    const app = await appWith({ HTTP_REQUEST_TIMEOUT_MS: '800', HTTP_HEADERS_TIMEOUT_MS: '400' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const clerk = await issuer.sign({ sub: uid('clerk'), roles: ['court_clerk'], org: 'court-x' });
    const slowBody = await rawExchange(
      port,
      `POST /v1/persons HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${clerk}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"given`,
    );
    expect(slowBody).toMatch(/^HTTP\/1\.1 408 /);
    expect(slowBody).toMatch(/content-type: application\/problem\+json/i);
    expect(slowBody).toContain('"status":408');
    const slowHeaders = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expect(slowHeaders).toMatch(/^HTTP\/1\.1 408 /);
    expect(slowHeaders).toMatch(/content-type: application\/problem\+json/i);
    const oversized = await rawExchange(
      port,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(oversized).toMatch(/^HTTP\/1\.1 431 /);
    expect(oversized).toMatch(/content-type: application\/problem\+json/i);
  });
});
