import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventClock } from '../src/lib/event-time.js';
import { type Client, type Harness, createHarness } from './helpers/app.js';
import { auditOf, createStaff, expectAudited } from './helpers/case-path.js';
import { courtWithCase } from './helpers/factories.js';

/**
 * Issue 14, defects 1 and 3: a time reported as the time something happened may not be after the
 * database clock (CLOCK_SKEW_TOLERANCE_SECONDS) nor before what it depends on; the timeline carries
 * both clocks and is ordered by when things happened.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const DAY = 86_400_000;
const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
const day = (offsetDays: number) => at(offsetDays * DAY).slice(0, 10);

/** A refusal naming exactly `path`, leaving the case's stage as it was. */
async function expectTimeRefused(res: Awaited<ReturnType<Client['post']>>, path: string) {
  expect(res.statusCode, res.body).toBe(422);
  expect(res.headers['content-type']).toContain('application/problem+json');
  const body = res.json();
  expect(body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
  return body;
}

async function heldHearingCase(heldAt = at(-DAY)) {
  const { clerk, kase } = await courtWithCase(h);
  const hearing = (
    await clerk.post(`/v1/cases/${kase.id}/hearings`, {
      scheduledAt: at(-2 * DAY),
      listedAt: '2026-11-02T09:00:00Z',
      purpose: 'adjudication',
    })
  ).json();
  const held = await clerk.post(`/v1/hearings/${hearing.id}/hold`, {
    heldAt,
    outcome: 'Facts established',
    attendees: ['child'],
    childFriendlyCourtroom: true,
  });
  expect(held.statusCode, held.body).toBe(200);
  return { clerk, kase, hearing: held.json() };
}

async function supervisedCase() {
  const { clerk, kase, hearing } = await heldHearingCase(at(-3 * DAY));
  const officer = await createStaff(h, 'probation_officer');
  const disposition = await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
    outcome: 'probation',
    decidedAt: at(-3 * DAY + 3_600_000),
    hearingId: hearing.id,
    termMonths: 12,
  });
  expect(disposition.statusCode, disposition.body).toBe(201);
  const supervision = await clerk.post(`/v1/cases/${kase.id}/supervisions`, {
    officerSub: officer.sub,
    startsOn: day(-2),
    endsOn: day(300),
  });
  expect(supervision.statusCode, supervision.body).toBe(201);
  return { clerk, kase, officer, supervision: supervision.json() };
}

describe('the clock rule, without HTTP', () => {
  const clock = new EventClock(new Date('2026-11-20T12:00:00Z'), 120);
  it('accepts the tolerance, refuses beyond it, and names the dependency that is not met', () => {
    expect(clock.problems([{ path: 'a', at: new Date('2026-11-20T12:02:00Z') }])).toEqual([]);
    expect(clock.problems([{ path: 'a', at: new Date('2026-11-20T12:02:01Z') }])[0].path).toBe('a');
    const before = clock.problems([
      {
        path: 'b',
        at: new Date('2026-11-10T00:00:00Z'),
        notBefore: [
          { at: null, what: 'nothing yet' },
          { at: new Date('2026-11-11T00:00:00Z'), what: 'X' },
        ],
      },
    ]);
    expect(before).toEqual([{ path: 'b', message: 'before X (2026-11-11T00:00:00.000Z)' }]);
    expect(clock.at(undefined)).toEqual(clock.now);
  });
});

