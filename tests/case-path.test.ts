import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { createStaff, expectAudited } from './helpers/case-path.js';
import { courtWithCase, createCase, createOrg, createPerson } from './helpers/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const count = async (table: string, where: string) =>
  Number(
    rowsOf<{ n: number }>(
      await h.testDb.database.db.execute(sql.raw(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`)),
    )[0].n,
  );
const stageOf = async (client: Client, caseId: string) =>
  (await client.get(`/v1/cases/${caseId}`)).json().stage;
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
/** Now, for times the test reports as they happen, so the timeline order follows the script. */
const now = () => new Date().toISOString();

describe('(a) arrest with detention to probation and closure', () => {
  it('follows the whole court path with each professional acting with their own token', async () => {
    const { clerk, kase, person } = await courtWithCase(h);
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const officer = await createStaff(h, 'probation_officer');

    // Detention: one open custody episode per child; a second one is refused and changes nothing.
    const custody = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
        kind: 'pre_trial',
        facility: 'North juvenile detention centre',
        startedAt: '2026-11-01T12:30:00Z',
      }),
      201,
      1,
    );
    const second = await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
      kind: 'pre_trial',
      facility: 'Elsewhere',
      startedAt: '2026-11-01T13:00:00Z',
    });
    await expectAudited(h, second, 409, 1);
    expect(await count('custody_episodes', `person_id = '${person.id}'`)).toBe(1);

    // Legal aid: assigned by the clerk, accepted by the lawyer, whose worklist shows the essentials.
    const assignment = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub }),
      201,
      1,
    );
    await expectAudited(
      h,
      await lawyer.post(`/v1/legal-aid/assignments/${assignment.id}/accept`, {}),
      200,
      1,
    );

    // Hearings: the first one moves the case to pre-trial; it is adjourned, then the new one held.
    const hearing = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/hearings`, {
        scheduledAt: inDays(2),
        purpose: 'detention review',
        location: 'Courtroom 2',
        childFriendlyCourtroom: true,
      }),
      201,
      1,
    );
    expect(await stageOf(clerk, kase.id)).toBe('pre_trial');
    const work = await expectAudited(h, await lawyer.get('/v1/legal-aid/assignments'), 200, 1);
    expect(work.items[0].case).toMatchObject({
      id: kase.id,
      stage: 'pre_trial',
      nextHearing: { id: hearing.id, purpose: 'detention review', childFriendlyCourtroom: true },
      custody: { inCustody: true, kind: 'pre_trial', facility: 'North juvenile detention centre' },
    });

    // Probation before any held hearing: 409, and nothing is recorded.
    const early = await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
      outcome: 'probation',
      decidedAt: now(),
      termMonths: 12,
    });
    const problem = await expectAudited(h, early, 409, 1);
    expect(problem).toMatchObject({ status: 409, currentStage: 'pre_trial' });
    expect(await count('dispositions', `case_id = '${kase.id}'`)).toBe(0);
    expect(await stageOf(clerk, kase.id)).toBe('pre_trial');

    const adjourned = await expectAudited(
      h,
      await clerk.post(`/v1/hearings/${hearing.id}/adjourn`, {
        newScheduledAt: inDays(5),
        reason: 'lawyer unavailable',
      }),
      200,
      1,
    );
    expect(adjourned.adjourned).toMatchObject({ status: 'adjourned', adjournedToId: adjourned.next.id });
    expect(adjourned.next).toMatchObject({ status: 'scheduled', adjournedFromId: hearing.id });
    // An adjourned hearing cannot be held.
    await expectAudited(
      h,
      await clerk.post(`/v1/hearings/${hearing.id}/hold`, {
        heldAt: now(),
        outcome: 'x',
        attendees: [],
        childFriendlyCourtroom: true,
      }),
      409,
      1,
    );
    const held = await expectAudited(
      h,
      await clerk.post(
        `/v1/hearings/${adjourned.next.id}/hold`,
        {
          heldAt: now(),
          outcome: 'Facts established',
          attendees: ['child', 'mother', 'legal aid lawyer', 'prosecutor'],
          childFriendlyCourtroom: true,
        },
        { 'if-match': '"1"' },
      ),
      200,
      1,
    );
    expect(held).toMatchObject({ status: 'held', childFriendlyCourtroom: true });
    expect(await stageOf(clerk, kase.id)).toBe('adjudication');

    const disposition = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
        outcome: 'probation',
        decidedAt: now(),
        hearingId: held.id,
        termMonths: 12,
      }),
      201,
      1,
    );
    expect(disposition).toMatchObject({ outcome: 'probation', hearingId: held.id });
    expect(await stageOf(clerk, kase.id)).toBe('disposition');
    await expectAudited(
      h,
      await clerk.post(`/v1/custody-episodes/${custody.id}/end`, {
        releasedAt: now(),
        releaseReason: 'probation ordered',
      }),
      200,
      1,
    );

    // Supervision: the officer is related while it is active.
    await expectAudited(h, await officer.get(`/v1/cases/${kase.id}`), 404, 1);
    const supervision = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/supervisions`, {
        officerSub: officer.sub,
        // Not before the probation disposition (decided just now): true dates, issue 14.
        startsOn: now().slice(0, 10),
        endsOn: '2027-11-06',
        conditions: ['attend school', 'curfew 21:00'],
      }),
      201,
      1,
    );
    expect(await stageOf(clerk, kase.id)).toBe('supervision');
    await expectAudited(h, await officer.get(`/v1/cases/${kase.id}`), 200, 1);
    const caseload = await expectAudited(h, await officer.get('/v1/supervisions'), 200, 1);
    expect(caseload.items.map((s: any) => s.id)).toEqual([supervision.id]);
    expect(caseload.items[0].case).toMatchObject({ id: kase.id, child: { givenName: person.givenName } });

    await expectAudited(
      h,
      await officer.post(`/v1/supervisions/${supervision.id}/contacts`, {
        occurredAt: now(),
        kind: 'home_visit',
        notes: 'Met child and mother at home',
      }),
      201,
      1,
    );
    const secondContactAt = now();
    await expectAudited(
      h,
      await officer.post(`/v1/supervisions/${supervision.id}/contacts`, {
        occurredAt: secondContactAt,
        kind: 'office_visit',
        notes: 'Check-in',
      }),
      201,
      1,
    );
    await expectAudited(
      h,
      await officer.post(`/v1/supervisions/${supervision.id}/violations`, {
        occurredAt: now(),
        notes: 'Curfew missed',
      }),
      201,
      1,
    );
    await expectAudited(
      h,
      await officer.post(`/v1/supervisions/${supervision.id}/progress-notes`, { notes: 'Back on track' }),
      201,
      1,
    );
    const entries = await expectAudited(
      h,
      await officer.get(`/v1/supervisions/${supervision.id}/entries`),
      200,
      1,
    );
    expect(entries.items.map((e: any) => e.kind)).toEqual([
      'contact',
      'contact',
      'violation',
      'progress_note',
    ]);
    const lastContact = (await officer.get('/v1/supervisions')).json().items[0].case.lastContactAt;
    expect(lastContact).toBe(secondContactAt);

    // The case cannot close while the supervision is active.
    await expectAudited(h, await clerk.post(`/v1/cases/${kase.id}/close`, { reason: 'done' }), 409, 1);

    const completed = await expectAudited(
      h,
      await officer.post(`/v1/supervisions/${supervision.id}/complete`, { note: 'Period served' }),
      200,
      1,
    );
    expect(completed.status).toBe('completed');
    await expectAudited(h, await officer.get(`/v1/cases/${kase.id}`), 404, 1);
    expect((await officer.get('/v1/supervisions')).json().items).toEqual([]);

    const closed = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/close`, { reason: 'Supervision completed' }),
      200,
      1,
    );
    expect(closed).toMatchObject({ stage: 'closed', closedReason: 'Supervision completed' });

    // A hearing on a closed case: 409 naming the stage, and no hearing is added.
    const before = await count('hearings', `case_id = '${kase.id}'`);
    const late = await clerk.post(`/v1/cases/${kase.id}/hearings`, {
      scheduledAt: inDays(9),
      purpose: 'review',
    });
    const lateProblem = await expectAudited(h, late, 409, 1);
    expect(lateProblem).toMatchObject({ currentStage: 'closed', allowedNextStages: [] });
    expect(late.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await count('hearings', `case_id = '${kase.id}'`)).toBe(before);

    const timeline = await expectAudited(h, await clerk.get(`/v1/cases/${kase.id}/timeline`), 200, 1);
    expect(timeline.items.map((e: any) => e.kind)).toEqual([
      'arrest',
      'legal_aid_requested',
      'custody_started',
      'legal_aid_assigned',
      'legal_aid_accepted',
      'hearing_scheduled',
      'hearing_adjourned',
      'hearing_held',
      'disposition_recorded',
      'custody_ended',
      'supervision_started',
      'supervision_contact',
      'supervision_contact',
      'supervision_violation',
      'supervision_progress_note',
      'supervision_completed',
      // Closing ends the accepted legal aid with the closing reason (issue 14, defect 5).
      'legal_aid_completed',
      'case_closed',
    ]);
    expect(timeline.items.every((e: any) => typeof e.summary === 'string' && e.actorRole)).toBe(true);
    expect(timeline.items[11]).toMatchObject({
      actorRole: 'probation_officer',
      summary: 'Supervision contact (home visit)',
    });
    // The lawyer's representation ended with the case, as did the officer's supervision.
    await expectAudited(h, await lawyer.get(`/v1/cases/${kase.id}/timeline`), 404, 1);
    await expectAudited(h, await officer.get(`/v1/cases/${kase.id}/timeline`), 404, 1);
  });
});

