import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { rowsOf } from '../../src/db/client.js';
import { type TestDatabase, createTestDatabase } from './database.js';
import {
  TEST_AUDIENCE,
  TEST_ISSUER,
  type TestIssuer,
  type TokenOptions,
  createTestIssuer,
} from './tokens.js';

export interface Harness {
  app: FastifyInstance;
  testDb: TestDatabase;
  issuer: TestIssuer;
  config: Config;
  /** A client acting as one person; every request carries their token. */
  as(opts: TokenOptions): Promise<Client>;
  /** Builds one more app instance on the same database (scale-out tests). */
  secondInstance(): Promise<FastifyInstance>;
  auditRows(where?: string): Promise<Record<string, any>[]>;
  /**
   * Seals until no audit row is left unchained. One seal may leave rows behind while a transaction
   * anywhere on the server (other test files share it) is older than them; that lasts milliseconds.
   */
  sealAll(): Promise<void>;
  close(): Promise<void>;
}

export interface Client {
  token: string;
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  put(url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  patch(url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  delete(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export function testConfig(issuer: TestIssuer, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'jj-data-')),
    AUTH_JWKS_FILE: issuer.jwksFile,
    AUTH_ISSUER: TEST_ISSUER,
    AUTH_AUDIENCE: TEST_AUDIENCE,
    AUDIT_SEAL_INTERVAL_MS: '100',
    // Off for the suite (tests/rate-limit.test.ts turns it on): files fire thousands of requests with one token.
    RATE_LIMIT_ENABLED: 'false',
    ...overrides,
  });
}

export async function createHarness(overrides: Record<string, string> = {}): Promise<Harness> {
  const testDb = await createTestDatabase();
  const issuer = await createTestIssuer();
  const config = testConfig(issuer, overrides);
  // Every response of every test is checked against the OpenAPI document: a status or header an
  // operation does not declare fails the file at close() (src/plugins/openapi.ts).
  const contractViolations = new Set<string>();
  const onContractViolation = (v: string) => contractViolations.add(v);
  const app = await buildApp(config, { database: testDb.database, onContractViolation });
  await app.ready();
  const extra: FastifyInstance[] = [];
  const extraDbs: { close(): Promise<void> }[] = [];

  const clientFor = (target: FastifyInstance, token: string): Client => {
    const send = (
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
      url: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) =>
      target.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...headers },
        ...(body === undefined ? {} : { payload: body as object }),
      });
    return {
      token,
      get: (url, headers) => send('GET', url, undefined, headers),
      post: (url, body, headers) => send('POST', url, body ?? {}, headers),
      put: (url, body, headers) => send('PUT', url, body ?? {}, headers),
      patch: (url, body, headers) => send('PATCH', url, body ?? {}, headers),
      delete: (url, headers) => send('DELETE', url, undefined, headers),
    };
  };

  return {
    app,
    testDb,
    issuer,
    config,
    as: async (opts) => clientFor(app, await issuer.sign(await registerPartnerClient(testDb, opts))),
    async secondInstance() {
      let database = testDb.database;
      if (testDb.url) {
        const { openDatabase } = await import('../../src/db/client.js');
        database = openDatabase({ kind: 'postgres', url: testDb.url, poolMax: 10 });
        extraDbs.push(database);
      }
      const second = await buildApp(config, { database, onContractViolation });
      await second.ready();
      extra.push(second);
      return second;
    },
    async auditRows(where = 'true') {
      return rowsOf<Record<string, any>>(
        await testDb.database.db.execute(
          sql.raw(`SELECT * FROM audit_events WHERE ${where} ORDER BY occurred_at, id`),
        ),
      );
    },
    async sealAll() {
      const unchained = async () =>
        rowsOf<{ n: number }>(
          await testDb.database.db.execute(
            sql.raw(
              'SELECT count(*)::int AS n FROM audit_events e WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id)',
            ),
          ),
        )[0].n;
      // The sealer chains rows once no older transaction anywhere on the server is open; on a busy
      // shared server (other suites, CI's parallel files) that can take far longer than locally.
      for (const deadline = Date.now() + 180_000; Date.now() < deadline; ) {
        await app.sealer.sealNow();
        if ((await unchained()) === 0) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('audit rows stayed unsealed for three minutes');
    },
    async close() {
      for (const a of extra) await a.close();
      for (const d of extraDbs) await d.close();
      await app.close();
      await testDb.drop();
      if (contractViolations.size > 0) {
        throw new Error(
          `Responses outside the OpenAPI contract (declare them in src/plugins/openapi-contract.ts):\n${[...contractViolations].join('\n')}`,
        );
      }
    },
  };
}

/**
 * Partner systems must be registered clients (SPEC 3): a partner token made by `as()` gets its
 * client registered for its organisation with the scopes it asks for (added to any it had), as an
 * administrator would. Tests of refusals sign their tokens with `issuer.sign` directly.
 */
export async function registerPartnerClient(testDb: TestDatabase, opts: TokenOptions): Promise<TokenOptions> {
  if (!opts.roles.includes('partner_system')) return opts;
  const clientId = opts.clientId ?? opts.sub;
  const org = opts.org ?? `${clientId}-org`;
  const scopes = (opts.scope ?? '').split(' ').filter(Boolean);
  await testDb.database.db.execute(sql`
    INSERT INTO partner_clients (client_id, org_id, kind, allowed_scopes, created_by)
    VALUES (${clientId}, ${org}, ${opts.partnerKind ?? 'police'}, ${`{${scopes.join(',')}}`}::text[], 'test-harness')
    ON CONFLICT (client_id) DO UPDATE SET allowed_scopes =
      ARRAY(SELECT DISTINCT unnest(partner_clients.allowed_scopes || excluded.allowed_scopes))`);
  return { ...opts, clientId, org };
}

export const json = <T = any>(res: LightMyRequestResponse): T => res.json() as T;

let counter = 0;
/** Unique values so tests never depend on each other or on order. */
export const uid = (prefix: string) =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
