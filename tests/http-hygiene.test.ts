import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { type Harness, createHarness, testConfig, uid } from './helpers/app.js';
import { courtWithCase } from './helpers/factories.js';

/** Issue 9, item 10: security headers, no caching of a child's data, client address behind a proxy, /metrics. */
let h: Harness;
const extra: FastifyInstance[] = [];
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  for (const a of extra) await a.close();
  await h?.close();
});

/** One more app on the same database with other settings. */
async function appWith(overrides: Record<string, string>) {
  const app = await buildApp(testConfig(h.issuer, overrides), { database: h.testDb.database });
  await app.ready();
  extra.push(app);
  return app;
}

describe('security headers', () => {
  it('marks every /v1 response no-store and nosniff with a strict CSP, errors included', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const responses = [
      await clerk.get(`/v1/cases/${kase.id}`),
      await clerk.get('/v1/cases?limit=5'),
      await clerk.get(`/v1/cases/${crypto.randomUUID()}`),
      await clerk.post('/v1/persons', { givenName: 'x' }),
      await h.app.inject({ method: 'GET', url: `/v1/cases/${kase.id}` }),
      await clerk.get('/v1/no-such-route'),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 404, 400, 401, 404]);
    for (const res of responses) {
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBeDefined();
    }
    const health = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.headers['x-content-type-options']).toBe('nosniff');
  });

  it('lets /docs load its own scripts and styles, and nothing inline or from elsewhere', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("connect-src 'self'");
    // every script the page runs is a file of this server, and each one is served under the same policy
    const scripts = [...page.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, inline] of scripts) {
      expect(inline.trim()).toBe('');
      const src = /src="([^"]+)"/.exec(attrs)?.[1] as string;
      expect(src).toMatch(/^\.?\/?[\w./-]+$/);
      const file = await h.app.inject({ method: 'GET', url: new URL(src, 'http://x/docs/').pathname });
      expect(file.statusCode, src).toBe(200);
      expect(file.headers['content-security-policy']).toBe(csp);
    }
    // the document it fetches is served by this server too
    expect((await h.app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
  });
});

describe('the router’s own refusals (defect 6 of issue 9)', () => {
  it('answers a path parameter over the limit (414) and a malformed % escape (400) with problem+json, without echoing the path', async () => {
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: 'court-x' });
    const long = 'a'.repeat(300);
    const cases = [
      { url: `/v1/organizations/${long}`, status: 414, type: '/problems/uri-too-long' },
      { url: `/v1/cases/${long}/hearings`, status: 414, type: '/problems/uri-too-long' },
      { url: '/v1/organizations/%zz', status: 400, type: '/problems/bad-request' },
      { url: '/v1/persons/%E0%A4%A', status: 400, type: '/problems/bad-request' },
    ];
    for (const c of cases) {
      for (const res of [await clerk.get(c.url), await h.app.inject({ method: 'GET', url: c.url })]) {
        expect(res.statusCode, c.url).toBe(c.status);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json()).toMatchObject({ status: c.status, type: c.type });
        expect(res.json().requestId).toBeTypeOf('string');
        expect(res.body).not.toContain(long);
        expect(res.body).not.toContain('%zz');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['x-request-id']).toBe(res.json().requestId);
      }
    }
    // and on a real socket, as a scanner sees it
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    for (const c of cases) {
      const res = await fetch(`http://127.0.0.1:${port}${c.url}`);
      expect(res.status).toBe(c.status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status: c.status });
    }
  });
});

describe('client address behind a load balancer (TRUST_PROXY)', () => {
  it('records X-Forwarded-For as the audit row’s client address only when the proxy is trusted', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const trusting = await appWith({ TRUST_PROXY: '127.0.0.1' });
    const read = async (app: FastifyInstance) => {
      const requestId = uid('req');
      const res = await app.inject({
        method: 'GET',
        url: `/v1/cases/${kase.id}`,
        remoteAddress: '127.0.0.1',
        headers: {
          authorization: `Bearer ${clerk.token}`,
          'x-forwarded-for': '203.0.113.50',
          'x-request-id': requestId,
        },
      });
      expect(res.statusCode).toBe(200);
      const [row] = await h.auditRows(`request_id = '${requestId}'`);
      return row.client_address;
    };
    expect(await read(trusting)).toBe('203.0.113.50');
    expect(await read(h.app)).toBe('127.0.0.1');
    // a hop count trusts the nearest proxies only: with one, the address the proxy saw
    const oneHop = await appWith({ TRUST_PROXY: '1' });
    expect(await read(oneHop)).toBe('203.0.113.50');
  });
});

describe('/metrics', () => {
  it('requires METRICS_TOKEN when it is set', async () => {
    const token = `m-${crypto.randomUUID()}`;
    const app = await appWith({ METRICS_TOKEN: token });
    const get = (authorization?: string) =>
      app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
    const none = await get();
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect((await get(`Bearer ${token}x`)).statusCode).toBe(401);
    expect((await get('Bearer short')).statusCode).toBe(401);
    const ok = await get(`Bearer ${token}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('http_requests_total');
  });

  it('moves to its own port with METRICS_PORT, and is gone from the API port', async () => {
    const token = `m-${crypto.randomUUID()}`;
    const app = await appWith({ METRICS_PORT: '0', METRICS_TOKEN: token });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const apiPort = (app.server.address() as AddressInfo).port;
    const metricsPort = (app.metricsServer!.address() as AddressInfo).port;
    expect(metricsPort).not.toBe(apiPort);
    expect((await fetch(`http://127.0.0.1:${apiPort}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${apiPort}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(401);
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('http_requests_total{method="GET",route="/healthz",status="200"} 1');
    expect((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status).toBe(404);
  });
});