describe('defect 1: times that cannot be true are refused with 422 naming the field', () => {
  it('a hearing held three days in the future is refused; the hearing stays scheduled and the case in pre_trial', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const hearing = (
      await clerk.post(`/v1/cases/${kase.id}/hearings`, { scheduledAt: at(DAY), purpose: 'adjudication' })
    ).json();
    const res = await clerk.post(`/v1/hearings/${hearing.id}/hold`, {
      heldAt: at(3 * DAY),
      outcome: 'x',
      attendees: [],
      childFriendlyCourtroom: false,
    });
    await expectTimeRefused(res, 'body.heldAt');
    expect((await clerk.get(`/v1/hearings/${hearing.id}`)).json().status).toBe('scheduled');
    expect((await clerk.get(`/v1/cases/${kase.id}`)).json().stage).toBe('pre_trial');
    // Within the tolerance (a clerk's clock a minute ahead) it is accepted.
    const ok = await clerk.post(`/v1/hearings/${hearing.id}/hold`, {
      heldAt: at(60_000),
      outcome: 'x',
      attendees: [],
      childFriendlyCourtroom: false,
    });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('a hearing cannot be held before it was listed', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const hearing = (
      await clerk.post(`/v1/cases/${kase.id}/hearings`, {
        scheduledAt: at(-DAY),
        listedAt: at(-2 * DAY),
        purpose: 'adjudication',
      })
    ).json();
    const res = await clerk.post(`/v1/hearings/${hearing.id}/hold`, {
      heldAt: at(-3 * DAY),
      outcome: 'x',
      attendees: [],
      childFriendlyCourtroom: false,
    });
    await expectTimeRefused(res, 'body.heldAt');
  });

  it('contacts and violations in the future, or before the supervision starts, are refused; the caseload keeps the true last contact', async () => {
    const { officer, supervision } = await supervisedCase();
    for (const kind of ['contacts', 'violations'] as const) {
      const body = kind === 'contacts' ? { kind: 'home_visit', notes: 'n' } : { notes: 'n' };
      await expectTimeRefused(
        await officer.post(`/v1/supervisions/${supervision.id}/${kind}`, {
          ...body,
          occurredAt: at(4 * DAY),
        }),
        'body.occurredAt',
      );
      await expectTimeRefused(
        await officer.post(`/v1/supervisions/${supervision.id}/${kind}`, {
          ...body,
          occurredAt: at(-5 * DAY),
        }),
        'body.occurredAt',
      );
    }
    const contact = at(-60_000);
    await expectAudited(
      h,
      await officer.post(`/v1/supervisions/${supervision.id}/contacts`, {
        kind: 'home_visit',
        notes: 'n',
        occurredAt: contact,
      }),
      201,
      1,
    );
    const caseload = (await officer.get('/v1/supervisions')).json();
    expect(new Date(caseload.items[0].case.lastContactAt).toISOString()).toBe(contact);
    const entries = (await officer.get(`/v1/supervisions/${supervision.id}/entries`)).json();
    expect(entries.items).toHaveLength(1);
  });

  it('a disposition decided ten days before the hearing it names is refused', async () => {
    const { clerk, kase, hearing } = await heldHearingCase(at(-60_000));
    const res = await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
      outcome: 'probation',
      decidedAt: at(-10 * DAY),
      hearingId: hearing.id,
      termMonths: 6,
    });
    await expectTimeRefused(res, 'body.decidedAt');
    expect((await auditOf(h, res)).length).toBe(0);
    expect((await clerk.get(`/v1/cases/${kase.id}/dispositions`)).json().items).toHaveLength(0);
    expect((await clerk.get(`/v1/cases/${kase.id}`)).json().stage).toBe('adjudication');
    // In the future: refused too.
    await expectTimeRefused(
      await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
        outcome: 'warning',
        decidedAt: at(2 * DAY),
      }),
      'body.decidedAt',
    );
  });

  it('custody: no start in the future, no release before the start or in the future', async () => {
    const { clerk, kase } = await courtWithCase(h);
    await expectTimeRefused(
      await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
        kind: 'pre_trial',
        facility: 'F',
        startedAt: at(DAY),
      }),
      'body.startedAt',
    );
    const episode = (
      await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
        kind: 'pre_trial',
        facility: 'F',
        startedAt: '2026-11-01T13:00:00Z',
      })
    ).json();
    for (const releasedAt of ['2026-11-01T12:59:00Z', at(DAY)]) {
      await expectTimeRefused(
        await clerk.post(`/v1/custody-episodes/${episode.id}/end`, { releasedAt, releaseReason: 'r' }),
        'body.releasedAt',
      );
    }
  });

  it('intake: no offence, intake or notification in the future', async () => {
    const { clerk, person } = await courtWithCase(h);
    const base = {
      personId: person.id,
      intakeKind: 'arrest',
      offenceDate: '2026-11-01T10:00:00Z',
      intakeAt: '2026-11-01T12:00:00Z',
      agency: 'Police',
      detained: false,
      charges: [{ code: 'PC-1', description: 'Theft' }],
    };
    await expectTimeRefused(
      await clerk.post('/v1/cases', { ...base, intakeAt: at(2 * DAY) }),
      'body.intakeAt',
    );
    await expectTimeRefused(
      await clerk.post('/v1/cases', { ...base, guardiansNotifiedAt: at(2 * DAY) }),
      'body.guardiansNotifiedAt',
    );
  });

  it('legal aid and diversion steps take the time they happened, under the same rule', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    await expectTimeRefused(
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, {
        lawyerSub: lawyer.sub,
        assignedAt: at(DAY),
      }),
      'body.assignedAt',
    );
    const assignment = (
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, {
        lawyerSub: lawyer.sub,
        assignedAt: '2026-11-02T08:00:00Z',
      })
    ).json();
    expect(assignment.assignedAt).toBe('2026-11-02T08:00:00.000Z');
    await expectTimeRefused(
      await lawyer.post(`/v1/legal-aid/assignments/${assignment.id}/accept`, {
        occurredAt: '2026-11-02T07:00:00Z',
      }),
      'body.occurredAt',
    );
    const accepted = await lawyer.post(`/v1/legal-aid/assignments/${assignment.id}/accept`, {
      occurredAt: '2026-11-02T10:00:00Z',
    });
    expect(accepted.json().respondedAt).toBe('2026-11-02T10:00:00.000Z');

    const diversion = (
      await clerk.post(`/v1/cases/${kase.id}/diversions`, {
        provider: 'P',
        conditions: ['apology'],
        occurredAt: '2026-11-03T09:00:00Z',
      })
    ).json();
    await expectTimeRefused(
      await clerk.post(`/v1/diversions/${diversion.id}/accept`, { occurredAt: '2026-11-02T09:00:00Z' }),
      'body.occurredAt',
    );
    const accept = await clerk.post(`/v1/diversions/${diversion.id}/accept`, {
      occurredAt: '2026-11-04T09:00:00Z',
    });
    expect(accept.json().decidedAt).toBe('2026-11-04T09:00:00.000Z');
    await expectTimeRefused(
      await clerk.post(`/v1/diversions/${diversion.id}/start`, { occurredAt: at(DAY) }),
      'body.occurredAt',
    );
    const start = await clerk.post(`/v1/diversions/${diversion.id}/start`, {
      occurredAt: '2026-11-05T09:00:00Z',
    });
    expect(start.json().startedAt).toBe('2026-11-05T09:00:00.000Z');
    const fail = await clerk.post(`/v1/diversions/${diversion.id}/fail`, {
      occurredAt: '2026-11-20T09:00:00Z',
      reason: 'did not attend',
    });
    expect(fail.json()).toMatchObject({ status: 'failed', endedAt: '2026-11-20T09:00:00.000Z' });
  });
});

