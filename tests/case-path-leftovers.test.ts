import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, json, uid } from './helpers/app.js';
import { createStaff, expectAudited } from './helpers/case-path.js';
import { courtWithCase, createCase, createOrg, createPerson } from './helpers/factories.js';

/**
 * Leftovers of issue 14's first pass: social work dated truly, the "already sealed" 409 in the one
 * conflict shape, and legal aid re-assigned after a decline keeping the original request's time.
 * (Withdrawal of a pending transfer or referral: tests/transfers.test.ts.)
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
const future = () => new Date(Date.now() + 3 * 86_400_000).toISOString();
/** The case of courtWithCase was taken in on this day. */
const BEFORE_INTAKE = '2026-10-30T10:00:00.000Z';

describe('social work with the time it happened (true dates)', () => {
  it('dates an assignment, its end, an assessment and a referral, refusing times that cannot be true', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const worker = await createStaff(h, 'social_worker');
    const url = `/v1/cases/${kase.id}/social-work-assignments`;

    // Not in the future, not before the intake: 422 naming the field, nothing recorded.
    for (const occurredAt of [future(), BEFORE_INTAKE]) {
      const res = await clerk.post(url, { socialWorkerSub: worker.sub, occurredAt });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.body).toContain('body.occurredAt');
    }
    const assignedAt = daysAgo(5);
    const assignment = await expectAudited(
      h,
      await clerk.post(url, { socialWorkerSub: worker.sub, occurredAt: assignedAt }),
      201,
      1,
    );
    expect(new Date(assignment.assignedAt).toISOString()).toBe(assignedAt);

    // The social worker records an assessment made three days ago, and a referral two days ago.
    const assessedAt = daysAgo(3);
    const assessment = json(
      await worker.post(`/v1/cases/${kase.id}/vulnerability-assessments`, {
        content: 'Needs schooling support',
        occurredAt: assessedAt,
      }),
    );
    expect(new Date(assessment.occurredAt).toISOString()).toBe(assessedAt);
    const bad = await worker.post(`/v1/cases/${kase.id}/service-referrals`, {
      service: 'Counselling',
      occurredAt: future(),
    });
    expect(bad.statusCode).toBe(422);
    const referredAt = daysAgo(2);
    const referral = json(
      await worker.post(`/v1/cases/${kase.id}/service-referrals`, {
        service: 'Counselling',
        occurredAt: referredAt,
      }),
    );
    expect(new Date(referral.occurredAt).toISOString()).toBe(referredAt);

    // The end: not before the assignment began.
    const end = `/v1/social-work-assignments/${assignment.id}/end`;
    const early = await clerk.post(end, { occurredAt: daysAgo(6) });
    expect(early.statusCode, early.body).toBe(422);
    expect(early.body).toContain('the assignment began');
    const endedAt = daysAgo(1);
    const ended = await expectAudited(h, await clerk.post(end, { occurredAt: endedAt }), 200, 1);
    expect(ended.status).toBe('ended');
    expect(new Date(ended.endedAt).toISOString()).toBe(endedAt);

    // The timeline carries when each happened, ordered by it.
    const items = json(await clerk.get(`/v1/cases/${kase.id}/timeline`)).items as {
      kind: string;
      occurredAt: string;
    }[];
    const at = (kind: string) => new Date(items.find((e) => e.kind === kind)!.occurredAt).toISOString();
    expect(at('social_worker_assigned')).toBe(assignedAt);
    expect(at('vulnerability_assessment_recorded')).toBe(assessedAt);
    expect(at('service_referral_recorded')).toBe(referredAt);
    expect(at('social_worker_assignment_ended')).toBe(endedAt);
    const kinds = items.map((e) => e.kind);
    expect(kinds.indexOf('social_worker_assigned')).toBeLessThan(
      kinds.indexOf('vulnerability_assessment_recorded'),
    );
  });

  it('still ends an assignment with no body at all (now)', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const worker = await createStaff(h, 'social_worker');
    const a = json(
      await clerk.post(`/v1/cases/${kase.id}/social-work-assignments`, { socialWorkerSub: worker.sub }),
    );
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/social-work-assignments/${a.id}/end`,
      headers: { authorization: `Bearer ${clerk.token}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().endedAt).not.toBeNull();
  });
});

describe('the "already sealed" 409', () => {
  it('carries the conflict fields every other 409 about a case carries', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const orderReference = uid('ORD');
    expect((await clerk.post(`/v1/cases/${kase.id}/seal`, { orderReference })).statusCode).toBe(200);
    const again = await clerk.post(`/v1/cases/${kase.id}/seal`, { orderReference });
    const problem = await expectAudited(h, again, 409, 1);
    expect(problem).toMatchObject({
      status: 409,
      currentStage: kase.stage,
      currentStatus: 'sealed',
    });
    expect(Array.isArray(problem.allowedNextStages)).toBe(true);
    expect(Array.isArray(problem.allowedEvents)).toBe(true);
  });
});

describe('legal aid re-assigned after a decline', () => {
  it('keeps the original request time: request-to-assignment is measured from the request', async () => {
    // A child not detained: no request is opened at intake; the clerk records one.
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: await createOrg(h, 'court') });
    const kase = await createCase(clerk, (await createPerson(clerk)).id, { detained: false });
    const first = await createStaff(h, 'legal_aid_lawyer');
    const second = await createStaff(h, 'legal_aid_lawyer');
    const requestedAt = daysAgo(4);
    const request = json(
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-requests`, { source: 'clerk', requestedAt }),
    );
    expect(new Date(request.requestedAt).toISOString()).toBe(requestedAt);
    const a = json(
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, {
        lawyerSub: first.sub,
        assignedAt: daysAgo(3),
      }),
    );
    expect(a.id).toBe(request.id);
    const declined = await first.post(`/v1/legal-aid/assignments/${a.id}/decline`, {
      reason: 'caseload full',
      occurredAt: daysAgo(2),
    });
    expect(declined.statusCode, declined.body).toBe(200);

    // Not before the decline it answers.
    const tooEarly = await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, {
      lawyerSub: second.sub,
      assignedAt: daysAgo(3),
    });
    expect(tooEarly.statusCode, tooEarly.body).toBe(422);
    const assignedAt = daysAgo(1);
    const b = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: second.sub, assignedAt }),
      201,
      1,
    );
    expect(b.id).not.toBe(a.id);
    expect(new Date(b.requestedAt).toISOString()).toBe(requestedAt);
    expect(new Date(b.assignedAt).toISOString()).toBe(assignedAt);
    expect(b.requestSource).toBe('clerk');
  });

  it('keeps the time of a direct assignment that was declined, too', async () => {
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: await createOrg(h, 'court') });
    const kase = await createCase(clerk, (await createPerson(clerk)).id, { detained: false });
    const first = await createStaff(h, 'legal_aid_lawyer');
    const second = await createStaff(h, 'legal_aid_lawyer');
    const firstAt = daysAgo(3);
    const a = json(
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, {
        lawyerSub: first.sub,
        assignedAt: firstAt,
      }),
    );
    expect(
      (await first.post(`/v1/legal-aid/assignments/${a.id}/decline`, { reason: 'conflict' })).statusCode,
    ).toBe(200);
    const b = json(await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: second.sub }));
    expect(new Date(b.requestedAt).toISOString()).toBe(firstAt);
  });
});
