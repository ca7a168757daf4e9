import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { auditOf, createStaff, expectAudited } from './helpers/case-path.js';
import { courtWithCase, createPerson } from './helpers/factories.js';

/** Issue 14, defects 2, 4, 5 and 6, each reproduced over HTTP. */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const DAY = 86_400_000;
const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

async function hold(clerk: Client, caseId: string, heldAt: string) {
  const hearing = await clerk.post(`/v1/cases/${caseId}/hearings`, {
    scheduledAt: heldAt,
    listedAt: new Date(new Date(heldAt).getTime() - 3_600_000).toISOString(),
    purpose: 'adjudication',
  });
  expect(hearing.statusCode, hearing.body).toBe(201);
  const held = await clerk.post(`/v1/hearings/${hearing.json().id}/hold`, {
    heldAt,
    outcome: 'Facts established',
    attendees: ['child'],
    childFriendlyCourtroom: true,
  });
  expect(held.statusCode, held.body).toBe(200);
  return held.json();
}

const stageOf = async (client: Client, caseId: string) =>
  (await client.get(`/v1/cases/${caseId}`)).json().stage;

describe('defect 2: matches without a date of birth', () => {
  it('answers 200 with sameDateOfBirth false when a name matches, and audits it', async () => {
    const { clerk } = await courtWithCase(h);
    const familyName = uid('Mammadli');
    const person = await createPerson(clerk, { givenName: 'Aysel', familyName });
    const res = await clerk.get(
      `/v1/persons/matches?givenName=Aysel&familyName=${encodeURIComponent(familyName)}`,
    );
    const body = await expectAudited(h, res, 200, 1);
    const hit = body.items.find((i: { id: string }) => i.id === person.id);
    expect(hit).toMatchObject({ sameDateOfBirth: false, birthYear: 2010 });
  });
});

describe('defect 4: revocation returns the case to the court for re-sentencing', () => {
  it('walks a revoked supervision to a new hearing, a custodial disposition and a sentenced custody episode', async () => {
    const { clerk, kase } = await courtWithCase(h);
    // A sentenced episode with no disposition behind it is refused.
    const early = await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
      kind: 'sentenced',
      facility: 'F',
      startedAt: at(-60_000),
    });
    expect(early.statusCode, early.body).toBe(409);
    expect(early.json()).toMatchObject({ currentStage: 'intake', allowedEvents: expect.any(Array) });

    const first = await hold(clerk, kase.id, at(-10 * DAY));
    const probation = await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
      outcome: 'probation',
      decidedAt: at(-10 * DAY + 3_600_000),
      hearingId: first.id,
      termMonths: 12,
    });
    expect(probation.statusCode, probation.body).toBe(201);
    const officer = await createStaff(h, 'probation_officer');
    const supervision = (
      await clerk.post(`/v1/cases/${kase.id}/supervisions`, {
        officerSub: officer.sub,
        startsOn: at(-9 * DAY).slice(0, 10),
        endsOn: at(300 * DAY).slice(0, 10),
        occurredAt: at(-9 * DAY),
      })
    ).json();
    await expectAudited(
      h,
      await officer.post(`/v1/supervisions/${supervision.id}/revocation-request`, {
        reason: 'absconded',
        occurredAt: at(-3 * DAY),
      }),
      200,
      1,
    );
    // Before: a new disposition is refused while the case is in supervision.
    const tooSoon = await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
      outcome: 'custodial',
      decidedAt: at(-60_000),
    });
    expect(tooSoon.statusCode).toBe(409);
    expect(tooSoon.json()).toMatchObject({ currentStage: 'supervision' });

    const revokedAt = at(-2 * DAY);
    const revoked = await expectAudited(
      h,
      await clerk.post(`/v1/supervisions/${supervision.id}/revoke`, {
        reason: 'granted',
        occurredAt: revokedAt,
      }),
      200,
      1,
    );
    expect(revoked).toMatchObject({ status: 'revoked', endedAt: revokedAt });
    expect(await stageOf(clerk, kase.id)).toBe('adjudication');

    // Still on the old probation order: a sentenced episode is refused.
    const noOrder = await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
      kind: 'sentenced',
      facility: 'F',
      startedAt: at(-60_000),
    });
    expect(noOrder.statusCode, noOrder.body).toBe(409);
    // Re-sentencing needs a hearing held after the last disposition.
    const noHearing = await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
      outcome: 'custodial',
      decidedAt: at(-60_000),
      termMonths: 6,
    });
    await expectAudited(h, noHearing, 409, 1);
    expect(noHearing.json()).toMatchObject({
      currentStage: 'adjudication',
      allowedNextStages: expect.arrayContaining(['disposition']),
    });

    const second = await hold(clerk, kase.id, at(-DAY));
    const custodial = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
        outcome: 'custodial',
        decidedAt: at(-DAY + 3_600_000),
        hearingId: second.id,
        termMonths: 6,
      }),
      201,
      1,
    );
    expect(await stageOf(clerk, kase.id)).toBe('disposition');
    // A sentence cannot start before the disposition that orders it.
    const before = await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
      kind: 'sentenced',
      facility: 'F',
      startedAt: at(-2 * DAY),
    });
    expect(before.statusCode).toBe(422);
    expect(before.json().errors[0].path).toBe('body.startedAt');
    const sentence = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
        kind: 'sentenced',
        facility: 'Youth facility',
        startedAt: at(-DAY + 7_200_000),
      }),
      201,
      1,
    );
    expect(sentence.kind).toBe('sentenced');
    expect((await clerk.get(`/v1/dispositions/${custodial.id}`)).json().outcome).toBe('custodial');
    const kinds = (await clerk.get(`/v1/cases/${kase.id}/timeline`)).json().items.map((e: any) => e.kind);
    expect(kinds.slice(-5)).toEqual([
      'supervision_revoked',
      'hearing_scheduled',
      'hearing_held',
      'disposition_recorded',
      'custody_started',
    ]);
  });
});

