import { SignJWT, base64url, generateKeyPair, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { TEST_AUDIENCE, TEST_ISSUER } from './helpers/tokens.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const get = (token: string) =>
  h.app.inject({ method: 'GET', url: '/v1/cases', headers: { authorization: `Bearer ${token}` } });

async function signWith(
  claims: Record<string, unknown>,
  opts: {
    key?: CryptoKey | Uint8Array;
    alg?: string;
    kid?: string;
    iss?: string;
    aud?: string;
    sub?: string | null;
    exp?: number | null;
  } = {},
) {
  const key = opts.key ?? (await importJWK(h.issuer.privateJwk, 'ES256'));
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ roles: ['court_clerk'], org: 'court-x', ...claims })
    .setProtectedHeader({ alg: opts.alg ?? 'ES256', kid: opts.kid ?? h.issuer.privateJwk.kid })
    .setIssuer(opts.iss ?? TEST_ISSUER)
    .setAudience(opts.aud ?? TEST_AUDIENCE)
    .setIssuedAt(now);
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? now + 300);
  if (opts.sub !== null) jwt.setSubject(opts.sub ?? 'clerk-1');
  return jwt.sign(key as CryptoKey);
}

describe('authentication', () => {
  it('accepts a valid token from the configured JWKS', async () => {
    const res = await get(await signWith({}));
    expect(res.statusCode).toBe(200);
  });

  it('answers 401 problem+json with WWW-Authenticate when the token is missing', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/cases' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    const body = res.json();
    expect(body).toMatchObject({ status: 401, title: 'Unauthorized', instance: '/v1/cases' });
    expect(body.requestId).toBe(res.headers['x-request-id']);
  });

  it('rejects a token with alg none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const now = Math.floor(Date.now() / 1000);
    const payload = base64url.encode(
      JSON.stringify({
        sub: 'x',
        roles: ['court_clerk'],
        iss: TEST_ISSUER,
        aud: TEST_AUDIENCE,
        exp: now + 300,
      }),
    );
    expect((await get(`${header}.${payload}.`)).statusCode).toBe(401);
  });

  it('rejects an HMAC token signed with the public key as the secret', async () => {
    const { d: _d, ...pub } = h.issuer.privateJwk;
    const secret = new TextEncoder().encode(JSON.stringify(pub));
    const token = await signWith({}, { key: secret, alg: 'HS256' });
    expect((await get(token)).statusCode).toBe(401);
  });

  it('rejects a token signed by a foreign key that claims the same key id', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    expect((await get(await signWith({}, { key: privateKey as CryptoKey }))).statusCode).toBe(401);
  });

  it('rejects a token whose payload was tampered with', async () => {
    const token = await signWith({ roles: ['court_clerk'] });
    const [hd, , sig] = token.split('.');
    const now = Math.floor(Date.now() / 1000);
    const forged = base64url.encode(
      JSON.stringify({
        sub: 'clerk-1',
        roles: ['admin'],
        iss: TEST_ISSUER,
        aud: TEST_AUDIENCE,
        exp: now + 300,
      }),
    );
    expect((await get(`${hd}.${forged}.${sig}`)).statusCode).toBe(401);
  });

  it('rejects expired tokens, wrong issuer, wrong audience and a missing subject', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await get(await signWith({}, { exp: now - 120 }))).statusCode).toBe(401);
    expect((await get(await signWith({}, { iss: 'https://evil.invalid/' }))).statusCode).toBe(401);
    expect((await get(await signWith({}, { aud: 'another-service' }))).statusCode).toBe(401);
    expect((await get(await signWith({}, { sub: null }))).statusCode).toBe(401);
  });

  it('rejects a token with no expiry at all', async () => {
    const res = await get(await signWith({}, { exp: null }));
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('rejects a malformed Authorization header', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/cases',
      headers: { authorization: 'Basic abc' },
    });
    expect(res.statusCode).toBe(401);
  });

  it('answers 403 to a valid token that carries no known role', async () => {
    const res = await get(await signWith({ roles: ['superuser', 'janitor'] }));
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('ignores claims the service does not use and unknown roles beside known ones', async () => {
    const res = await get(await signWith({ roles: ['court_clerk', 'wizard'], is_admin: true }));
    expect(res.statusCode).toBe(200);
  });

  it('leaves health, readiness and the API document open', async () => {
    for (const url of ['/healthz', '/readyz', '/openapi.json']) {
      expect((await h.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
  });

  it('echoes a sane x-request-id and replaces an unsafe one', async () => {
    const id = uid('req');
    const res = await h.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': id } });
    expect(res.headers['x-request-id']).toBe(id);
    const bad = await h.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'a b<script>' },
    });
    expect(bad.headers['x-request-id']).not.toBe('a b<script>');
  });
});

describe('verified-token memory', () => {
  it('never serves a remembered token past its exp, and never a token that differs from the verified one', async () => {
    const { buildApp } = await import('../src/app.js');
    const { testConfig } = await import('./helpers/app.js');
    // No clock tolerance, so the token is refused the moment it expires.
    const app = await buildApp(testConfig(h.issuer, { AUTH_CLOCK_TOLERANCE_SECONDS: '0' }), {
      database: h.testDb.database,
    });
    await app.ready();
    try {
      const exp = Math.floor(Date.now() / 1000) + 2;
      const token = await signWith({}, { exp });
      const read = (t: string) =>
        app.inject({ method: 'GET', url: '/v1/cases', headers: { authorization: `Bearer ${t}` } });
      expect((await read(token)).statusCode).toBe(200);
      expect((await read(token)).statusCode).toBe(200); // remembered
      // The same token with its signature altered is verified on its own, and refused.
      const [head, body, sig] = token.split('.');
      const altered = `${head}.${body}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
      expect((await read(altered)).statusCode).toBe(401);
      // Wait for the token's own expiry (a deadline, not a timing assertion).
      while (Date.now() <= exp * 1000 + 50) await new Promise((r) => setTimeout(r, 100));
      expect((await read(token)).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });
});
