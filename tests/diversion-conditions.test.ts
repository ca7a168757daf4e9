import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, json, uid } from './helpers/app.js';
import { auditOf, expectAudited } from './helpers/case-path.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

/** Capability 10 of issue 14: a diversion's conditions, each tracked; completion needs them all met or waived. */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const ago = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();

async function divertedCase() {
  const court = await createOrg(h, 'court');
  const office = await createOrg(h, 'prosecution');
  const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
  const prosecutor = await h.as({ sub: uid('prosecutor'), roles: ['prosecutor'], org: office });
  const person = await createPerson(clerk);
  const kase = await createCase(clerk, person.id, { prosecutionOrgId: office });
  return { clerk, prosecutor, kase };
}

const CONDITIONS = [
  { kind: 'community_work', description: 'Park maintenance', hours: 20 },
  { kind: 'schooling', description: 'Attend school every day', dueOn: '2027-06-30' },
  { kind: 'counselling', description: 'Six counselling sessions' },
  { kind: 'restorative_meeting', description: 'Meet the shop owner' },
  'Write a letter of apology',
];

describe('diversion conditions', () => {
  it('completes only once every condition is done or waived by the prosecutor with a reason', async () => {
    const { clerk, prosecutor, kase } = await divertedCase();
    const diversion = await expectAudited(
      h,
      await prosecutor.post(`/v1/cases/${kase.id}/diversions`, {
        provider: 'Youth mediation service',
        conditions: CONDITIONS,
      }),
      201,
      1,
    );
    expect(diversion.conditions.map((c: any) => [c.kind, c.status, c.hours])).toEqual([
      ['community_work', 'pending', 20],
      ['schooling', 'pending', null],
      ['counselling', 'pending', null],
      ['restorative_meeting', 'pending', null],
      ['other', 'pending', null],
    ]);
    const [work, school, counselling, meeting, apology] = diversion.conditions.map((c: any) => c.id);
    // Nothing is recorded on a programme not yet accepted.
    await expectAudited(h, await clerk.post(`/v1/diversion-conditions/${work}/done`, {}), 409, 1);
    await expectAudited(h, await clerk.post(`/v1/diversions/${diversion.id}/accept`, {}), 200, 1);
    await expectAudited(h, await clerk.post(`/v1/diversions/${diversion.id}/start`, {}), 200, 1);

    // Completion with every condition open: 409 naming them, nothing changed.
    const early = await clerk.post(`/v1/diversions/${diversion.id}/complete`, {});
    const problem = await expectAudited(h, early, 409, 1);
    expect(problem.openItems.map((c: any) => c.id)).toEqual([work, school, counselling, meeting, apology]);
    expect(problem.openItems[0]).toEqual({
      resourceType: 'diversion_condition',
      id: work,
      status: 'pending',
    });
    expect(problem.currentStage).toBe('diversion');
    expect(problem.allowedEvents).toContain('diversion_condition_recorded');

    const done = await clerk.post(`/v1/diversion-conditions/${work}/done`, { note: '20 hours signed off' });
    expect((await expectAudited(h, done, 200, 1)).status).toBe('done');
    expect(done.headers.etag).toBe('"2"');
    // Done twice: 409; a date in the future: 422.
    await expectAudited(h, await clerk.post(`/v1/diversion-conditions/${work}/done`, {}), 409, 1);
    const future = await clerk.post(`/v1/diversion-conditions/${school}/done`, {
      occurredAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(future.statusCode).toBe(422);
    expect(future.json().errors[0].path).toBe('body.occurredAt');
    // Not done, then done after all.
    const missed = await clerk.post(`/v1/diversion-conditions/${school}/not-done`, {
      reason: 'Missed two weeks of school',
    });
    expect(missed.json()).toMatchObject({ status: 'not_done', note: 'Missed two weeks of school' });
    expect((await clerk.post(`/v1/diversion-conditions/${school}/done`, {})).json().status).toBe('done');
    expect((await clerk.post(`/v1/diversion-conditions/${counselling}/done`, {})).statusCode).toBe(200);

    // A restorative meeting needs the victim's consent, given before it.
    const noConsent = await clerk.post(`/v1/diversion-conditions/${meeting}/done`, {});
    expect(noConsent.statusCode).toBe(422);
    expect(noConsent.json().errors[0].path).toBe('body.victimConsentedAt');
    const met = await clerk.post(`/v1/diversion-conditions/${meeting}/done`, {
      occurredAt: new Date().toISOString(),
      victimConsentedAt: new Date(Date.now() - 1000).toISOString(),
    });
    expect(met.statusCode, met.body).toBe(200);

    // Only the prosecutor waives, and with a reason.
    await expectAudited(
      h,
      await clerk.post(`/v1/diversion-conditions/${apology}/waive`, {
        reason: 'The victim declined letters',
      }),
      403,
      1,
    );
    expect((await prosecutor.post(`/v1/diversion-conditions/${apology}/waive`, {})).statusCode).toBe(400);
    const waived = await prosecutor.post(`/v1/diversion-conditions/${apology}/waive`, {
      reason: 'The victim declined letters',
    });
    expect(await expectAudited(h, waived, 200, 1)).toMatchObject({
      status: 'waived',
      note: 'The victim declined letters',
      recordedByRole: 'prosecutor',
    });
    expect((await auditOf(h, waived))[0]).toMatchObject({
      resource_type: 'diversion_condition',
      resource_id: apology,
      case_id: kase.id,
      basis_type: 'prosecution_office',
    });

    const completed = await expectAudited(
      h,
      await clerk.post(`/v1/diversions/${diversion.id}/complete`, {}),
      200,
      1,
    );
    expect(completed.conditions.map((c: any) => c.status)).toEqual([
      'done',
      'done',
      'done',
      'done',
      'waived',
    ]);
    expect(json(await clerk.get(`/v1/cases/${kase.id}`))).toMatchObject({
      stage: 'closed',
      closedReason: 'diverted',
    });
    const kinds = json(await clerk.get(`/v1/cases/${kase.id}/timeline?limit=100`)).items.map(
      (e: any) => e.kind,
    );
    expect(kinds.filter((k: string) => k.startsWith('diversion_condition_'))).toEqual(
      expect.arrayContaining([
        'diversion_condition_done',
        'diversion_condition_not_done',
        'diversion_condition_waived',
      ]),
    );
    // Nothing more is recorded once the programme is over.
    await expectAudited(
      h,
      await clerk.post(`/v1/diversion-conditions/${school}/not-done`, { reason: 'x' }),
      409,
      1,
    );
  });

  it('dates a condition when it happened, not before the diversion was accepted', async () => {
    const { clerk, kase } = await divertedCase();
    const diversion = json(
      await clerk.post(`/v1/cases/${kase.id}/diversions`, { provider: 'p', conditions: ['Apology'] }),
    );
    await clerk.post(`/v1/diversions/${diversion.id}/accept`, {});
    const id = diversion.conditions[0].id;
    const before = await clerk.post(`/v1/diversion-conditions/${id}/done`, { occurredAt: ago(24 * 400) });
    expect(before.statusCode).toBe(422);
    const occurredAt = new Date().toISOString();
    const ok = await clerk.post(`/v1/diversion-conditions/${id}/done`, { occurredAt });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().statusAt).toBe(occurredAt);
    const entry = json(await clerk.get(`/v1/cases/${kase.id}/timeline`)).items.find(
      (e: any) => e.kind === 'diversion_condition_done',
    );
    expect(entry.occurredAt).toBe(occurredAt);
  });

  it('refuses community work without hours, and hours on anything else (422, nothing created)', async () => {
    const { clerk, kase } = await divertedCase();
    for (const conditions of [
      [{ kind: 'community_work', description: 'Work' }],
      [{ kind: 'apology', description: 'Letter', hours: 3 }],
      [{ kind: 'curfew', description: 'x' }],
    ]) {
      const res = await clerk.post(`/v1/cases/${kase.id}/diversions`, { provider: 'p', conditions });
      expect([400, 422]).toContain(res.statusCode);
    }
    expect(json(await clerk.get(`/v1/cases/${kase.id}/diversions`)).items).toEqual([]);
  });

  it('hides conditions from callers not related to the case (404)', async () => {
    const { clerk, kase } = await divertedCase();
    const diversion = json(
      await clerk.post(`/v1/cases/${kase.id}/diversions`, { provider: 'p', conditions: ['Apology'] }),
    );
    await clerk.post(`/v1/diversions/${diversion.id}/accept`, {});
    const stranger = await h.as({
      sub: uid('clerk'),
      roles: ['court_clerk'],
      org: await createOrg(h, 'court'),
    });
    await expectAudited(
      h,
      await stranger.post(`/v1/diversion-conditions/${diversion.conditions[0].id}/done`, {}),
      404,
      1,
    );
    await expectAudited(
      h,
      await stranger.post(`/v1/diversion-conditions/${crypto.randomUUID()}/done`, {}),
      404,
      1,
    );
  });
});
