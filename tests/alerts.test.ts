import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { auditOf, createStaff, expectAudited } from './helpers/case-path.js';
import { type FeedEvent, readFeed } from './helpers/events.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

/**
 * Deadline alerts (issue 11). The clock is controlled by the data, never by sleeping: each test
 * records the situation with times in the past (arrest, detention, listing and hearing dates,
 * assignment, proposal, contact...), through the commands' own time fields, and the alerts are
 * evaluated at the database clock. One situation no command can create is a guardian's consent for
 * a child who has since come of age (a guardian may consent only for a minor, at the server clock):
 * that test moves the date of birth on the test database with SQL, and says so.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ LOG_LEVEL: 'error' });
});
afterAll(async () => h?.close());

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const dateAgo = (ms: number) => ago(ms).slice(0, 10);

/** Runs SQL on the test database: only for what no command can record (see above). */
const backdate = (query: ReturnType<typeof sql>) => h.testDb.database.db.execute(query);

/** The alerts `client` sees on one case, as "rule" strings. */
async function rulesOn(client: Client, caseId: string): Promise<string[]> {
  const res = await client.get(`/v1/alerts?caseId=${caseId}&limit=100`);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().items as { rule: string }[]).map((a) => a.rule).sort();
}
async function alertOn(client: Client, caseId: string, rule: string) {
  const res = await client.get(`/v1/alerts?caseId=${caseId}&rule=${rule}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items[0] as Record<string, any> | undefined;
}

/** A court with its clerk and judge, a prosecution office, and a clerk of another court. */
async function jurisdiction() {
  const court = await createOrg(h, 'court');
  const prosecution = await createOrg(h, 'prosecution');
  const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
  const judge = await h.as({ sub: uid('judge'), roles: ['judge'], org: court });
  const prosecutor = await h.as({ sub: uid('prosecutor'), roles: ['prosecutor'], org: prosecution });
  const otherCourt = await createOrg(h, 'court');
  const otherClerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: otherCourt });
  return { court, prosecution, clerk, judge, prosecutor, otherClerk };
}

/** A case opened `hoursAgo` ago; the child is 16 at the offence. */
async function caseAt(
  clerk: Client,
  hoursAgo: number,
  overrides: Record<string, unknown> = {},
): Promise<Record<string, any>> {
  const person = await createPerson(clerk, { dateOfBirth: dateAgo(16.5 * 365 * DAY) });
  return createCase(clerk, person.id, {
    offenceDate: ago((hoursAgo + 2) * HOUR),
    intakeAt: ago(hoursAgo * HOUR),
    guardiansNotifiedAt: ago((hoursAgo - 0.5) * HOUR),
    ...overrides,
  });
}

/** A held hearing (so the case moves on); the time is in the past. */
async function holdHearing(clerk: Client, caseId: string, at: string) {
  const listedAt = new Date(new Date(at).getTime() - HOUR).toISOString();
  const hearing = (
    await clerk.post(`/v1/cases/${caseId}/hearings`, {
      scheduledAt: at,
      listedAt,
      purpose: 'first appearance',
    })
  ).json();
  const held = await clerk.post(`/v1/hearings/${hearing.id}/hold`, {
    heldAt: at,
    outcome: 'Heard',
    attendees: ['child'],
    childFriendlyCourtroom: true,
  });
  expect(held.statusCode, held.body).toBe(200);
  return hearing;
}

describe('deadline alerts', () => {
  it('detained without a first hearing: at arrest (police custody) and in pre-trial detention; court, prosecution office and lawyer only; clears when a hearing is held', async () => {
    const j = await jurisdiction();
    // Detained at arrest 30 h ago, past the 24 h limit; referred to the prosecution office.
    const late = await caseAt(j.clerk, 30, { detained: true, prosecutionOrgId: j.prosecution });
    // Detained at arrest 20 h ago: not yet.
    const early = await caseAt(j.clerk, 20, { detained: true });
    // A referral (not detained at intake) whose child entered pre-trial detention 26 h ago.
    const referral = await caseAt(j.clerk, 40, { detained: false, intakeKind: 'referral' });
    const episode = await j.clerk.post(`/v1/cases/${referral.id}/custody-episodes`, {
      kind: 'pre_trial',
      facility: 'North detention centre',
      startedAt: ago(26 * HOUR),
    });
    expect(episode.statusCode, episode.body).toBe(201);

    const alert = await alertOn(j.clerk, late.id, 'detained_without_first_hearing');
    expect(alert).toMatchObject({
      id: `detained_without_first_hearing:${late.id}:${late.id}`,
      severity: 'overdue',
      caseId: late.id,
      subjectType: 'case',
      subjectId: late.id,
      since: late.intakeAt,
      acknowledgement: null,
    });
    expect(new Date(alert!.dueAt).getTime() - new Date(late.intakeAt).getTime()).toBe(24 * HOUR);
    // About 6 h over the limit (the database clock and this process's clock are the same machine's).
    expect(alert!.overdueSeconds).toBeGreaterThan(5.9 * 3600);
    expect(alert!.overdueSeconds).toBeLessThan(6.5 * 3600);
    expect(await rulesOn(j.clerk, early.id)).not.toContain('detained_without_first_hearing');
    const fromEpisode = await alertOn(j.clerk, referral.id, 'detained_without_first_hearing');
    expect(fromEpisode?.since).toBe(episode.json().startedAt);

    // The right people: the owning court (clerk and judge), the prosecution office it is referred to.
    expect(await alertOn(j.judge, late.id, 'detained_without_first_hearing')).toBeDefined();
    expect(await alertOn(j.prosecutor, late.id, 'detained_without_first_hearing')).toBeDefined();
    expect(await rulesOn(j.prosecutor, referral.id)).toEqual([]);
    expect(await rulesOn(j.otherClerk, late.id)).toEqual([]);
    // Accepted legal aid relates the lawyer, who sees it then (and not before).
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    expect(await rulesOn(lawyer, late.id)).toEqual([]);
    const assignment = (
      await j.clerk.post(`/v1/cases/${late.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
    ).json();
    await lawyer.post(`/v1/legal-aid/assignments/${assignment.id}/accept`, {});
    expect(await rulesOn(lawyer, late.id)).toContain('detained_without_first_hearing');

    // Resolved: a hearing is held. The alert clears for everyone.
    await holdHearing(j.clerk, late.id, ago(1 * HOUR));
    expect(await rulesOn(j.clerk, late.id)).not.toContain('detained_without_first_hearing');
    expect(await rulesOn(lawyer, late.id)).not.toContain('detained_without_first_hearing');
    // Release from the episode clears the other one.
    await j.clerk.post(`/v1/custody-episodes/${episode.json().id}/end`, {
      releasedAt: ago(1 * HOUR),
      releaseReason: 'Released to the family',
    });
    expect(await rulesOn(j.clerk, referral.id)).not.toContain('detained_without_first_hearing');
  });

  it('legal aid not assigned after an arrest, then not accepted by the lawyer it is addressed to; each clears when done', async () => {
    const j = await jurisdiction();
    const kase = await caseAt(j.clerk, 30, { detained: false });
    const fresh = await caseAt(j.clerk, 10, { detained: false });
    const referral = await caseAt(j.clerk, 30, { detained: false, intakeKind: 'referral' });
    expect(await rulesOn(j.clerk, kase.id)).toEqual(['legal_aid_not_assigned']);
    expect(await rulesOn(j.clerk, fresh.id)).toEqual([]);
    expect(await rulesOn(j.clerk, referral.id)).toEqual([]);
    // A referral has no arrest clock, but a request for legal aid starts one.
    const requested = await j.clerk.post(`/v1/cases/${referral.id}/legal-aid-requests`, {
      source: 'child',
      requestedAt: ago(26 * HOUR),
    });
    expect(requested.statusCode, requested.body).toBe(201);
    const fromRequest = await alertOn(j.clerk, referral.id, 'legal_aid_not_assigned');
    expect(fromRequest?.since).toBe(requested.json().requestedAt);
    expect(await rulesOn(j.otherClerk, kase.id)).toEqual([]);
    // Only the court acts on this one: the prosecutor of an office it is not referred to sees nothing.
    expect(await rulesOn(j.prosecutor, kase.id)).toEqual([]);

    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const otherLawyer = await createStaff(h, 'legal_aid_lawyer', { org: lawyer.org });
    // Assigned now: the clock of acceptance starts, nothing is late.
    const fresh2 = await caseAt(j.clerk, 30, { detained: false });
    await j.clerk.post(`/v1/cases/${fresh2.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub });
    expect(await rulesOn(j.clerk, fresh2.id)).toEqual([]);
    // Assigned 28 h ago (2 h after the arrest): not accepted within 24 h.
    const assigned = await j.clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, {
      lawyerSub: lawyer.sub,
      assignedAt: ago(28 * HOUR),
    });
    expect(assigned.statusCode, assigned.body).toBe(201);
    expect(await rulesOn(j.clerk, kase.id)).toEqual(['legal_aid_not_accepted']);
    const forLawyer = await alertOn(lawyer, kase.id, 'legal_aid_not_accepted');
    expect(forLawyer).toMatchObject({ subjectType: 'legal_aid_assignment', subjectId: assigned.json().id });
    expect(await rulesOn(otherLawyer, kase.id)).toEqual([]);

    await lawyer.post(`/v1/legal-aid/assignments/${assigned.json().id}/accept`, {});
    expect(await rulesOn(j.clerk, kase.id)).toEqual([]);
    expect(await rulesOn(lawyer, kase.id)).toEqual([]);
  });

  it('pre-trial detention: a warning in the last days before the maximum, overdue beyond it; clears on release', async () => {
    const j = await jurisdiction();
    const long = await caseAt(j.clerk, 62 * 24, { detained: false, intakeKind: 'referral' });
    const nearing = await caseAt(j.clerk, 56 * 24, { detained: false, intakeKind: 'referral' });
    const shorter = await caseAt(j.clerk, 40 * 24, { detained: false, intakeKind: 'referral' });
    const start = async (caseId: string, daysAgo: number) => {
      const res = await j.clerk.post(`/v1/cases/${caseId}/custody-episodes`, {
        kind: 'pre_trial',
        facility: 'North detention centre',
        startedAt: ago(daysAgo * DAY),
      });
      expect(res.statusCode, res.body).toBe(201);
      // A hearing held long ago, so only the duration rules are in play.
      await holdHearing(j.clerk, caseId, ago((daysAgo - 1) * DAY));
      return res.json();
    };
    const e61 = await start(long.id, 61);
    await start(nearing.id, 55);
    await start(shorter.id, 30);

    expect(await rulesOn(j.clerk, long.id)).toEqual(['pre_trial_detention_exceeded']);
    expect(await rulesOn(j.clerk, nearing.id)).toEqual(['pre_trial_detention_ending']);
    expect(await rulesOn(j.clerk, shorter.id)).toEqual([]);
    const exceeded = await alertOn(j.clerk, long.id, 'pre_trial_detention_exceeded');
    expect(exceeded).toMatchObject({
      severity: 'overdue',
      subjectType: 'custody_episode',
      subjectId: e61.id,
    });
    expect(Math.round(exceeded!.overdueSeconds / 86400)).toBe(1);
    const warning = await alertOn(j.clerk, nearing.id, 'pre_trial_detention_ending');
    expect(warning!.severity).toBe('warning');
    // Five days left: negative "overdue".
    expect(Math.round(warning!.overdueSeconds / 86400)).toBe(-5);

    // Most urgent first: across the court's alerts, the exceeded one comes before the warning.
    const all = (await j.clerk.get('/v1/alerts?limit=100')).json().items as any[];
    const order = all.map((a) => a.rule);
    expect(order.indexOf('pre_trial_detention_exceeded')).toBeLessThan(
      order.indexOf('pre_trial_detention_ending'),
    );
    expect(all.map((a) => a.dueAt)).toEqual([...all.map((a) => a.dueAt)].sort());

    expect(await rulesOn(j.otherClerk, long.id)).toEqual([]);
    await j.clerk.post(`/v1/custody-episodes/${e61.id}/end`, {
      releasedAt: ago(HOUR),
      releaseReason: 'Released',
    });
    expect(await rulesOn(j.clerk, long.id)).toEqual([]);
  });

  it('supervision without contact and a violation without decision: officer and court; clear on contact and on revocation', async () => {
    const j = await jurisdiction();
    const kase = await caseAt(j.clerk, 60 * 24, { detained: false, intakeKind: 'referral' });
    const hearing = await holdHearing(j.clerk, kase.id, ago(50 * DAY));
    const disposition = await j.clerk.post(`/v1/cases/${kase.id}/dispositions`, {
      outcome: 'probation',
      decidedAt: ago(50 * DAY),
      hearingId: hearing.id,
      termMonths: 12,
    });
    expect(disposition.statusCode, disposition.body).toBe(201);
    const officer = await createStaff(h, 'probation_officer');
    const otherOfficer = await createStaff(h, 'probation_officer', { org: officer.org });
    const supervision = (
      await j.clerk.post(`/v1/cases/${kase.id}/supervisions`, {
        officerSub: officer.sub,
        startsOn: dateAgo(45 * DAY),
        endsOn: dateAgo(-300 * DAY),
      })
    ).json();

    // Started 45 days ago, no contact: 15 days over the 30-day limit.
    const noContact = await alertOn(officer, kase.id, 'supervision_without_contact');
    expect(noContact).toMatchObject({ subjectType: 'supervision', subjectId: supervision.id });
    // startsOn is a date (midnight UTC), so 15 whole days and part of a sixteenth.
    expect(Math.floor(noContact!.overdueSeconds / 86400)).toBe(15);
    expect(await alertOn(j.clerk, kase.id, 'supervision_without_contact')).toBeDefined();
    expect(await rulesOn(otherOfficer, kase.id)).toEqual([]);
    expect(await rulesOn(j.prosecutor, kase.id)).toEqual([]);

    // A contact 40 days ago moves the clock but is still too old; a recent one clears it.
    const oldContact = ago(40 * DAY);
    const contact = await officer.post(`/v1/supervisions/${supervision.id}/contacts`, {
      occurredAt: oldContact,
      kind: 'home_visit',
      notes: 'Met child',
    });
    expect(contact.statusCode, contact.body).toBe(201);
    expect((await alertOn(officer, kase.id, 'supervision_without_contact'))?.since).toBe(oldContact);
    await officer.post(`/v1/supervisions/${supervision.id}/contacts`, {
      occurredAt: ago(2 * DAY),
      kind: 'office_visit',
      notes: 'Weekly check-in',
    });
    expect(await rulesOn(officer, kase.id)).toEqual([]);

    // A violation 20 days ago, nothing decided: past the 14-day limit.
    const violation = (
      await officer.post(`/v1/supervisions/${supervision.id}/violations`, {
        occurredAt: ago(20 * DAY),
        notes: 'Curfew missed',
      })
    ).json();
    const undecided = await alertOn(j.clerk, kase.id, 'violation_without_decision');
    expect(undecided).toMatchObject({
      subjectType: 'supervision_entry',
      subjectId: violation.entry?.id ?? violation.id,
    });
    expect(await alertOn(officer, kase.id, 'violation_without_decision')).toBeDefined();
    expect(await rulesOn(j.otherClerk, kase.id)).toEqual([]);
    // The officer asks for revocation: the court has still to decide, so the alert stays.
    const requested = await officer.post(`/v1/supervisions/${supervision.id}/revocation-request`, {
      reason: 'Repeated violations',
    });
    expect(requested.statusCode, requested.body).toBe(200);
    expect(await rulesOn(j.clerk, kase.id)).toContain('violation_without_decision');
    const revoked = await j.clerk.post(`/v1/supervisions/${supervision.id}/revoke`, { reason: 'Granted' });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(await rulesOn(j.clerk, kase.id)).toEqual([]);
  });

  it('a hearing past its date with no outcome: court only (not the lawyer); clears when held', async () => {
    const j = await jurisdiction();
    const kase = await caseAt(j.clerk, 10 * 24, { detained: false, intakeKind: 'referral' });
    const hearing = (
      await j.clerk.post(`/v1/cases/${kase.id}/hearings`, {
        scheduledAt: ago(3 * DAY),
        listedAt: ago(9 * DAY),
        purpose: 'adjudication',
      })
    ).json();
    const recent = (
      await j.clerk.post(`/v1/cases/${kase.id}/hearings`, { scheduledAt: ago(1 * DAY), purpose: 'review' })
    ).json();
    const alerts = (await j.clerk.get(`/v1/alerts?caseId=${kase.id}`)).json().items as any[];
    expect(alerts.map((a) => [a.rule, a.subjectId])).toEqual([['hearing_without_outcome', hearing.id]]);
    expect(Math.round(alerts[0].overdueSeconds / 86400)).toBe(1);
    expect(await rulesOn(j.judge, kase.id)).toEqual(['hearing_without_outcome']);

    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const a = (
      await j.clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
    ).json();
    await lawyer.post(`/v1/legal-aid/assignments/${a.id}/accept`, {});
    // Related, but not one who can act on a hearing's outcome.
    expect(await rulesOn(lawyer, kase.id)).toEqual([]);

    const held = await j.clerk.post(`/v1/hearings/${hearing.id}/hold`, {
      heldAt: ago(3 * DAY),
      outcome: 'Facts established',
      attendees: ['child'],
      childFriendlyCourtroom: true,
    });
    expect(held.statusCode, held.body).toBe(200);
    expect(await rulesOn(j.clerk, kase.id)).toEqual([]);
    expect(recent.id).toBeDefined();
  });

  it('a diversion with no progress: court clerk and prosecution office; clears when it moves on', async () => {
    const j = await jurisdiction();
    const kase = await caseAt(j.clerk, 40 * 24, {
      detained: false,
      intakeKind: 'referral',
      prosecutionOrgId: j.prosecution,
    });
    const recent = await caseAt(j.clerk, 40 * 24, { detained: false, intakeKind: 'referral' });
    await j.clerk.post(`/v1/cases/${recent.id}/diversions`, {
      provider: 'Youth mediation',
      conditions: ['apologise'],
      occurredAt: ago(20 * DAY),
    });
    expect(await rulesOn(j.clerk, recent.id)).toEqual([]);
    // Offered 35 days ago, and nothing since.
    const diversion = (
      await j.clerk.post(`/v1/cases/${kase.id}/diversions`, {
        provider: 'Youth mediation',
        conditions: ['apologise'],
        occurredAt: ago(35 * DAY),
      })
    ).json();
    expect(await rulesOn(j.clerk, kase.id)).toEqual(['diversion_without_progress']);
    expect(await rulesOn(j.prosecutor, kase.id)).toEqual(['diversion_without_progress']);
    expect(await rulesOn(j.judge, kase.id)).toEqual([]);
    expect(await rulesOn(j.otherClerk, kase.id)).toEqual([]);

    const accepted = await j.clerk.post(`/v1/diversions/${diversion.id}/accept`, {});
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(await rulesOn(j.clerk, kase.id)).toEqual([]);
  });

  it("a guardian's consent due for re-affirmation at majority: court clerk and the assigned social worker; clears when revoked", async () => {
    const j = await jurisdiction();
    const person = await createPerson(j.clerk, { dateOfBirth: dateAgo(17.5 * 365 * DAY) });
    const kase = await createCase(j.clerk, person.id, {
      detained: false,
      intakeKind: 'referral',
      offenceDate: ago(30 * DAY),
      intakeAt: ago(29 * DAY),
      guardiansNotifiedAt: ago(29 * DAY),
    });
    const worker = await createStaff(h, 'social_worker');
    await j.clerk.post(`/v1/cases/${kase.id}/social-work-assignments`, { socialWorkerSub: worker.sub });
    const consent = await j.clerk.post(`/v1/persons/${person.id}/consents`, {
      grantor: { kind: 'guardian', name: 'A Guardian' },
      grantee: { type: 'role', value: 'social_worker' },
      categories: ['family_social'],
      purposes: ['social_services'],
      evidenceReference: uid('form'),
    });
    expect(consent.statusCode, consent.body).toBe(201);
    expect(await rulesOn(j.clerk, kase.id)).toEqual([]);

    // A guardian may consent only for a minor, and the service reads the age at the server clock:
    // the child comes of age by moving the date of birth back on the test database.
    const born = dateAgo(18 * 365 * DAY + 20 * DAY);
    await backdate(sql`update persons set date_of_birth = ${born}::date where id = ${person.id}`);
    const alert = await alertOn(j.clerk, kase.id, 'guardian_consent_reaffirmation');
    expect(alert).toMatchObject({ subjectType: 'consent', subjectId: consent.json().id });
    expect(alert!.since.slice(0, 10) >= born).toBe(true);
    expect(await alertOn(worker, kase.id, 'guardian_consent_reaffirmation')).toBeDefined();
    expect(await rulesOn(j.judge, kase.id)).toEqual([]);
    expect(await rulesOn(j.otherClerk, kase.id)).toEqual([]);

    const revoked = await j.clerk.post(`/v1/consents/${consent.json().id}/revoke`, {});
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(await rulesOn(j.clerk, kase.id)).toEqual([]);
  });
});

describe('acknowledging, summaries and who may ask', () => {
  it('acknowledges with a note (audited), only where the caller sees the alert; the next occurrence shows again', async () => {
    const j = await jurisdiction();
    const kase = await caseAt(j.clerk, 5 * 24, { detained: false, intakeKind: 'referral' });
    const hearing = (
      await j.clerk.post(`/v1/cases/${kase.id}/hearings`, {
        scheduledAt: ago(3 * DAY),
        listedAt: ago(4 * DAY),
        purpose: 'adjudication',
      })
    ).json();
    const id = `hearing_without_outcome:${kase.id}:${hearing.id}`;

    const denied = await j.otherClerk.post(`/v1/alerts/${id}/acknowledge`, { note: 'Not mine' });
    await expectAudited(h, denied, 404, 1);
    const invented = await j.clerk.post(
      `/v1/alerts/hearing_without_outcome:${kase.id}:${kase.id}/acknowledge`,
      {
        note: 'No such alert',
      },
    );
    await expectAudited(h, invented, 404, 1);
    await expectAudited(h, await j.clerk.post(`/v1/alerts/${id}/acknowledge`, {}), 400, 0, 'denied');

    const res = await j.clerk.post(`/v1/alerts/${id}/acknowledge`, { note: 'Judge ill; rescheduling' });
    const acked = await expectAudited(h, res, 201, 1);
    expect(acked).toMatchObject({
      id,
      acknowledgement: { role: 'court_clerk', note: 'Judge ill; rescheduling' },
    });
    const [row] = await auditOf(h, res);
    expect(row).toMatchObject({ action: 'create', resource_type: 'alert_acknowledgement', case_id: kase.id });
    expect(row.person_id).toBe(kase.personId);

    // Listed with its acknowledgement; filtered in or out.
    expect((await alertOn(j.judge, kase.id, 'hearing_without_outcome'))?.acknowledgement?.note).toBe(
      'Judge ill; rescheduling',
    );
    const open = (await j.clerk.get(`/v1/alerts?caseId=${kase.id}&acknowledged=false`)).json().items;
    expect(open).toEqual([]);
    const ackd = (await j.clerk.get(`/v1/alerts?caseId=${kase.id}&acknowledged=true`)).json().items;
    expect(ackd).toHaveLength(1);

    // Adjourned to a date that has also passed: a new hearing, a new occurrence, not acknowledged.
    const adjourned = await j.clerk.post(`/v1/hearings/${hearing.id}/adjourn`, {
      newScheduledAt: ago(2.5 * DAY),
      reason: 'Judge ill',
    });
    expect(adjourned.statusCode, adjourned.body).toBe(200);
    const next = (await j.clerk.get(`/v1/alerts?caseId=${kase.id}`)).json().items as any[];
    expect(next).toHaveLength(1);
    expect(next[0].subjectId).not.toBe(hearing.id);
    expect(next[0].acknowledgement).toBeNull();
  });

  it('the summary counts per rule for the caller’s court or office, with no case id', async () => {
    const j = await jurisdiction();
    await caseAt(j.clerk, 30, { detained: true, prosecutionOrgId: j.prosecution });
    await caseAt(j.clerk, 30, { detained: true });
    const res = await j.clerk.get('/v1/alerts/summary');
    const summary = await expectAudited(h, res, 200, 1);
    expect(summary.organization).toBe(j.court);
    const byRule = Object.fromEntries(summary.rules.map((r: any) => [r.rule, r]));
    expect(byRule.detained_without_first_hearing).toMatchObject({ open: 2, acknowledged: 0 });
    expect(byRule.legal_aid_not_assigned).toMatchObject({ open: 2 });
    expect(byRule.hearing_without_outcome).toMatchObject({ open: 0, oldestSince: null });
    expect(JSON.stringify(summary)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    // The prosecution office counts the one referred to it, on the rules it can act on.
    const pros = (await j.prosecutor.get('/v1/alerts/summary')).json();
    const prosByRule = Object.fromEntries(pros.rules.map((r: any) => [r.rule, r]));
    expect(prosByRule.detained_without_first_hearing.open).toBe(1);
    expect(prosByRule.legal_aid_not_assigned.open).toBe(0);
    // Another court: nothing of this one.
    const other = (await j.otherClerk.get('/v1/alerts/summary')).json();
    expect(other.rules.every((r: any) => r.open === 0)).toBe(true);
  });

  it('analysts, auditors, admins and partner systems get no alerts; a sealed case drops out', async () => {
    for (const roles of [['analyst'], ['auditor'], ['admin']]) {
      const c = await h.as({ sub: uid('x'), roles, org: 'oversight' });
      await expectAudited(h, await c.get('/v1/alerts'), 403, 1);
      await expectAudited(h, await c.get('/v1/alerts/summary'), 403, 1);
    }
    const partner = await h.as({
      sub: uid('p'),
      roles: ['partner_system'],
      org: 'police-1',
      scope: 'cases:read',
    });
    await expectAudited(h, await partner.get('/v1/alerts'), 403, 1);

    const j = await jurisdiction();
    const kase = await caseAt(j.clerk, 30, { detained: true });
    expect(await rulesOn(j.clerk, kase.id)).toContain('detained_without_first_hearing');
    const sealed = await j.clerk.post(`/v1/cases/${kase.id}/seal`, { orderReference: uid('order') });
    expect(sealed.statusCode, sealed.body).toBe(200);
    expect(await rulesOn(j.clerk, kase.id)).toEqual([]);
  });

  it('pages with a cursor in deadline order, and refuses a forged cursor', async () => {
    const j = await jurisdiction();
    for (let i = 0; i < 3; i++) await caseAt(j.clerk, 30 + i, { detained: true });
    const first = (await j.clerk.get('/v1/alerts?limit=4')).json();
    expect(first.items).toHaveLength(4);
    const second = (await j.clerk.get(`/v1/alerts?limit=4&cursor=${first.nextCursor}`)).json();
    expect(second.items).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items].map((a: any) => a.id);
    expect(new Set(ids).size).toBe(6);
    const forged = Buffer.from(JSON.stringify(['x', 'y', 'z', 'w'])).toString('base64url');
    const bad = await j.clerk.get(`/v1/alerts?cursor=${forged}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
  });

  it('raises and clears alerts as events on the feed, to those related to the case only', async () => {
    const j = await jurisdiction();
    const kase = await caseAt(j.clerk, 30, { detained: true });
    const id = `detained_without_first_hearing:${kase.id}:${kase.id}`;
    await h.app.alertWatcher.runNow();
    const raised = await readFeed(j.clerk, {
      types: 'alert.raised,alert.cleared',
      until: (e) => e.some((x) => x.resourceId === id),
    });
    const mine = raised.events.filter((e) => e.caseId === kase.id);
    expect(mine.map((e) => [e.type, e.resourceType, e.resourceId]).sort()).toEqual(
      [
        ['alert.raised', 'alert', id],
        ['alert.raised', 'alert', `legal_aid_not_assigned:${kase.id}:${kase.id}`],
      ].sort(),
    );
    // A second comparison with nothing changed writes nothing for this case.
    await h.app.alertWatcher.runNow();
    await holdHearing(j.clerk, kase.id, ago(HOUR));
    await h.app.alertWatcher.runNow();
    const after = await readFeed(j.clerk, {
      after: raised.cursor,
      types: 'alert.raised,alert.cleared',
      until: (e) => e.some((x) => x.type === 'alert.cleared' && x.resourceId === id),
    });
    expect(after.events.filter((e) => e.caseId === kase.id).map((e) => [e.type, e.resourceId])).toEqual([
      ['alert.cleared', id],
    ]);
    // Another court's clerk reads its feed and finds none of this case's events.
    const other = await readFeed(j.otherClerk, { types: 'alert.raised,alert.cleared' });
    expect(other.events.filter((e) => e.caseId === kase.id)).toEqual([]);
  });

  it("shows each alert rule's events only to the roles that can act on it, as GET /v1/alerts does", async () => {
    const j = await jurisdiction();
    // Detained at arrest 30 h ago, referred to the prosecution office, no lawyer yet: the court sees
    // detained_without_first_hearing and legal_aid_not_assigned; the prosecutor (related to the case)
    // may act on the first only. An assignment made 28 h ago and still waiting: the lawyer it is
    // addressed to (not yet related to the case) sees legal_aid_not_accepted, and nothing else.
    const kase = await caseAt(j.clerk, 30, { detained: true, prosecutionOrgId: j.prosecution });
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const second = await caseAt(j.clerk, 30, { detained: true, prosecutionOrgId: j.prosecution });
    const assigned = await j.clerk.post(`/v1/cases/${second.id}/legal-aid-assignments`, {
      lawyerSub: lawyer.sub,
      assignedAt: ago(28 * HOUR),
    });
    expect(assigned.statusCode, assigned.body).toBe(201);
    const ids = {
      hearing: `detained_without_first_hearing:${kase.id}:${kase.id}`,
      legalAid: `legal_aid_not_assigned:${kase.id}:${kase.id}`,
      hearing2: `detained_without_first_hearing:${second.id}:${second.id}`,
      notAccepted: `legal_aid_not_accepted:${second.id}:${assigned.json().id}`,
    };
    await h.app.alertWatcher.runNow();
    const ours = (events: FeedEvent[]) =>
      events.filter((e) => e.caseId === kase.id || e.caseId === second.id);
    const seen = async (client: Client, expected: string[]) => {
      const { events } = await readFeed(client, {
        types: 'alert.raised',
        until: (e) => expected.every((id) => e.some((x) => x.resourceId === id)),
      });
      return ours(events)
        .map((e) => e.resourceId)
        .sort();
    };
    expect(await seen(j.clerk, Object.values(ids))).toEqual(Object.values(ids).sort());
    // The prosecutor: only the detention rule (the court alone acts on legal aid).
    expect(await seen(j.prosecutor, [ids.hearing, ids.hearing2])).toEqual([ids.hearing, ids.hearing2].sort());
    // The GET /v1/alerts view agrees for the prosecutor.
    expect(await rulesOn(j.prosecutor, kase.id)).toEqual(['detained_without_first_hearing']);
    // The lawyer the assignment is addressed to: that alert only.
    expect(await seen(lawyer, [ids.notAccepted])).toEqual([ids.notAccepted]);
    // Once accepted, the lawyer is related to the case and can act on the detention rule: its events
    // (past ones included, as for every event of a case one becomes related to) show too.
    expect((await lawyer.post(`/v1/legal-aid/assignments/${assigned.json().id}/accept`, {})).statusCode).toBe(
      200,
    );
    expect(await seen(lawyer, [ids.notAccepted, ids.hearing2])).toEqual(
      [ids.hearing2, ids.notAccepted].sort(),
    );
    // A judge of the court sees the court's rules; another court's clerk none.
    expect(await seen(j.judge, Object.values(ids))).toEqual(Object.values(ids).sort());
    expect(ours((await readFeed(j.otherClerk, { types: 'alert.raised' })).events)).toEqual([]);
  });
});