describe('(b) arrest, diversion accepted and completed', () => {
  it('closes the case as diverted', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const diversion = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/diversions`, {
        provider: 'Youth mediation service',
        conditions: ['apologise to the victim', '20 hours of community work'],
      }),
      201,
      1,
    );
    expect(diversion).toMatchObject({ status: 'proposed', proposedByRole: 'court_clerk' });
    expect(await stageOf(clerk, kase.id)).toBe('intake');
    // Completing before it started is refused.
    await expectAudited(h, await clerk.post(`/v1/diversions/${diversion.id}/complete`, {}), 409, 1);
    await expectAudited(h, await clerk.post(`/v1/diversions/${diversion.id}/accept`, {}), 200, 1);
    expect(await stageOf(clerk, kase.id)).toBe('diversion');
    // No hearing while the child is in diversion.
    await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/hearings`, { scheduledAt: inDays(3), purpose: 'x' }),
      409,
      1,
    );
    await expectAudited(h, await clerk.post(`/v1/diversions/${diversion.id}/start`, {}), 200, 1);
    // Completion needs every condition met (or waived by the prosecutor).
    for (const c of diversion.conditions) {
      await expectAudited(h, await clerk.post(`/v1/diversion-conditions/${c.id}/done`, {}), 200, 1);
    }
    const done = await expectAudited(
      h,
      await clerk.post(`/v1/diversions/${diversion.id}/complete`, { note: 'All conditions met' }),
      200,
      1,
    );
    expect(done).toMatchObject({ status: 'completed', outcomeNote: 'All conditions met' });
    const kaseNow = (await clerk.get(`/v1/cases/${kase.id}`)).json();
    expect(kaseNow).toMatchObject({ stage: 'closed', closedReason: 'diverted' });
    const kinds = (await clerk.get(`/v1/cases/${kase.id}/timeline`)).json().items.map((e: any) => e.kind);
    expect(kinds).toEqual([
      'arrest',
      'legal_aid_requested',
      'diversion_proposed',
      'diversion_accepted',
      'diversion_started',
      'diversion_condition_done',
      'diversion_condition_done',
      'diversion_completed',
    ]);
    // The timeline pages with an opaque cursor and loses nothing between pages.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/cases/${kase.id}/timeline?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const pageBody: any = await expectAudited(h, await clerk.get(url), 200, 1);
      expect(pageBody.items.length).toBeLessThanOrEqual(2);
      paged.push(...pageBody.items.map((e: any) => e.kind));
      cursor = pageBody.nextCursor;
    } while (cursor);
    expect(paged).toEqual(kinds);
    expect((await clerk.get(`/v1/cases/${kase.id}/timeline?limit=101`)).statusCode).toBe(400);
    expect((await clerk.get(`/v1/cases/${kase.id}/timeline?cursor=bogus`)).statusCode).toBe(400);
    const list = await expectAudited(h, await clerk.get(`/v1/cases/${kase.id}/diversions`), 200, 1);
    expect(list.items).toHaveLength(1);
  });
});

