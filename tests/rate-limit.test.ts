import { sql } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { type Harness, createHarness, uid } from './helpers/app.js';

/**
 * Rate limits (issue 9, item 8), kept in PostgreSQL: two app instances on one database share the
 * counters. The suite's other files run with the limits off (tests/helpers/app.ts); this one turns
 * them on with small numbers.
 */
const PER_CLIENT = 6;
const PER_ADDRESS = 4;
let h: Harness;
let second: FastifyInstance;
beforeAll(async () => {
  h = await createHarness({
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_PER_CLIENT: String(PER_CLIENT),
    RATE_LIMIT_PER_ADDRESS: String(PER_ADDRESS),
    RATE_LIMIT_WINDOW_SECONDS: '3600',
  });
  second = await h.secondInstance();
});
afterAll(async () => h?.close());

const count = async (query: string) =>
  rowsOf<{ n: number }>(await h.testDb.database.db.execute(sql.raw(query)))[0].n;

/** Requests alternating between the two instances, all at once. */
const flood = (n: number, headers: Record<string, string>, url = '/v1/organizations') =>
  Promise.all(
    Array.from({ length: n }, (_, i) =>
      (i % 2 === 0 ? h.app : second).inject({ method: 'GET', url, headers }),
    ),
  );

/** Windows start on the hour (database clock): a burst that straddled one would be split over two. */
async function awayFromWindowEdge() {
  const intoWindow = await count('SELECT (extract(epoch FROM now())::int % 3600) AS n');
  if (intoWindow > 3590) await new Promise((r) => setTimeout(r, (3601 - intoWindow) * 1000));
}

function expectRefusal(res: LightMyRequestResponse, limit: number) {
  expect(res.statusCode).toBe(429);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.json()).toMatchObject({ status: 429, type: '/problems/rate-limited' });
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(3600);
  expect(res.headers['ratelimit-limit']).toBe(String(limit));
  expect(res.headers['ratelimit-remaining']).toBe('0');
  expect(res.headers['ratelimit-reset']).toBe(String(retryAfter));
  expect(res.headers['ratelimit-policy']).toBe(`${limit};w=3600`);
}

describe('rate limits across instances', () => {
  it('lets a token holder make RATE_LIMIT_PER_CLIENT requests per window through both instances, then 429', async () => {
    await awayFromWindowEdge();
    const sub = uid('admin');
    const token = await h.issuer.sign({ sub, roles: ['admin'], org: 'ministry' });
    // a flood (issue 9, defect 7): five times the limit at once, through both instances
    const responses = await flood(PER_CLIENT * 5, { authorization: `Bearer ${token}` });
    const ok = responses.filter((r) => r.statusCode === 200);
    const refused = responses.filter((r) => r.statusCode === 429);
    expect(ok).toHaveLength(PER_CLIENT);
    expect(refused).toHaveLength(PER_CLIENT * 4);
    for (const r of refused) expectRefusal(r, PER_CLIENT);
    // the allowed ones say how many are left
    const remaining = ok.map((r) => Number(r.headers['ratelimit-remaining'])).sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: PER_CLIENT }, (_, i) => i));
    // one audit row per allowed request, and one for the throttling, not one per refusal
    expect(
      await count(
        `SELECT count(*)::int AS n FROM audit_events WHERE actor_sub = '${sub}' AND outcome = 'allowed'`,
      ),
    ).toBe(PER_CLIENT);
    expect(
      await count(
        `SELECT count(*)::int AS n FROM audit_events WHERE actor_sub = '${sub}' AND resource_type = 'rate_limit' AND outcome = 'denied'`,
      ),
    ).toBe(1);
    // another holder is not affected
    const other = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
    expect((await other.get('/v1/organizations')).statusCode).toBe(200);
  });

  it('counts a partner system by its client_id, whichever sub its tokens carry', async () => {
    await awayFromWindowEdge();
    const clientId = uid('partner');
    const tokens = await Promise.all(
      Array.from({ length: PER_CLIENT + 2 }, () =>
        h.issuer.sign({ sub: uid('svc'), roles: ['admin'], org: 'ministry', clientId }),
      ),
    );
    const responses = await Promise.all(
      tokens.map((t, i) =>
        (i % 2 === 0 ? h.app : second).inject({
          method: 'GET',
          url: '/v1/organizations',
          headers: { authorization: `Bearer ${t}` },
        }),
      ),
    );
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(PER_CLIENT);
    expect(responses.filter((r) => r.statusCode === 429)).toHaveLength(2);
  });

  it('limits requests without a valid token per address: 401 up to the limit, then 429', async () => {
    await awayFromWindowEdge();
    const address = '198.51.100.7';
    const send = (app: FastifyInstance, authorization?: string) =>
      app.inject({
        method: 'GET',
        url: '/v1/organizations',
        remoteAddress: address,
        headers: authorization ? { authorization } : {},
      });
    const responses = await Promise.all(
      Array.from({ length: PER_ADDRESS + 3 }, (_, i) =>
        send(i % 2 === 0 ? h.app : second, i % 3 === 0 ? 'Bearer not.a.token' : undefined),
      ),
    );
    expect(responses.filter((r) => r.statusCode === 401)).toHaveLength(PER_ADDRESS);
    const refused = responses.filter((r) => r.statusCode === 429);
    expect(refused).toHaveLength(3);
    for (const r of refused) expectRefusal(r, PER_ADDRESS);
    // another address is not affected
    const elsewhere = await h.app.inject({
      method: 'GET',
      url: '/v1/organizations',
      remoteAddress: '198.51.100.8',
    });
    expect(elsewhere.statusCode).toBe(401);
    expect(elsewhere.headers['ratelimit-remaining']).toBe(String(PER_ADDRESS - 1));
  });

  it('leaves health, readiness and metrics alone', async () => {
    const responses = await Promise.all(
      Array.from({ length: PER_ADDRESS + 2 }, () =>
        h.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '198.51.100.9' }),
      ),
    );
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
  });

  it('prunes the counters of windows that have ended', async () => {
    const db = h.testDb.database.db;
    await db.execute(
      sql.raw(
        `INSERT INTO rate_limit_counters (window_start, key, count) VALUES (now() - interval '3 hours', 'sub:old', 9), (now() - interval '90 minutes', 'sub:older', 3)`,
      ),
    );
    const before = await count('SELECT count(*)::int AS n FROM rate_limit_counters');
    expect(await h.app.rateLimits.prune()).toBe(2);
    expect(await count('SELECT count(*)::int AS n FROM rate_limit_counters')).toBe(before - 2);
    expect(await count(`SELECT count(*)::int AS n FROM rate_limit_counters WHERE key LIKE 'sub:old%'`)).toBe(
      0,
    );
  });
});
