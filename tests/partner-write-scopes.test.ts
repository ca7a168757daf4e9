import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { createStaff, expectAudited } from './helpers/case-path.js';
import { caseBody, courtWithCase, createCase, createOrg, createPerson } from './helpers/factories.js';
import type { TokenOptions } from './helpers/tokens.js';

/**
 * Issue 10.3: partner systems act along the case path, each bounded by its scopes, its kind and
 * organisation, and the same relationship rules as people (src/access/decide.ts, partnerRelation).
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const partner = (kind: NonNullable<TokenOptions['partnerKind']>, org: string, scope: string) =>
  h.as({
    sub: uid(`${kind}-system`),
    roles: ['partner_system'],
    org,
    clientId: uid(kind),
    partnerKind: kind,
    scope,
  });

const hearingBody = {
  scheduledAt: '2026-11-05T09:00:00Z',
  listedAt: '2026-11-02T09:00:00Z',
  purpose: 'adjudication',
  childFriendlyCourtroom: true,
};
const holdBody = {
  heldAt: '2026-11-05T09:30:00Z',
  outcome: 'Facts established',
  attendees: ['child'],
  childFriendlyCourtroom: true,
};

/** Takes a case to `disposition` (probation) and places the child under the officer's supervision. */
async function supervised(clerk: Client, caseId: string, officerSub: string) {
  const hearing = (await clerk.post(`/v1/cases/${caseId}/hearings`, hearingBody)).json();
  expect((await clerk.post(`/v1/hearings/${hearing.id}/hold`, holdBody)).statusCode).toBe(200);
  const disposition = await clerk.post(`/v1/cases/${caseId}/dispositions`, {
    outcome: 'probation',
    decidedAt: '2026-11-05T10:00:00Z',
    hearingId: hearing.id,
    termMonths: 12,
  });
  expect(disposition.statusCode).toBe(201);
  const supervision = await clerk.post(`/v1/cases/${caseId}/supervisions`, {
    officerSub,
    startsOn: '2026-11-06',
    endsOn: '2027-11-05',
    occurredAt: '2026-11-06T09:00:00Z',
  });
  expect(supervision.statusCode).toBe(201);
  return supervision.json();
}

describe('court systems (hearings:write, dispositions:write)', () => {
  it("record hearings and dispositions of their own court's cases only", async () => {
    const { court, clerk, kase } = await courtWithCase(h);
    const system = await partner('court', court, 'hearings:write dispositions:write');
    const scheduled = await system.post(`/v1/cases/${kase.id}/hearings`, hearingBody);
    const hearing = await expectAudited(h, scheduled, 201, 1);
    expect((await system.post(`/v1/hearings/${hearing.id}/hold`, holdBody)).statusCode).toBe(200);
    const decided = await system.post(`/v1/cases/${kase.id}/dispositions`, {
      outcome: 'probation',
      decidedAt: '2026-11-05T10:00:00Z',
      hearingId: hearing.id,
      termMonths: 12,
    });
    expect(decided.statusCode).toBe(201);
    // The clerk reads what the system recorded: one case path, whoever recorded it.
    const hearings = (await clerk.get(`/v1/cases/${kase.id}/hearings`)).json();
    expect(hearings.items.map((x: any) => x.status)).toEqual(['held']);
    const audit = await h.auditRows(`resource_id = '${hearing.id}' AND action = 'create'`);
    expect(audit[0]).toMatchObject({
      actor_roles: ['partner_system'],
      basis_type: 'owning_court',
      outcome: 'allowed',
    });
  });

  it('are refused without the scope (403), for another court (404), and when not a court system (403)', async () => {
    const { court, kase } = await courtWithCase(h);
    const readOnly = await partner('court', court, 'cases:read');
    await expectAudited(h, await readOnly.post(`/v1/cases/${kase.id}/hearings`, hearingBody), 403, 1);
    const hearingsOnly = await partner('court', court, 'hearings:write');
    const disposition = await hearingsOnly.post(`/v1/cases/${kase.id}/dispositions`, {
      outcome: 'warning',
      decidedAt: '2026-11-05T10:00:00Z',
    });
    expect(disposition.statusCode).toBe(403);
    const other = await partner('court', await createOrg(h, 'court'), 'hearings:write');
    const unrelated = await other.post(`/v1/cases/${kase.id}/hearings`, hearingBody);
    const random = await other.post(`/v1/cases/${crypto.randomUUID()}/hearings`, hearingBody);
    expect([unrelated.statusCode, random.statusCode]).toEqual([404, 404]);
    expect(unrelated.json().title).toBe(random.json().title);
    // The police system that referred the case is related to it, but is not a court.
    const police = await partner('police', court, 'hearings:write');
    expect((await police.post(`/v1/cases/${kase.id}/hearings`, hearingBody)).statusCode).toBe(403);
  });
});