describe('(c) diversion failed, back to court, custodial disposition', () => {
  it('returns the case to pre-trial and ends in a custodial sentence decided per charge', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const kase = await createCase(clerk, person.id, {
      detained: false,
      charges: [
        { code: 'PC-1', description: 'Theft' },
        { code: 'PC-2', description: 'Assault' },
      ],
    });
    const d = (
      await clerk.post(`/v1/cases/${kase.id}/diversions`, {
        provider: 'Youth programme',
        conditions: ['attend'],
      })
    ).json();
    await expectAudited(h, await clerk.post(`/v1/diversions/${d.id}/accept`, {}), 200, 1);
    await expectAudited(h, await clerk.post(`/v1/diversions/${d.id}/start`, {}), 200, 1);
    const failed = await expectAudited(
      h,
      await clerk.post(`/v1/diversions/${d.id}/fail`, { reason: 'Did not attend' }),
      200,
      1,
    );
    expect(failed.status).toBe('failed');
    expect(await stageOf(clerk, kase.id)).toBe('pre_trial');

    const hearing = (
      await clerk.post(`/v1/cases/${kase.id}/hearings`, { scheduledAt: inDays(4), purpose: 'adjudication' })
    ).json();
    await expectAudited(
      h,
      await clerk.post(`/v1/hearings/${hearing.id}/hold`, {
        heldAt: now(),
        outcome: 'Guilty of both charges',
        attendees: ['child', 'guardian', 'lawyer'],
        childFriendlyCourtroom: false,
      }),
      200,
      1,
    );
    expect(await stageOf(clerk, kase.id)).toBe('adjudication');
    const [theft] = kase.charges;
    // A charge of another case is refused (422, nothing written).
    const bad = await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
      outcome: 'custodial',
      decidedAt: now(),
      chargeOutcomes: [{ chargeId: '00000000-0000-4000-8000-000000000000', outcome: 'warning' }],
    });
    expect(bad.statusCode).toBe(422);
    const disposition = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
        outcome: 'custodial',
        decidedAt: now(),
        termMonths: 6,
        chargeOutcomes: [{ chargeId: theft.id, outcome: 'warning' }],
      }),
      201,
      1,
    );
    expect(disposition).toMatchObject({ outcome: 'custodial', termMonths: 6 });
    expect(disposition.chargeOutcomes).toEqual([{ chargeId: theft.id, outcome: 'warning' }]);
    expect(await stageOf(clerk, kase.id)).toBe('disposition');
    const sentence = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
        kind: 'sentenced',
        facility: 'Youth rehabilitation centre',
        startedAt: now(),
      }),
      201,
      1,
    );
    // A second disposition on the same case is an illegal move.
    await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/dispositions`, { outcome: 'warning', decidedAt: now() }),
      409,
      1,
    );
    // Supervision needs a probation order.
    const officer = await createStaff(h, 'probation_officer');
    await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/supervisions`, {
        officerSub: officer.sub,
        startsOn: '2026-12-01',
        endsOn: '2027-06-01',
      }),
      409,
      1,
    );
    expect(await count('supervisions', `case_id = '${kase.id}'`)).toBe(0);
    const kinds = (await clerk.get(`/v1/cases/${kase.id}/timeline`)).json().items.map((e: any) => e.kind);
    expect(kinds).toEqual([
      'arrest',
      'diversion_proposed',
      'diversion_accepted',
      'diversion_started',
      'diversion_failed',
      'hearing_scheduled',
      'hearing_held',
      'disposition_recorded',
      'custody_started',
    ]);
    // The case stays open while the child serves the sentence under it.
    const early = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/close`, { reason: 'x' }),
      409,
      1,
    );
    expect(early).toMatchObject({ currentStage: 'disposition', custodyEpisodeId: sentence.id });
    expect(await stageOf(clerk, kase.id)).toBe('disposition');
    await expectAudited(
      h,
      await clerk.post(`/v1/custody-episodes/${sentence.id}/end`, {
        releasedAt: now(),
        releaseReason: 'sentence served',
      }),
      200,
      1,
    );
    const closed = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/close`, { reason: 'Sentence served' }, { 'if-match': '"999"' }),
      412,
      0, // like the foundation's 422s, a refused precondition rolls back with its audit row
    );
    expect(closed.status).toBe(412);
    await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/close`, { reason: 'Sentence served' }),
      200,
      1,
    );
  });
});
