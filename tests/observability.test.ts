import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { courtWithCase } from './helpers/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('metrics and logs', () => {
  it('exposes Prometheus metrics by route pattern and status, and pool use', async () => {
    const { clerk, kase } = await courtWithCase(h);
    await clerk.get(`/v1/cases/${kase.id}`);
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/v1\/cases\/:id",status="200"\} 1/);
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
