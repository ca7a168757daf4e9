import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK } from 'jose';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness } from './helpers/app.js';

/**
 * Item 7 of issue 10: a real OpenID provider (oidc-provider) issues client-credentials access
 * tokens for this API as a resource (RFC 8707 resource indicator), as JWTs of RFC 9068 (`typ:
 * at+jwt`), and the service verifies them through AUTH_JWKS_URL, the provider's own JWKS endpoint.
 * Nothing in between is simulated: the tokens come from the provider's token endpoint over HTTP.
 */

const RESOURCE = 'https://case-api.example.test/';
const PARTNER_SCOPES = 'cases:read events:read referrals:write';

let idp: Server;
let issuer: string;
let signingJwk: Record<string, unknown>;
let h: Harness;

async function token(clientId: string, secret: string, params: Record<string, string> = {}) {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE, ...params }),
  });
  const body = (await res.json()) as Record<string, string>;
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${JSON.stringify(body)}`);
  return body.access_token;
}

const get = (path: string, accessToken: string) =>
  h.app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${accessToken}` } });

beforeAll(async () => {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  signingJwk = { ...(await exportJWK(privateKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
  idp = createServer();
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      // The registry's administrator console, and a police system as a partner would register it.
      {
        client_id: 'registry-console',
        client_secret: 'console-secret-0123456789',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        id_token_signed_response_alg: 'ES256',
      },
      {
        client_id: 'police-rms',
        client_secret: 'police-secret-0123456789',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [signingJwk as any] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource !== RESOURCE) throw new Error('unknown resource');
          return {
            scope: `${PARTNER_SCOPES} cases:write`,
            audience: RESOURCE,
            accessTokenTTL: 300,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    // The claims the service maps (AUTH_ROLES_CLAIM, AUTH_ORG_CLAIM): roles by client.
    extraTokenClaims: (_ctx: unknown, t: unknown) => ({
      roles: (t as { clientId?: string }).clientId === 'registry-console' ? ['admin'] : ['partner_system'],
    }),
  });
  idp.on('request', provider.callback());
  h = await createHarness({
    AUTH_JWKS_FILE: '',
    AUTH_JWKS_URL: `${issuer}/jwks`,
    AUTH_ISSUER: issuer,
    AUTH_AUDIENCE: RESOURCE,
    AUTH_TOKEN_CACHE_SECONDS: '0',
  });
});

afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => idp?.close(resolve));
});

describe('tokens of a real OpenID provider (client credentials, RFC 9068 JWT access tokens)', () => {
  it('are at+jwt tokens for this API as resource, verified through the JWKS URL; a registered partner reads its events', async () => {
    const admin = await token('registry-console', 'console-secret-0123456789');
    expect(decodeProtectedHeader(admin).typ).toBe('at+jwt');
    expect(decodeJwt(admin)).toMatchObject({ iss: issuer, aud: RESOURCE, client_id: 'registry-console' });

    // Not registered yet: the provider's token is valid, but the service refuses the client.
    const early = await token('police-rms', 'police-secret-0123456789', { scope: 'cases:read events:read' });
    expect((await get('/v1/events', early)).statusCode).toBe(403);

    const org = await h.app.inject({
      method: 'POST',
      url: '/v1/organizations',
      headers: { authorization: `Bearer ${admin}` },
      payload: { id: 'police-north', name: 'Police, northern district', kind: 'police' },
    });
    expect(org.statusCode, org.body).toBe(201);
    const registered = await h.app.inject({
      method: 'POST',
      url: '/v1/partner-clients',
      headers: { authorization: `Bearer ${admin}` },
      payload: {
        clientId: 'police-rms',
        orgId: 'police-north',
        kind: 'police',
        allowedScopes: PARTNER_SCOPES.split(' '),
      },
    });
    expect(registered.statusCode, registered.body).toBe(201);

    const partner = await token('police-rms', 'police-secret-0123456789', {
      scope: 'cases:read events:read',
    });
    const claims = decodeJwt(partner);
    expect(decodeProtectedHeader(partner).typ).toBe('at+jwt');
    expect(claims).toMatchObject({
      sub: 'police-rms',
      client_id: 'police-rms',
      scope: 'cases:read events:read',
    });
    const feed = await get('/v1/events', partner);
    expect(feed.statusCode, feed.body).toBe(200);
    expect(feed.json().items).toEqual(expect.any(Array));
  });

  it('refuses a scope the provider grants but the registered client is not allowed', async () => {
    const wider = await token('police-rms', 'police-secret-0123456789', { scope: 'cases:read cases:write' });
    expect(decodeJwt(wider).scope).toBe('cases:read cases:write');
    const res = await get('/v1/events', wider);
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toMatch(/scope/);
  });

  it('checks typ when present: a token of the same key typed as an ID token is refused, an untyped one accepted', async () => {
    const key = await importJWK(signingJwk as any, 'ES256');
    const now = Math.floor(Date.now() / 1000);
    const signed = (typ: string | undefined) =>
      new SignJWT({ roles: ['partner_system'], client_id: 'police-rms', scope: 'events:read' })
        .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', ...(typ ? { typ } : {}) })
        .setIssuer(issuer)
        .setAudience(RESOURCE)
        .setSubject('police-rms')
        .setIssuedAt(now)
        .setExpirationTime(now + 120)
        .sign(key);
    const idToken = await get('/v1/events', await signed('id+jwt'));
    expect(idToken.statusCode).toBe(401);
    expect(idToken.json().detail).toMatch(/typ/);
    expect((await get('/v1/events', await signed(undefined))).statusCode).toBe(200);
    expect((await get('/v1/events', await signed('at+jwt'))).statusCode).toBe(200);
  });

  it('refuses a token of the same provider for another audience', async () => {
    const key = await importJWK(signingJwk as any, 'ES256');
    const now = Math.floor(Date.now() / 1000);
    const other = await new SignJWT({
      roles: ['partner_system'],
      client_id: 'police-rms',
      scope: 'events:read',
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience('https://another-api.example.test/')
      .setSubject('police-rms')
      .setIssuedAt(now)
      .setExpirationTime(now + 120)
      .sign(key);
    expect((await get('/v1/events', other)).statusCode).toBe(401);
  });
});