describe('defect 3: the timeline carries when it happened and when it was recorded', () => {
  it('a hearing entered a day late shows scheduled before held, each with occurredAt and recordedAt', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const listedAt = at(-2 * DAY);
    const heldAt = at(-DAY);
    const hearing = (
      await clerk.post(`/v1/cases/${kase.id}/hearings`, {
        scheduledAt: heldAt,
        listedAt,
        purpose: 'adjudication',
      })
    ).json();
    expect(hearing.listedAt).toBe(listedAt);
    await clerk.post(`/v1/hearings/${hearing.id}/hold`, {
      heldAt,
      outcome: 'x',
      attendees: [],
      childFriendlyCourtroom: false,
    });
    const timeline = (await clerk.get(`/v1/cases/${kase.id}/timeline`)).json();
    const kinds = timeline.items.map((e: { kind: string }) => e.kind);
    expect(kinds.indexOf('hearing_scheduled')).toBeLessThan(kinds.indexOf('hearing_held'));
    const scheduled = timeline.items.find((e: { kind: string }) => e.kind === 'hearing_scheduled');
    const held = timeline.items.find((e: { kind: string }) => e.kind === 'hearing_held');
    expect(scheduled.occurredAt).toBe(listedAt);
    expect(held.occurredAt).toBe(heldAt);
    for (const e of timeline.items) {
      expect(typeof e.recordedAt).toBe('string');
      expect(new Date(e.recordedAt).getTime()).toBeGreaterThanOrEqual(
        new Date(e.occurredAt).getTime() - 120_000,
      );
    }
    const times = timeline.items.map((e: { occurredAt: string }) => e.occurredAt);
    expect([...times].sort()).toEqual(times);
  });
});
