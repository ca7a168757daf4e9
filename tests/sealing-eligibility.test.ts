import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { rowsOf } from '../src/db/client.js';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { auditOf, expectAudited } from './helpers/case-path.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

/**
 * Sealing eligibility (issue 13). The clock is controlled by the data, as in tests/alerts.test.ts:
 * each case is recorded through the commands with times in the past (intake, diversion steps,
 * hearing, disposition, closure), and the rules are evaluated at the database clock. Every date
 * below is computed by the database from its own `today` (UTC), so a boundary is exact to the day:
 * "closed 12 months ago today" is eligible, "12 months ago tomorrow" is not. Nothing here writes to
 * the database with SQL.
 *
 * Rules under test (defaults): diverted_or_dismissed = 12 months after closure with no case of the
 * child opened since; adult_record = 3 years after the age of majority (18), every case closed.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ LOG_LEVEL: 'error' });
});
afterAll(async () => h?.close());

/** A date relative to the database's today (UTC): `expr` like "- interval '12 months'". */
async function day(expr: string): Promise<string> {
  const [row] = rowsOf<{ d: string }>(
    await h.testDb.database.db.execute(
      sql.raw(`select to_char(((now() at time zone 'UTC')::date ${expr})::date, 'YYYY-MM-DD') as d`),
    ),
  );
  return row.d;
}
const at = (date: string, time = '10:00:00') => `${date}T${time}Z`;
const plusDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const minusYears = (date: string, n: number) => `${Number(date.slice(0, 4)) - n}${date.slice(4)}`;

/** A child and a referral case opened `intakeOn`; the child is 15 or 16 at the offence. */
async function openCase(clerk: Client, intakeOn: string, personId?: string) {
  const person = personId
    ? { id: personId }
    : await createPerson(clerk, { dateOfBirth: `${Number(intakeOn.slice(0, 4)) - 16}-01-15` });
  return createCase(clerk, person.id, {
    intakeKind: 'referral',
    detained: false,
    offenceDate: at(plusDays(intakeOn, -1)),
    intakeAt: at(intakeOn, '09:00:00'),
    guardiansNotifiedAt: at(intakeOn, '09:30:00'),
  });
}

/** Referral -> diversion proposed, accepted, started, its condition met, completed (closed as diverted) on `closedOn`. */
async function divertedCase(clerk: Client, closedOn: string, personId?: string) {
  const intakeOn = plusDays(closedOn, -30);
  const kase = await openCase(clerk, intakeOn, personId);
  const proposed = await clerk.post(`/v1/cases/${kase.id}/diversions`, {
    provider: 'Youth mediation service',
    conditions: ['Letter of apology'],
    occurredAt: at(intakeOn, '11:00:00'),
  });
  expect(proposed.statusCode, proposed.body).toBe(201);
  const d = proposed.json();
  for (const [step, time] of [
    ['accept', '12:00:00'],
    ['start', '13:00:00'],
  ] as const) {
    const res = await clerk.post(`/v1/diversions/${d.id}/${step}`, { occurredAt: at(intakeOn, time) });
    expect(res.statusCode, res.body).toBe(200);
  }
  const done = await clerk.post(`/v1/diversion-conditions/${d.conditions[0].id}/done`, {
    occurredAt: at(plusDays(intakeOn, 10)),
  });
  expect(done.statusCode, done.body).toBe(200);
  const completed = await clerk.post(`/v1/diversions/${d.id}/complete`, { occurredAt: at(closedOn) });
  expect(completed.statusCode, completed.body).toBe(200);
  return kase;
}

/** Referral -> hearing held -> disposition `outcome` -> closed on `closedOn`. */
async function decidedCase(clerk: Client, closedOn: string, outcome: string, personId?: string) {
  const intakeOn = plusDays(closedOn, -40);
  const kase = await openCase(clerk, intakeOn, personId);
  const hearingOn = plusDays(intakeOn, 5);
  const hearing = await clerk.post(`/v1/cases/${kase.id}/hearings`, {
    scheduledAt: at(hearingOn),
    listedAt: at(intakeOn, '10:00:00'),
    purpose: 'first appearance',
  });
  expect(hearing.statusCode, hearing.body).toBe(201);
  const held = await clerk.post(`/v1/hearings/${hearing.json().id}/hold`, {
    heldAt: at(hearingOn),
    outcome: 'Heard',
    attendees: ['child'],
    childFriendlyCourtroom: true,
  });
  expect(held.statusCode, held.body).toBe(200);
  const disposed = await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
    outcome,
    decidedAt: at(hearingOn, '11:00:00'),
    hearingId: hearing.json().id,
  });
  expect(disposed.statusCode, disposed.body).toBe(201);
  await close(clerk, kase.id, closedOn, outcome);
  return kase;
}