describe('defect 5: closing a case with open items', () => {
  it('ends scheduled hearings, legal aid and social work with the closing reason, in one transaction, on the timeline; the worklist drops the case', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const worker = await createStaff(h, 'social_worker');
    const assignment = (
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
    ).json();
    await lawyer.post(`/v1/legal-aid/assignments/${assignment.id}/accept`, {});
    await clerk.post(`/v1/cases/${kase.id}/social-work-assignments`, { socialWorkerSub: worker.sub });
    const hearing = (
      await clerk.post(`/v1/cases/${kase.id}/hearings`, { scheduledAt: at(5 * DAY), purpose: 'review' })
    ).json();
    expect((await lawyer.get('/v1/legal-aid/assignments')).json().items).toHaveLength(1);

    // The child is detained under the case (factory): refused, naming the episode; nothing changes.
    const episode = (
      await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
        kind: 'pre_trial',
        facility: 'F',
        startedAt: '2026-11-01T13:00:00Z',
      })
    ).json();
    const refused = await clerk.post(`/v1/cases/${kase.id}/close`, { reason: 'charges dropped' });
    const problem = await expectAudited(h, refused, 409, 1);
    expect(problem).toMatchObject({
      currentStage: 'pre_trial',
      allowedNextStages: expect.any(Array),
      allowedEvents: expect.any(Array),
      custodyEpisodeId: episode.id,
      openItems: [{ resourceType: 'custody_episode', id: episode.id, status: 'open' }],
    });
    expect((await clerk.get(`/v1/hearings/${hearing.id}`)).json().status).toBe('scheduled');

    await clerk.post(`/v1/custody-episodes/${episode.id}/end`, {
      releasedAt: at(-60_000),
      releaseReason: 'r',
    });
    const closed = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/close`, { reason: 'charges dropped' }),
      200,
      1,
    );
    expect(closed).toMatchObject({ stage: 'closed', closedReason: 'charges dropped' });
    expect((await clerk.get(`/v1/hearings/${hearing.id}`)).json()).toMatchObject({
      status: 'cancelled',
      reason: 'Case closed: charges dropped',
    });
    expect((await clerk.get(`/v1/legal-aid/assignments/${assignment.id}`)).json()).toMatchObject({
      status: 'completed',
      endReason: 'Case closed: charges dropped',
    });
    expect((await lawyer.get('/v1/legal-aid/assignments')).json().items).toEqual([]);
    const kinds = (await clerk.get(`/v1/cases/${kase.id}/timeline`)).json().items.map((e: any) => e.kind);
    expect(kinds.slice(-4)).toEqual([
      'hearing_cancelled',
      'legal_aid_completed',
      'social_worker_assignment_ended',
      'case_closed',
    ]);
  });

  it('refuses while a diversion is proposed, naming it', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const diversion = (
      await clerk.post(`/v1/cases/${kase.id}/diversions`, { provider: 'P', conditions: ['apology'] })
    ).json();
    const res = await clerk.post(`/v1/cases/${kase.id}/close`, { reason: 'x' });
    const problem = await expectAudited(h, res, 409, 1);
    expect(problem.openItems).toEqual([{ resourceType: 'diversion', id: diversion.id, status: 'proposed' }]);
    expect(await stageOf(clerk, kase.id)).toBe('intake');
  });
});

describe('defect 6: one 409 shape', () => {
  it('gives every conflict about a case currentStage, allowedNextStages and allowedEvents', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const conflicts = [];
    // A stage refusal.
    const officer = await createStaff(h, 'probation_officer');
    conflicts.push(
      await clerk.post(`/v1/cases/${kase.id}/supervisions`, {
        officerSub: officer.sub,
        startsOn: '2026-12-01',
        endsOn: '2027-01-01',
      }),
    );
    // Rule refusals: a second custody episode, a hearing that is no longer scheduled.
    await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
      kind: 'pre_trial',
      facility: 'F',
      startedAt: '2026-11-01T13:00:00Z',
    });
    conflicts.push(
      await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
        kind: 'pre_trial',
        facility: 'G',
        startedAt: '2026-11-01T14:00:00Z',
      }),
    );
    const hearing = (
      await clerk.post(`/v1/cases/${kase.id}/hearings`, { scheduledAt: at(DAY), purpose: 'x' })
    ).json();
    await clerk.post(`/v1/hearings/${hearing.id}/cancel`, { reason: 'r' });
    conflicts.push(await clerk.post(`/v1/hearings/${hearing.id}/cancel`, { reason: 'r' }));
    for (const res of conflicts) {
      expect(res.statusCode, res.body).toBe(409);
      expect(Object.keys(res.json())).toEqual(
        expect.arrayContaining(['currentStage', 'allowedNextStages', 'allowedEvents']),
      );
    }
    expect(conflicts[2].json().currentStatus).toBe('cancelled');
  });

  it('answers 409 (as the README says) for a disposition naming a hearing of the case that was not held', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const hearing = (
      await clerk.post(`/v1/cases/${kase.id}/hearings`, { scheduledAt: at(DAY), purpose: 'x' })
    ).json();
    const res = await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
      outcome: 'probation',
      decidedAt: at(-60_000),
      hearingId: hearing.id,
    });
    const problem = await expectAudited(h, res, 409, 1);
    expect(problem).toMatchObject({
      currentStage: 'pre_trial',
      currentStatus: 'scheduled',
      hearingId: hearing.id,
    });
    expect((await auditOf(h, res))[0].reason).toBe('A disposition must name a held hearing');
  });

  it('documents the conflict fields in the OpenAPI Problem schema', async () => {
    const doc = h.app.swagger() as any;
    const problem = doc.components.schemas.Problem;
    for (const f of ['currentStage', 'allowedNextStages', 'allowedEvents', 'currentStatus', 'openItems']) {
      expect(problem.properties[f], f).toBeDefined();
    }
  });
});
