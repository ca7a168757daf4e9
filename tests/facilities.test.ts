import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { auditOf, createStaff, expectAudited } from './helpers/case-path.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

/**
 * Detention places (issue 11): the facilities registry, custody episodes naming a facility, family
 * visits, incidents (deaths in custody included), inspections, aftercare at release.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const DAY = 86_400_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

async function setting() {
  const admin = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
  const auditor = await h.as({ sub: uid('auditor'), roles: ['auditor'], org: 'oversight' });
  const analyst = await h.as({ sub: uid('analyst'), roles: ['analyst'], org: 'statistics' });
  const court = await createOrg(h, 'court');
  const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
  const otherClerk = await h.as({
    sub: uid('clerk'),
    roles: ['court_clerk'],
    org: await createOrg(h, 'court'),
  });
  const facility = (
    await admin.post('/v1/facilities', {
      name: uid('North juvenile centre'),
      kind: 'juvenile_detention_centre',
      region: 'north',
      separatedFromAdults: true,
      complaintsMechanism: false,
      capacity: 40,
    })
  ).json();
  const person = await createPerson(clerk, { dateOfBirth: '2010-01-01' });
  const kase = await createCase(clerk, person.id, {
    detained: false,
    intakeKind: 'referral',
    offenceDate: ago(20 * DAY),
    intakeAt: ago(19 * DAY),
    guardiansNotifiedAt: ago(19 * DAY),
  });
  const episode = await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
    kind: 'pre_trial',
    facilityId: facility.id,
    startedAt: ago(10 * DAY),
  });
  expect(episode.statusCode, episode.body).toBe(201);
  return {
    admin,
    auditor,
    analyst,
    court,
    clerk,
    otherClerk,
    facility,
    person,
    kase,
    episode: episode.json(),
  };
}

describe('detention places', () => {
  it('keeps a registry the administration writes and every professional role and the analysts read', async () => {
    const s = await setting();
    expect(s.facility).toMatchObject({
      kind: 'juvenile_detention_centre',
      separatedFromAdults: true,
      capacity: 40,
    });
    await expectAudited(
      h,
      await s.clerk.post('/v1/facilities', {
        name: 'X',
        kind: 'other',
        region: 'north',
        separatedFromAdults: true,
        complaintsMechanism: true,
      }),
      403,
      1,
    );
    await expectAudited(h, await s.admin.post('/v1/facilities', { name: 'X' }), 400, 0, 'denied');
    const listed = await expectAudited(
      h,
      await s.analyst.get('/v1/facilities?region=north&limit=100'),
      200,
      1,
    );
    expect(listed.items.map((f: any) => f.id)).toContain(s.facility.id);
    await expectAudited(h, await s.clerk.get(`/v1/facilities/${s.facility.id}`), 200, 1);
    await expectAudited(h, await s.clerk.get(`/v1/facilities/${s.kase.id}`), 404, 1);
    const partner = await h.as({
      sub: uid('p'),
      roles: ['partner_system'],
      org: 'police',
      scope: 'cases:read',
    });
    await expectAudited(h, await partner.get('/v1/facilities'), 403, 1);
  });

  it('names the facility on a custody episode, keeps the written form working, refuses an unknown one', async () => {
    const s = await setting();
    expect(s.episode).toMatchObject({ facilityId: s.facility.id, facility: s.facility.name });
    const person = await createPerson(s.clerk, { dateOfBirth: '2010-01-01' });
    const kase = await createCase(s.clerk, person.id, {
      detained: false,
      intakeKind: 'referral',
      offenceDate: ago(5 * DAY),
      intakeAt: ago(4 * DAY),
      guardiansNotifiedAt: ago(4 * DAY),
    });
    const unknown = await s.clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
      kind: 'pre_trial',
      facilityId: s.kase.id,
      startedAt: ago(3 * DAY),
    });
    expect(unknown.statusCode, unknown.body).toBe(422);
    expect((await s.clerk.get(`/v1/cases/${kase.id}/custody-episodes`)).json().items).toEqual([]);
    const neither = await s.clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
      kind: 'pre_trial',
      startedAt: ago(3 * DAY),
    });
    expect(neither.statusCode).toBe(400);
    const written = await s.clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
      kind: 'pre_trial',
      facility: 'Police station 4',
      startedAt: ago(3 * DAY),
    });
    expect(written.statusCode, written.body).toBe(201);
    expect(written.json()).toMatchObject({ facility: 'Police station 4', facilityId: null });

    // Aftercare recorded at release.
    const ended = await s.clerk.post(`/v1/custody-episodes/${written.json().id}/end`, {
      releasedAt: ago(DAY),
      releaseReason: 'Released to the family',
      aftercare: { provided: true, kind: 'education' },
    });
    expect(ended.statusCode, ended.body).toBe(200);
    expect(ended.json()).toMatchObject({ aftercareProvided: true, aftercareKind: 'education' });
    const plain = await s.clerk.post(`/v1/custody-episodes/${s.episode.id}/end`, {
      releasedAt: ago(DAY),
      releaseReason: 'Released',
    });
    expect(plain.json()).toMatchObject({ aftercareProvided: null, aftercareKind: null });
  });

  it('records family visits on the episode: the related court writes, related readers read, others get 404', async () => {
    const s = await setting();
    const visit = await expectAudited(
      h,
      await s.clerk.post(`/v1/custody-episodes/${s.episode.id}/visits`, {
        occurredAt: ago(5 * DAY),
        visitorRelationship: 'parent',
      }),
      201,
      1,
    );
    expect(visit).toMatchObject({ caseId: s.kase.id, visitorRelationship: 'parent' });
    const early = await s.clerk.post(`/v1/custody-episodes/${s.episode.id}/visits`, {
      occurredAt: ago(11 * DAY),
      visitorRelationship: 'sibling',
    });
    expect(early.statusCode).toBe(422);
    await expectAudited(
      h,
      await s.otherClerk.post(`/v1/custody-episodes/${s.episode.id}/visits`, {
        occurredAt: ago(2 * DAY),
        visitorRelationship: 'parent',
      }),
      404,
      1,
    );
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const a = (
      await s.clerk.post(`/v1/cases/${s.kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
    ).json();
    await lawyer.post(`/v1/legal-aid/assignments/${a.id}/accept`, {});
    const list = await expectAudited(
      h,
      await lawyer.get(`/v1/custody-episodes/${s.episode.id}/visits`),
      200,
      1,
    );
    expect(list.items.map((v: any) => v.id)).toEqual([visit.id]);
    await expectAudited(h, await s.otherClerk.get(`/v1/custody-episodes/${s.episode.id}/visits`), 404, 1);
    const timeline = (await s.clerk.get(`/v1/cases/${s.kase.id}/timeline?limit=100`)).json().items as any[];
    expect(timeline.map((e) => e.kind)).toContain('family_visit');
  });

  it('records incidents: a death in custody on the child’s episode by the related court, facility-wide ones by the administration', async () => {
    const s = await setting();
    const death = await s.clerk.post(`/v1/facilities/${s.facility.id}/incidents`, {
      kind: 'death',
      occurredAt: ago(2 * DAY),
      custodyEpisodeId: s.episode.id,
      notes: 'Found unresponsive',
    });
    expect(death.statusCode, death.body).toBe(201);
    expect(death.json()).toMatchObject({ kind: 'death', caseId: s.kase.id, custodyEpisodeId: s.episode.id });
    const [row] = await auditOf(h, death);
    expect(row).toMatchObject({ resource_type: 'custody_incident', case_id: s.kase.id, outcome: 'allowed' });
    const timeline = (await s.clerk.get(`/v1/cases/${s.kase.id}/timeline?limit=100`)).json().items as any[];
    expect(timeline.map((e) => e.kind)).toContain('custody_incident');

    await expectAudited(
      h,
      await s.otherClerk.post(`/v1/facilities/${s.facility.id}/incidents`, {
        kind: 'injury',
        occurredAt: ago(DAY),
        custodyEpisodeId: s.episode.id,
      }),
      404,
      1,
    );
    await expectAudited(
      h,
      await s.clerk.post(`/v1/facilities/${s.facility.id}/incidents`, {
        kind: 'violence',
        occurredAt: ago(DAY),
      }),
      403,
      1,
    );
    const wide = await s.admin.post(`/v1/facilities/${s.facility.id}/incidents`, {
      kind: 'use_of_force',
      occurredAt: ago(DAY),
    });
    expect(wide.statusCode, wide.body).toBe(201);
    expect(wide.json().caseId).toBeNull();

    // An episode at another facility is refused.
    const other = (
      await s.admin.post('/v1/facilities', {
        name: uid('South'),
        kind: 'police_station',
        region: 'south',
        separatedFromAdults: false,
        complaintsMechanism: false,
      })
    ).json();
    const elsewhere = await s.admin.post(`/v1/facilities/${other.id}/incidents`, {
      kind: 'injury',
      occurredAt: ago(DAY),
      custodyEpisodeId: s.episode.id,
    });
    expect(elsewhere.statusCode).toBe(422);

    const list = await expectAudited(
      h,
      await s.auditor.get(`/v1/facilities/${s.facility.id}/incidents`),
      200,
      1,
    );
    expect(list.items.map((i: any) => i.kind).sort()).toEqual(['death', 'use_of_force']);
    await expectAudited(h, await s.clerk.get(`/v1/facilities/${s.facility.id}/incidents`), 403, 1);
  });

  it('records inspections by the administration or the oversight body; every facility reader reads them', async () => {
    const s = await setting();
    const inspection = await expectAudited(
      h,
      await s.auditor.post(`/v1/facilities/${s.facility.id}/inspections`, {
        inspectedAt: ago(3 * DAY),
        inspectorBody: 'National preventive mechanism',
        independent: true,
        custodyEpisodeId: s.episode.id,
        findings: 'Overcrowded dormitory',
      }),
      201,
      1,
    );
    expect(inspection).toMatchObject({ independent: true, custodyEpisodeId: s.episode.id });
    await expectAudited(
      h,
      await s.clerk.post(`/v1/facilities/${s.facility.id}/inspections`, {
        inspectedAt: ago(DAY),
        inspectorBody: 'Court',
        independent: false,
      }),
      403,
      1,
    );
    const future = await s.admin.post(`/v1/facilities/${s.facility.id}/inspections`, {
      inspectedAt: new Date(Date.now() + 3 * DAY).toISOString(),
      inspectorBody: 'Ministry',
      independent: false,
    });
    expect(future.statusCode).toBe(422);
    const list = await expectAudited(
      h,
      await s.analyst.get(`/v1/facilities/${s.facility.id}/inspections`),
      200,
      1,
    );
    expect(list.items.map((i: any) => i.id)).toEqual([inspection.id]);
  });
});