async function close(clerk: Client, caseId: string, closedOn: string, reason: string) {
  const res = await clerk.post(`/v1/cases/${caseId}/close`, { reason, occurredAt: at(closedOn) });
  expect(res.statusCode, res.body).toBe(200);
}

type Eligible = {
  caseId: string;
  outcome: string | null;
  eligibleSince: string;
  rules: { rule: string; eligibleSince: string }[];
};

/** Every page of the list (limit 2, so pagination is exercised). */
async function eligible(client: Client, query = ''): Promise<Eligible[]> {
  const out: Eligible[] = [];
  let cursor: string | null = null;
  do {
    const res = await client.get(
      `/v1/sealing/eligible?limit=2${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    out.push(...res.json().items);
    cursor = res.json().nextCursor;
  } while (cursor);
  return out;
}

describe('sealing eligibility', () => {
  it('lists each rule at its boundary, only for the court that owns the cases, audited; sealing stays a decision', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const judge = await h.as({ sub: uid('judge'), roles: ['judge'], org: court });
    const otherCourt = await createOrg(h, 'court');
    const otherClerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: otherCourt });
    const today = await day('');
    const twelveMonthsAgo = await day("- interval '12 months'");

    // diverted_or_dismissed, 12 months:
    // A: diverted, closed exactly 12 months ago today -> eligible since today (boundary included).
    const a = await divertedCase(clerk, twelveMonthsAgo);
    // B: diverted, closed 12 months ago tomorrow -> not yet (eligible tomorrow).
    const b = await divertedCase(clerk, plusDays(twelveMonthsAgo, 1));
    // C: dismissed at a hearing, closed 15 months ago -> eligible since 3 months ago.
    const fifteenMonthsAgo = await day("- interval '15 months'");
    const c = await decidedCase(clerk, fifteenMonthsAgo, 'dismissed');
    // D: dismissed 15 months ago, but the child has a new case opened 2 months ago -> not eligible.
    const d = await decidedCase(clerk, fifteenMonthsAgo, 'dismissed');
    await openCase(clerk, await day("- interval '2 months'"), d.personId);
    // E: probation, closed 15 months ago: neither diverted nor dismissed -> not eligible.
    const e = await decidedCase(clerk, fifteenMonthsAgo, 'probation');
    // F: another court's diverted case, closed 15 months ago: eligible, but only for that court.
    const f = await divertedCase(otherClerk, fifteenMonthsAgo);

    // adult_record, 3 years past 18:
    // G: a young person who turned 21 today; their one case (closed, withdrawn) -> eligible since today.
    const dobG = minusYears(today, 21);
    const g = await openCase(
      clerk,
      minusYears(today, 5),
      (await createPerson(clerk, { dateOfBirth: dobG })).id,
    );
    await close(clerk, g.id, plusDays(minusYears(today, 5), 30), 'withdrawn');
    // H: turns 21 tomorrow -> not yet.
    const dobH = plusDays(minusYears(today, 21), 1);
    const hCase = await openCase(
      clerk,
      minusYears(today, 5),
      (await createPerson(clerk, { dateOfBirth: dobH })).id,
    );
    await close(clerk, hCase.id, plusDays(minusYears(today, 5), 30), 'withdrawn');
    // I: 25 years old, one case closed, another still open -> neither of them.
    const personI = await createPerson(clerk, { dateOfBirth: minusYears(today, 25) });
    const i1 = await openCase(clerk, minusYears(today, 9), personI.id);
    await close(clerk, i1.id, plusDays(minusYears(today, 9), 30), 'withdrawn');
    const i2 = await openCase(clerk, plusDays(minusYears(today, 8), 10), personI.id);
    // J: both rules: 23 years old, diverted 5 years ago -> both listed, eligible since the earlier.
    const personJ = await createPerson(clerk, { dateOfBirth: minusYears(today, 23) });
    const jClosedOn = minusYears(today, 5);
    const j = await divertedCase(clerk, jClosedOn, personJ.id);

    const list = await eligible(clerk);
    const byCase = new Map(list.map((x) => [x.caseId, x]));
    expect([...byCase.keys()].sort()).toEqual([a.id, c.id, g.id, j.id].sort());
    expect(byCase.get(a.id)).toMatchObject({
      outcome: 'diverted',
      eligibleSince: today,
      rules: [{ rule: 'diverted_or_dismissed', eligibleSince: today }],
    });
    expect(byCase.get(c.id)).toMatchObject({
      outcome: 'dismissed',
      eligibleSince: await day("- interval '3 months'"),
      rules: [{ rule: 'diverted_or_dismissed' }],
    });
    expect(byCase.get(g.id)).toMatchObject({
      outcome: null,
      eligibleSince: today,
      rules: [{ rule: 'adult_record', eligibleSince: today }],
    });
    const jDiverted = await day(`- interval '5 years' + interval '12 months'`);
    expect(byCase.get(j.id)).toMatchObject({
      outcome: 'diverted',
      eligibleSince: jDiverted,
      rules: [
        { rule: 'diverted_or_dismissed', eligibleSince: jDiverted },
        { rule: 'adult_record', eligibleSince: plusDays(minusYears(today, 2), 0) },
      ],
    });
    // Earliest eligible first.
    expect(list.map((x) => x.eligibleSince)).toEqual([...list.map((x) => x.eligibleSince)].sort());
    for (const absent of [b, d, e, f, hCase, i1, i2]) expect(byCase.has(absent.id)).toBe(false);

    // A filter by rule.
    expect((await eligible(clerk, '&rule=adult_record')).map((x) => x.caseId).sort()).toEqual(
      [g.id, j.id].sort(),
    );
    // The judge of the court sees the same list; the other court sees only its own case.
    expect((await eligible(judge)).map((x) => x.caseId).sort()).toEqual([...byCase.keys()].sort());
    expect((await eligible(otherClerk)).map((x) => x.caseId)).toEqual([f.id]);

    // Reading the list is audited (one search row, naming no case); other roles are refused and audited.
    const read = await clerk.get('/v1/sealing/eligible');
    const rows = await auditOf(h, read);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'search',
      resource_type: 'sealing_eligibility',
      outcome: 'allowed',
      case_id: null,
      actor_org: court,
    });
    for (const roles of [['prosecutor'], ['analyst'], ['legal_aid_lawyer'], ['auditor']]) {
      const other = await h.as({ sub: uid('x'), roles, org: court });
      await expectAudited(h, await other.get('/v1/sealing/eligible'), 403, 1);
    }
    await expectAudited(h, await clerk.get('/v1/sealing/eligible?cursor=bm90LWEtY3Vyc29y'), 400, 0);

    // Listing sealed nothing: the decision is the clerk's, one case at a time, under a court order.
    const sealedSoFar = rowsOf<{ n: number }>(
      await h.testDb.database.db.execute(
        sql`select count(*)::int as n from cases where court_org_id = ${court} and sealed_at is not null`,
      ),
    );
    expect(sealedSoFar[0].n).toBe(0);
    const sealed = await clerk.post(`/v1/cases/${a.id}/seal`, { orderReference: uid('order') });
    await expectAudited(h, sealed, 200, 1);
    const after = await eligible(clerk);
    expect(after.map((x) => x.caseId)).not.toContain(a.id);
    expect(after).toHaveLength(3);
  });

  it('follows the configured limits; 0 turns a rule off', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const sixMonthsAgo = await day("- interval '6 months'");
    const diverted = await divertedCase(clerk, sixMonthsAgo);
    expect((await eligible(clerk)).map((x) => x.caseId)).toEqual([]);

    // The same database under other settings: 6 months makes it eligible today; 0 turns the rule off.
    const configs = [
      { SEALING_DIVERTED_DISMISSED_MONTHS: 6, expect: [diverted.id] },
      { SEALING_DIVERTED_DISMISSED_MONTHS: 0, expect: [] },
    ];
    for (const c of configs) {
      const app = await buildApp(
        { ...h.config, SEALING_DIVERTED_DISMISSED_MONTHS: c.SEALING_DIVERTED_DISMISSED_MONTHS },
        { database: h.testDb.database },
      );
      await app.ready();
      try {
        const res = await app.inject({
          method: 'GET',
          url: '/v1/sealing/eligible',
          headers: { authorization: `Bearer ${clerk.token}` },
        });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().items.map((x: Eligible) => x.caseId)).toEqual(c.expect);
        const rule = res.json().rules.find((r: { rule: string }) => r.rule === 'diverted_or_dismissed');
        expect(rule.enabled).toBe(c.SEALING_DIVERTED_DISMISSED_MONTHS > 0);
        if (c.expect.length) expect(res.json().items[0].eligibleSince).toBe(await day(''));
      } finally {
        await app.close();
      }
    }
  });
});
