import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { caseBody, courtWithCase, createCase, createOrg, createPerson } from './helpers/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const countRows = async (table: string) =>
  Number(
    rowsOf<{ n: number }>(
      await h.testDb.database.db.execute(sql.raw(`SELECT count(*)::int AS n FROM ${table}`)),
    )[0].n,
  );

describe('case intake and the first access rules', () => {
  it('lets the owning court read its case, with an ETag, and audits the read', async () => {
    const { clerk, kase, person } = await courtWithCase(h);
    const res = await clerk.get(`/v1/cases/${kase.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    const body = res.json();
    expect(body).toMatchObject({
      id: kase.id,
      personId: person.id,
      stage: 'intake',
      detained: true,
      ageAtOffence: 16,
    });
    expect(body.charges).toHaveLength(1);
    const rows = await h.auditRows(`case_id = '${kase.id}' AND action = 'read'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      outcome: 'allowed',
      basis_type: 'owning_court',
      purpose: 'court_proceeding',
    });
  });

  it("answers 404 (not 403) to another court's clerk and audits the denial", async () => {
    const { kase } = await courtWithCase(h);
    const otherCourt = await createOrg(h, 'court');
    const strangerSub = uid('clerk');
    const stranger = await h.as({ sub: strangerSub, roles: ['court_clerk'], org: otherCourt });
    const res = await stranger.get(`/v1/cases/${kase.id}`);
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body).not.toContain(kase.personId);
    const denials = await h.auditRows(`case_id = '${kase.id}' AND outcome = 'denied'`);
    expect(denials).toHaveLength(1);
    expect(denials[0]).toMatchObject({
      actor_sub: strangerSub,
      action: 'read',
      reason: 'not related to the case',
    });
  });

  it('answers 404 for a case that does not exist, the same as for an unrelated one', async () => {
    const { clerk } = await courtWithCase(h);
    const res = await clerk.get('/v1/cases/00000000-0000-4000-8000-000000000000');
    expect(res.statusCode).toBe(404);
  });

  it('lists only the cases of the caller court, newest first, with a cursor', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createCase(clerk, person.id)).id);
    await courtWithCase(h); // another court's case must not appear
    const first = await clerk.get('/v1/cases?limit=2');
    expect(first.statusCode).toBe(200);
    const p1 = first.json();
    expect(p1.items.map((c: any) => c.id)).toEqual([ids[2], ids[1]]);
    expect(p1.nextCursor).toEqual(expect.any(String));
    const p2 = (await clerk.get(`/v1/cases?limit=2&cursor=${p1.nextCursor}`)).json();
    expect(p2.items.map((c: any) => c.id)).toEqual([ids[0]]);
    expect(p2.nextCursor).toBeNull();
    expect((await clerk.get('/v1/cases?limit=101')).statusCode).toBe(400);
    expect((await clerk.get('/v1/cases?cursor=garbage')).statusCode).toBe(400);
  });

  it('refuses a child outside the juvenile age range with 422 and creates nothing', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const young = await createPerson(clerk, { dateOfBirth: '2013-06-01' }); // 13 at the offence
    const old = await createPerson(clerk, { dateOfBirth: '2008-10-01' }); // 18 at the offence
    const before = await countRows('cases');
    for (const p of [young, old]) {
      const res = await clerk.post('/v1/cases', caseBody(p.id, { offenceDate: '2026-11-01T10:00:00Z' }));
      expect(res.statusCode).toBe(422);
      expect(res.json().detail).toMatch(/outside the juvenile jurisdiction \(14 to 17/);
    }
    expect(await countRows('cases')).toBe(before);
    // the edges are inside: 14 on the day, and 17 the day before turning 18
    const fourteen = await createPerson(clerk, { dateOfBirth: '2012-11-01' });
    expect((await clerk.post('/v1/cases', caseBody(fourteen.id))).statusCode).toBe(201);
    const seventeen = await createPerson(clerk, { dateOfBirth: '2008-11-02' });
    expect((await clerk.post('/v1/cases', caseBody(seventeen.id))).statusCode).toBe(201);
  });

  it('rejects an invalid body with 400 listing each field, and changes nothing', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const [cases, charges, audit] = [
      await countRows('cases'),
      await countRows('charges'),
      await countRows('audit_events'),
    ];
    const res = await clerk.post('/v1/cases', { ...caseBody(person.id), detained: 'maybe', charges: [] });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.errors.map((e: any) => e.path).sort()).toEqual(['body.charges', 'body.detained']);
    expect(await countRows('cases')).toBe(cases);
    expect(await countRows('charges')).toBe(charges);
    expect(await countRows('audit_events')).toBe(audit);
  });

  it('rejects fields the role may not set with 422 (stage, sealed, the court) and changes nothing', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const before = await countRows('cases');
    const stage = await clerk.post('/v1/cases', { ...caseBody(person.id), stage: 'closed' });
    expect(stage.statusCode).toBe(422);
    expect(stage.json().errors[0].message).toMatch(/stage/);
    expect((await clerk.post('/v1/cases', { ...caseBody(person.id), sealed: true })).statusCode).toBe(422);
    const otherCourt = await createOrg(h, 'court');
    expect(
      (await clerk.post('/v1/cases', { ...caseBody(person.id), courtOrgId: otherCourt })).statusCode,
    ).toBe(422);
    expect(await countRows('cases')).toBe(before);
  });

  it('lets a partner system refer a case to a court within its scope, and see only what it submitted', async () => {
    const court = await createOrg(h, 'court');
    const police = await createOrg(h, 'police');
    const partner = await h.as({
      sub: uid('client'),
      roles: ['partner_system'],
      org: police,
      clientId: 'police-rms',
      scope: 'cases:write cases:read',
    });
    const person = await createPerson(partner);
    const res = await partner.post(
      '/v1/cases',
      caseBody(person.id, { intakeKind: 'referral', courtOrgId: court }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ courtOrgId: court, referringOrgId: police });
    // the partner is shown what it submitted, from an allowlist: not the court's file on the child
    const asPartner = await partner.get(`/v1/cases/${res.json().id}`);
    expect(asPartner.statusCode).toBe(200);
    expect(asPartner.json()).toMatchObject({
      id: res.json().id,
      stage: 'intake',
      agency: 'Police North',
      courtOrgId: court,
    });
    for (const hidden of [
      'child',
      'ageAtOffence',
      'closedReason',
      'createdBy',
      'sealedOrderRef',
      'version',
    ]) {
      expect(asPartner.json()).not.toHaveProperty(hidden);
    }
    expect(asPartner.body).not.toContain(person.givenName);
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const asClerk = await clerk.get(`/v1/cases/${res.json().id}`);
    expect(asClerk.statusCode).toBe(200);
    expect(asClerk.json()).toMatchObject({ child: { givenName: person.givenName }, ageAtOffence: 16 });
    expect(asClerk.json()).not.toHaveProperty('createdBy');
    // without the write scope the same partner may not create
    const readOnly = await h.as({
      sub: uid('client'),
      roles: ['partner_system'],
      org: police,
      scope: 'cases:read',
    });
    expect((await readOnly.post('/v1/cases', caseBody(person.id, { courtOrgId: court }))).statusCode).toBe(
      403,
    );
    const audit = await h.auditRows(`resource_id = '${res.json().id}' AND action = 'create'`);
    expect(audit[0]).toMatchObject({ client_id: 'police-rms', actor_org: police });
  });

  it('answers 403 to roles that may not open cases', async () => {
    const { person } = await courtWithCase(h);
    for (const role of ['auditor', 'analyst', 'admin', 'legal_aid_lawyer']) {
      const c = await h.as({ sub: uid(role), roles: [role], org: 'x' });
      expect((await c.post('/v1/cases', caseBody(person.id))).statusCode).toBe(403);
    }
  });

  it('finds likely matches by fuzzy name and date of birth, with minimal fields', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const family = `Okonkwo${Date.now().toString(36)}`;
    const person = await createPerson(clerk, {
      givenName: 'Chidinma',
      familyName: family,
      dateOfBirth: '2011-02-03',
    });
    const res = await clerk.get(
      `/v1/persons/matches?givenName=Chidima&familyName=${family}&dateOfBirth=2011-02-03`,
    );
    expect(res.statusCode).toBe(200);
    const match = res.json().items.find((m: any) => m.id === person.id);
    expect(match).toMatchObject({ sameDateOfBirth: true, birthYear: 2011 });
    // Capability 12 added whether the national identity number asked for is the record's.
    expect(Object.keys(match).sort()).toEqual([
      'birthYear',
      'id',
      'sameDateOfBirth',
      'sameNationalId',
      'score',
    ]);
    expect(res.body).not.toContain('Chidinma');
  });

  it('lets the registering court read the child, and nobody unrelated', async () => {
    const { clerk, person } = await courtWithCase(h);
    expect((await clerk.get(`/v1/persons/${person.id}`)).statusCode).toBe(200);
    const stranger = await h.as({
      sub: uid('clerk'),
      roles: ['court_clerk'],
      org: await createOrg(h, 'court'),
    });
    expect((await stranger.get(`/v1/persons/${person.id}`)).statusCode).toBe(404);
  });

  it('answers problem+json for unknown routes, bad JSON and wrong media types', async () => {
    const { clerk } = await courtWithCase(h);
    const unknown = await clerk.get('/v1/nothing-here');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/problem\+json/);
    const badJson = await h.app.inject({
      method: 'POST',
      url: '/v1/persons',
      headers: { authorization: `Bearer ${clerk.token}`, 'content-type': 'application/json' },
      payload: '{"givenName": ',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.headers['content-type']).toMatch(/problem\+json/);
    const media = await h.app.inject({
      method: 'POST',
      url: '/v1/persons',
      headers: { authorization: `Bearer ${clerk.token}`, 'content-type': 'text/xml' },
      payload: '<person/>',
    });
    expect(media.statusCode).toBe(415);
    const big = await h.app.inject({
      method: 'POST',
      url: '/v1/persons',
      headers: { authorization: `Bearer ${clerk.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ givenName: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.headers['content-type']).toMatch(/problem\+json/);
  });
});
