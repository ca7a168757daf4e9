import { SignJWT, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { type Harness, createHarness, testConfig, uid } from './helpers/app.js';
import { auditOf } from './helpers/case-path.js';
import { caseBody, createOrg } from './helpers/factories.js';
import { TEST_AUDIENCE, TEST_ISSUER } from './helpers/tokens.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

/** A token with exactly these claims and header, signed by the test identity provider. */
async function rawToken(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const key = await importJWK(h.issuer.privateJwk, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: h.issuer.privateJwk.kid, ...header })
    .setIssuer(TEST_ISSUER)
    .setAudience(TEST_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(key);
}

const call = (token: string, url: string, method: 'GET' | 'POST' = 'GET', payload?: object) =>
  h.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });

async function registered(scopes = ['cases:read', 'cases:write', 'events:read']) {
  const police = await createOrg(h, 'police');
  const admin = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
  const clientId = uid('police-rms');
  const res = await admin.post('/v1/partner-clients', {
    clientId,
    orgId: police,
    kind: 'police',
    allowedScopes: scopes,
  });
  expect(res.statusCode).toBe(201);
  return { admin, police, clientId, created: res };
}

describe('partner clients', () => {
  it('are registered, listed, read and deregistered by administrators only', async () => {
    const { admin, police, clientId, created } = await registered();
    expect(created.headers.location).toBe(`/v1/partner-clients/${clientId}`);
    expect(created.json()).toMatchObject({ clientId, orgId: police, kind: 'police' });
    expect((await admin.get(`/v1/partner-clients/${clientId}`)).json().allowedScopes.sort()).toEqual([
      'cases:read',
      'cases:write',
      'events:read',
    ]);
    expect(
      (await admin.get('/v1/partner-clients?limit=100')).json().items.map((c: any) => c.clientId),
    ).toContain(clientId);
    const again = await admin.post('/v1/partner-clients', {
      clientId,
      orgId: police,
      kind: 'police',
      allowedScopes: ['cases:read'],
    });
    expect(again.statusCode).toBe(409);
    const noOrg = await admin.post('/v1/partner-clients', {
      clientId: uid('x'),
      orgId: uid('nowhere'),
      kind: 'court',
      allowedScopes: ['cases:read'],
    });
    expect(noOrg.statusCode).toBe(422);
    const badScope = await admin.post('/v1/partner-clients', {
      clientId: uid('x'),
      orgId: police,
      kind: 'court',
      allowedScopes: ['everything'],
    });
    expect(badScope.statusCode).toBe(400);
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: 'c' });
    expect(
      (
        await clerk.post('/v1/partner-clients', {
          clientId: uid('x'),
          orgId: police,
          kind: 'court',
          allowedScopes: ['cases:read'],
        })
      ).statusCode,
    ).toBe(403);
    expect((await clerk.get('/v1/partner-clients')).statusCode).toBe(403);
    const audit = await auditOf(h, created);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'create',
      resource_type: 'partner_client',
      resource_id: clientId,
    });
  });

  it("accepts a registered client's token, acting for the client's organisation", async () => {
    const { police, clientId } = await registered();
    const court = await createOrg(h, 'court');
    // no org claim: the registry says whom the client acts for
    const token = await rawToken({
      sub: clientId,
      client_id: clientId,
      roles: ['partner_system'],
      scope: 'cases:write cases:read',
    });
    const person = await call(token, '/v1/persons', 'POST', {
      givenName: 'A',
      familyName: 'B',
      dateOfBirth: '2010-05-01',
      sex: 'female',
      region: 'north',
      guardians: [],
    });
    expect(person.statusCode).toBe(201);
    const res = await call(
      token,
      '/v1/cases',
      'POST',
      caseBody(person.json().id, { intakeKind: 'referral', courtOrgId: court }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ referringOrgId: police });
  });

  it('refuses, and audits, a partner token of an unregistered client, without client_id, asking for a scope not allowed, or for another organisation', async () => {
    const { police, clientId } = await registered(['cases:read']);
    const cases: [string, Record<string, unknown>, string][] = [
      [
        'unregistered',
        { sub: 's', client_id: uid('nobody'), roles: ['partner_system'], org: police, scope: 'cases:read' },
        'the client is not registered',
      ],
      [
        'no client_id',
        { sub: 's', roles: ['partner_system'], org: police, scope: 'cases:read' },
        'a partner system token must carry client_id',
      ],
      [
        'scope',
        {
          sub: 's',
          client_id: clientId,
          roles: ['partner_system'],
          org: police,
          scope: 'cases:read cases:write',
        },
        'the token asks for a scope the client is not allowed',
      ],
      [
        'org',
        {
          sub: 's',
          client_id: clientId,
          roles: ['partner_system'],
          org: await createOrg(h, 'police'),
          scope: 'cases:read',
        },
        "the token's organisation is not the client's",
      ],
    ];
    for (const [what, claims, reason] of cases) {
      const res = await call(await rawToken(claims), '/v1/cases');
      expect(res.statusCode, what).toBe(403);
      expect(res.json().detail).toBe(`Refused: ${reason}`);
      const [row] = await auditOf(h, res);
      expect(row, what).toMatchObject({ outcome: 'denied', resource_type: 'partner_client', reason });
    }
    const fine = await call(
      await rawToken({
        sub: 's',
        client_id: clientId,
        roles: ['partner_system'],
        org: police,
        scope: 'cases:read',
      }),
      '/v1/cases',
    );
    expect(fine.statusCode).toBe(200);
  });

  it("refuses a deregistered client's next request", async () => {
    const { admin, clientId } = await registered();
    const token = await rawToken({
      sub: clientId,
      client_id: clientId,
      roles: ['partner_system'],
      scope: 'cases:read',
    });
    expect((await call(token, '/v1/cases')).statusCode).toBe(200);
    const del = await h.app.inject({
      method: 'DELETE',
      url: `/v1/partner-clients/${clientId}`,
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(del.statusCode).toBe(204);
    expect((await call(token, '/v1/cases')).statusCode).toBe(403);
  });

  it('accepts typ at+jwt (RFC 9068) or JWT, and refuses a token typed as something else', async () => {
    const claims = { sub: uid('clerk'), roles: ['court_clerk'], org: 'c' };
    expect((await call(await rawToken(claims, { typ: 'at+jwt' }), '/v1/cases')).statusCode).toBe(200);
    expect((await call(await rawToken(claims, { typ: 'application/at+jwt' }), '/v1/cases')).statusCode).toBe(
      200,
    );
    expect((await call(await rawToken(claims, { typ: 'JWT' }), '/v1/cases')).statusCode).toBe(200);
    expect((await call(await rawToken(claims), '/v1/cases')).statusCode).toBe(200);
    for (const typ of ['logout+jwt', 'dpop+jwt', 'secevent+jwt']) {
      const res = await call(await rawToken(claims, { typ }), '/v1/cases');
      expect(res.statusCode, typ).toBe(401);
    }
  });

  it('reads roles and organisation from the claim names configured', async () => {
    const mapped = await buildApp(
      testConfig(h.issuer, { AUTH_ROLES_CLAIM: 'realm_access.roles', AUTH_ORG_CLAIM: 'organisation' }),
      { database: h.testDb.database },
    );
    try {
      const court = await createOrg(h, 'court');
      const token = await rawToken({
        sub: uid('clerk'),
        realm_access: { roles: ['court_clerk'] },
        organisation: court,
      });
      const clerk = h.issuer.sign({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
      const inject = async (t: string) =>
        mapped.inject({ method: 'GET', url: '/v1/cases', headers: { authorization: `Bearer ${t}` } });
      const res = await inject(token);
      expect(res.statusCode).toBe(200);
      const [row] = await auditOf(h, res);
      expect(row).toMatchObject({ actor_org: court, actor_roles: ['court_clerk'] });
      // the default claim names mean nothing to this instance: no role it knows
      expect((await inject(await clerk)).statusCode).toBe(403);
    } finally {
      await mapped.close();
    }
  });
});
