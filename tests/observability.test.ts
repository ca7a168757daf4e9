import { sql } from 'drizzle-orm';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { courtWithCase } from './helpers/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('internal errors', () => {
  it('answer 500 problem+json with no stack, no SQL and no internal message', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const db = h.testDb.database.db;
    await db.execute(sql.raw('ALTER TABLE charges RENAME TO charges_moved_away'));
    try {
      const res = await clerk.get(`/v1/cases/${kase.id}`);
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.json()).toMatchObject({
        status: 500,
        title: 'Internal error',
        requestId: res.headers['x-request-id'],
      });
      expect(res.body).not.toMatch(/charges|relation|select |\.ts:|stack|does not exist/i);
    } finally {
      await db.execute(sql.raw('ALTER TABLE charges_moved_away RENAME TO charges'));
    }
    expect((await clerk.get(`/v1/cases/${kase.id}`)).statusCode).toBe(200);
  });

  it('serves the browsable API documentation', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('metrics and logs', () => {
  it('exposes Prometheus metrics by route pattern and status, and pool use', async () => {
    const { clerk, kase } = await courtWithCase(h);
    await clerk.get(`/v1/cases/${kase.id}`);
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const count = (body: string) =>
      Number(
        /http_requests_total\{method="GET",route="\/v1\/cases\/:id",status="200"\} (\d+)/.exec(body)?.[1] ??
          0,
      );
    expect(count(res.body)).toBeGreaterThanOrEqual(1);
    await clerk.get(`/v1/cases/${kase.id}`);
    const after = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(count(after.body)).toBe(count(res.body) + 1);
    expect(res.body).toContain('http_request_duration_seconds_bucket');
    expect(res.body).toMatch(/db_pool_connections\{state="total"\}/);
    // ids never become label values
    expect(res.body).not.toContain(kase.id);
  });

  it('redacts names, dates of birth, free text and the Authorization header in logs', async () => {
    const { REDACTED_LOG_PATHS } = await import('../src/app.js');
    const { default: pino } = await import('pino');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = pino({ redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } }, sink);
    const secret = uid('Secret');
    log.info({
      req: { headers: { authorization: 'Bearer abc.def.ghi' } },
      body: { givenName: secret, dateOfBirth: '2010-01-01', notes: secret },
    });
    const out = lines.join('');
    expect(out).not.toContain(secret);
    expect(out).not.toContain('abc.def.ghi');
    expect(out).not.toContain('2010-01-01');
    expect(out).toContain('[redacted]');
  });
});