describe('police systems (arrests:write, custody:write)', () => {
  it('record arrests and the custody of the cases they referred', async () => {
    const court = await createOrg(h, 'court');
    const policeOrg = await createOrg(h, 'police');
    const police = await partner('police', policeOrg, 'arrests:write custody:write');
    const child = await createPerson(police);
    const arrest = await police.post('/v1/cases', caseBody(child.id, { courtOrgId: court }));
    const kase = await expectAudited(h, arrest, 201, 1);
    expect(kase.referringOrgId).toBe(policeOrg);
    const custody = await police.post(`/v1/cases/${kase.id}/custody-episodes`, {
      kind: 'pre_trial',
      facility: 'North detention centre',
      startedAt: '2026-11-01T13:00:00Z',
    });
    expect(custody.statusCode).toBe(201);
    // arrests:write opens arrests only: a referral needs cases:write.
    const referral = await police.post(
      '/v1/cases',
      caseBody(child.id, { courtOrgId: court, intakeKind: 'referral', detained: false }),
    );
    expect(referral.statusCode).toBe(403);
  });

  it('are refused custody without the scope (403) and on cases they did not refer (404)', async () => {
    const { kase } = await courtWithCase(h);
    const policeOrg = await createOrg(h, 'police');
    const noScope = await partner('police', policeOrg, 'arrests:write');
    const body = { kind: 'pre_trial', facility: 'North detention centre', startedAt: '2026-11-02T13:00:00Z' };
    expect((await noScope.post(`/v1/cases/${kase.id}/custody-episodes`, body)).statusCode).toBe(403);
    const unrelated = await partner('police', policeOrg, 'custody:write');
    const res = await expectAudited(
      h,
      await unrelated.post(`/v1/cases/${kase.id}/custody-episodes`, body),
      404,
      1,
    );
    expect(res.status).toBe(404);
    // A probation system holding the scope is not a police system.
    const probation = await partner('probation', policeOrg, 'custody:write');
    expect((await probation.post(`/v1/cases/${kase.id}/custody-episodes`, body)).statusCode).toBe(403);
  });
});

describe('probation systems (supervision:write)', () => {
  it("record contacts and violations of their organisation's supervisions only", async () => {
    const { clerk, kase } = await courtWithCase(h);
    const officer = await createStaff(h, 'probation_officer');
    const supervision = await supervised(clerk, kase.id, officer.sub);
    const system = await partner('probation', officer.org, 'supervision:write');
    const contact = await system.post(`/v1/supervisions/${supervision.id}/contacts`, {
      occurredAt: '2026-11-10T15:00:00Z',
      kind: 'home_visit',
      notes: 'Met child and mother',
    });
    await expectAudited(h, contact, 201, 1);
    const violation = await system.post(`/v1/supervisions/${supervision.id}/violations`, {
      occurredAt: '2026-11-11T22:30:00Z',
      notes: 'Curfew missed',
    });
    expect(violation.statusCode).toBe(201);

    const noScope = await partner('probation', officer.org, 'cases:read');
    const refused = await noScope.post(`/v1/supervisions/${supervision.id}/violations`, {
      occurredAt: '2026-11-11T22:30:00Z',
      notes: 'Curfew missed',
    });
    expect(refused.statusCode).toBe(403);
    const otherOffice = await partner('probation', await createOrg(h, 'probation'), 'supervision:write');
    const body = { occurredAt: '2026-11-12T15:00:00Z', kind: 'home_visit', notes: 'Visit' };
    const unrelated = await otherOffice.post(`/v1/supervisions/${supervision.id}/contacts`, body);
    const random = await otherOffice.post(`/v1/supervisions/${crypto.randomUUID()}/contacts`, body);
    expect([unrelated.statusCode, random.statusCode]).toEqual([404, 404]);
  });
});

describe('social services systems (referrals:write)', () => {
  it('see and answer the referrals sent to their organisation only', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const services = await createOrg(h, 'social_services');
    const referral = await clerk.post(`/v1/cases/${kase.id}/referrals`, {
      receivingOrgId: services,
      service: 'Family support',
    });
    expect(referral.statusCode).toBe(201);
    const id = referral.json().id;
    const system = await partner('social_services', services, 'referrals:write');
    const worklist = (await system.get('/v1/referrals')).json();
    expect(worklist.items.map((r: any) => r.id)).toEqual([id]);
    const accepted = await system.post(`/v1/referrals/${id}/accept`, {});
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().status).toBe('accepted');

    const noScope = await partner('social_services', services, 'cases:read');
    expect((await noScope.post(`/v1/referrals/${id}/start`, {})).statusCode).toBe(403);
    const other = await partner('social_services', await createOrg(h, 'social_services'), 'referrals:write');
    const unrelated = await other.post(`/v1/referrals/${id}/start`, {});
    const random = await other.post(`/v1/referrals/${crypto.randomUUID()}/start`, {});
    expect([unrelated.statusCode, random.statusCode]).toEqual([404, 404]);
    expect((await other.get('/v1/referrals')).json().items).toEqual([]);
    // The police system holding the scope is not a social services system.
    const police = await partner('police', services, 'referrals:write');
    expect((await police.post(`/v1/referrals/${id}/start`, {})).statusCode).toBe(403);
    expect((await system.post(`/v1/referrals/${id}/start`, {})).statusCode).toBe(200);
  });
});

describe('scopes are still bounded by registration', () => {
  it('a clerk-created case is not opened to a partner by a write scope alone', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const child = await createPerson(clerk);
    const kase = await createCase(clerk, child.id);
    const police = await partner('police', court, 'custody:write');
    // Same organisation id as the court, but a police system relates only through its referrals.
    const res = await police.post(`/v1/cases/${kase.id}/custody-episodes`, {
      kind: 'pre_trial',
      facility: 'X',
      startedAt: '2026-11-02T13:00:00Z',
    });
    expect(res.statusCode).toBe(404);
  });
});
