import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { type Harness, createHarness, json, uid } from './helpers/app.js';
import { auditOf, createStaff, expectAudited } from './helpers/case-path.js';
import { caseBody, courtWithCase, createCase, createOrg, createPerson } from './helpers/factories.js';

/** Capability 7 of issue 14: corrections with If-Match, kept in a history that does not leak. */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const query = async <T = Record<string, any>>(text: string) =>
  rowsOf<T>(await h.testDb.database.db.execute(sql.raw(text)));
const MERGE = { 'content-type': 'application/merge-patch+json' };

describe('PATCH /v1/cases/{id}', () => {
  it('corrects intake data under If-Match, keeps the previous values in the history, the timeline and the audit trail', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const read = await clerk.get(`/v1/cases/${kase.id}`);
    const etag = String(read.headers.etag);
    const reason = uid('Typo in the police report');
    const res = await clerk.patch(
      `/v1/cases/${kase.id}`,
      { reason, agency: 'Police South', location: null, detained: false },
      { ...MERGE, 'if-match': etag },
    );
    const body = await expectAudited(h, res, 200, 1);
    expect(body).toMatchObject({ agency: 'Police South', location: null, detained: false });
    expect(res.headers.etag).not.toBe(etag);
    expect(res.headers.etag).toBe(`"${Number(etag.replace(/"/g, '')) + 1}"`);
    const [row] = await auditOf(h, res);
    expect(row).toMatchObject({ action: 'update', resource_type: 'case', case_id: kase.id });
    expect(row.reason).toContain('agency');

    const history = json(await clerk.get(`/v1/cases/${kase.id}/corrections`));
    expect(history.items).toHaveLength(3);
    expect(history.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          field: 'agency',
          oldValue: 'Police North',
          newValue: 'Police South',
          reason,
        }),
        expect.objectContaining({ field: 'location', oldValue: 'Market street', newValue: null }),
        expect.objectContaining({ field: 'detained', oldValue: true, newValue: false }),
      ]),
    );
    // The history rows name the request, so the audit row and the values can be joined.
    const stored = await query(`SELECT DISTINCT request_id FROM corrections WHERE case_id = '${kase.id}'`);
    expect(stored).toEqual([{ request_id: row.request_id }]);

    const timeline = json(await clerk.get(`/v1/cases/${kase.id}/timeline`));
    const entry = timeline.items.find((e: any) => e.kind === 'case_corrected');
    expect(entry.summary).toBe('Corrected: agency, location, detained');
    expect(entry.summary).not.toContain('Police');

    // Plain JSON is accepted as a merge patch too.
    const again = await clerk.patch(
      `/v1/cases/${kase.id}`,
      { reason, location: 'Station square' },
      { 'if-match': String(res.headers.etag) },
    );
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().location).toBe('Station square');
  });

  it('answers 428 without If-Match and 412 with a stale one, changes nothing, and audits the refusal', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const missing = await clerk.patch(`/v1/cases/${kase.id}`, { reason: 'r', agency: 'X' }, MERGE);
    expect((await expectAudited(h, missing, 428, 1)).status).toBe(428);
    const stale = await clerk.patch(
      `/v1/cases/${kase.id}`,
      { reason: 'r', agency: 'X' },
      { ...MERGE, 'if-match': '"999"' },
    );
    await expectAudited(h, stale, 412, 1);
    expect(json(await clerk.get(`/v1/cases/${kase.id}`)).agency).toBe('Police North');
    expect(await query(`SELECT id FROM corrections WHERE case_id = '${kase.id}'`)).toEqual([]);
  });

  it('lets one of two corrections of the same version win; the other gets 412', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const etag = String((await clerk.get(`/v1/cases/${kase.id}`)).headers.etag);
    const results = await Promise.all(
      ['Police A', 'Police B'].map((agency) =>
        clerk.patch(`/v1/cases/${kase.id}`, { reason: 'race', agency }, { ...MERGE, 'if-match': etag }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 412]);
    const history = await query(`SELECT field FROM corrections WHERE case_id = '${kase.id}'`);
    expect(history).toHaveLength(1);
  });

  it('refuses fields the role may not set (422), other roles (403) and unrelated courts (404)', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const etag = String((await clerk.get(`/v1/cases/${kase.id}`)).headers.etag);
    for (const body of [
      { reason: 'r', stage: 'closed' },
      { reason: 'r', courtOrgId: 'court-x' },
      { reason: 'r', sealedAt: '2026-01-01T00:00:00Z' },
    ]) {
      const res = await clerk.patch(`/v1/cases/${kase.id}`, body, { ...MERGE, 'if-match': etag });
      expect(res.statusCode, res.body).toBe(422);
    }
    const empty = await clerk.patch(`/v1/cases/${kase.id}`, { reason: 'r' }, { ...MERGE, 'if-match': etag });
    expect(empty.statusCode).toBe(422);
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const assignment = json(
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub }),
    );
    await lawyer.post(`/v1/legal-aid/assignments/${assignment.id}/accept`, {});
    await expectAudited(
      h,
      await lawyer.patch(
        `/v1/cases/${kase.id}`,
        { reason: 'r', agency: 'X' },
        { ...MERGE, 'if-match': etag },
      ),
      403,
      1,
    );
    const other = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: await createOrg(h, 'court') });
    await expectAudited(
      h,
      await other.patch(`/v1/cases/${kase.id}`, { reason: 'r', agency: 'X' }, { ...MERGE, 'if-match': etag }),
      404,
      1,
    );
    // The history is as invisible to the other court as the case.
    await expectAudited(h, await other.get(`/v1/cases/${kase.id}/corrections`), 404, 1);
    expect((await clerk.get(`/v1/cases/${kase.id}`)).headers.etag).toBe(etag);
  });

  it('adds, amends and withdraws charges; a withdrawn charge is no longer decided', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const first = kase.charges[0].id;
    const added = crypto.randomUUID();
    let etag = String((await clerk.get(`/v1/cases/${kase.id}`)).headers.etag);
    const res = await clerk.patch(
      `/v1/cases/${kase.id}`,
      {
        reason: 'Prosecutor amended the charge sheet',
        charges: {
          [first]: { description: 'Attempted theft' },
          [added]: { code: 'PC-9', description: 'Vandalism' },
        },
      },
      { ...MERGE, 'if-match': etag },
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().charges).toEqual([
      { id: first, code: 'PC-1', description: 'Attempted theft', withdrawnAt: null },
      { id: added, code: 'PC-9', description: 'Vandalism', withdrawnAt: null },
    ]);
    etag = String(res.headers.etag);
    // Withdrawing every charge is refused: the case would have nothing to decide.
    const all = await clerk.patch(
      `/v1/cases/${kase.id}`,
      { reason: 'r', charges: { [first]: null, [added]: null } },
      { ...MERGE, 'if-match': etag },
    );
    expect(all.statusCode).toBe(422);
    const withdrawn = await clerk.patch(
      `/v1/cases/${kase.id}`,
      { reason: 'Charge dropped by the prosecutor', charges: { [added]: null } },
      { ...MERGE, 'if-match': etag },
    );
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    expect(withdrawn.json().charges[1].withdrawnAt).not.toBeNull();
    // A withdrawn charge cannot be amended, nor named in a disposition.
    const amend = await clerk.patch(
      `/v1/cases/${kase.id}`,
      { reason: 'r', charges: { [added]: { description: 'x' } } },
      { ...MERGE, 'if-match': String(withdrawn.headers.etag) },
    );
    expect(amend.statusCode).toBe(422);
    const disposition = await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
      outcome: 'warning',
      decidedAt: new Date().toISOString(),
      chargeOutcomes: [{ chargeId: added, outcome: 'dismissed' }],
    });
    expect(disposition.statusCode, disposition.body).toBe(422);

    const history = json(await clerk.get(`/v1/cases/${kase.id}/corrections`)).items;
    expect(history.map((c: any) => [c.field, c.oldValue, c.newValue])).toEqual(
      expect.arrayContaining([
        [`charges.${first}.description`, 'Theft', 'Attempted theft'],
        [`charges.${added}`, null, { code: 'PC-9', description: 'Vandalism' }],
      ]),
    );
    // Oldest first: the withdrawal, a later request, comes last.
    expect(history).toHaveLength(3);
    expect(history[2]).toMatchObject({
      field: `charges.${added}`,
      oldValue: { code: 'PC-9', description: 'Vandalism' },
      newValue: null,
      reason: 'Charge dropped by the prosecutor',
    });
  });

  it('recomputes the age at the offence, and refuses one outside the jurisdiction or dates that cannot be true', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const etag = String((await clerk.get(`/v1/cases/${kase.id}`)).headers.etag);
    const tooYoung = await clerk.patch(
      `/v1/cases/${kase.id}`,
      { reason: 'r', offenceDate: '2023-11-01T10:00:00Z' },
      { ...MERGE, 'if-match': etag },
    );
    expect(tooYoung.statusCode).toBe(422);
    expect(tooYoung.json().errors[0].path).toBe('body.offenceDate');
    const future = await clerk.patch(
      `/v1/cases/${kase.id}`,
      { reason: 'r', intakeAt: new Date(Date.now() + 3 * 86_400_000).toISOString() },
      { ...MERGE, 'if-match': etag },
    );
    expect(future.statusCode).toBe(422);
    const afterIntake = await clerk.patch(
      `/v1/cases/${kase.id}`,
      { reason: 'r', offenceDate: '2026-11-02T10:00:00Z' },
      { ...MERGE, 'if-match': etag },
    );
    expect(afterIntake.statusCode).toBe(422);
    const ok = await clerk.patch(
      `/v1/cases/${kase.id}`,
      { reason: 'r', offenceDate: '2024-06-01T10:00:00Z' },
      { ...MERGE, 'if-match': etag },
    );
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().ageAtOffence).toBe(14);
  });

  it('corrects a sealed case only for the sealing court naming its order', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const orderReference = uid('SEAL');
    expect((await clerk.post(`/v1/cases/${kase.id}/seal`, { orderReference })).statusCode).toBe(200);
    const body = { reason: 'Corrected under the sealing order', agency: 'Police East' };
    await expectAudited(
      h,
      await clerk.patch(`/v1/cases/${kase.id}`, body, { ...MERGE, 'if-match': '*' }),
      404,
      1,
    );
    const read = await clerk.get(`/v1/cases/${kase.id}`, { 'court-order-reference': orderReference });
    const res = await clerk.patch(`/v1/cases/${kase.id}`, body, {
      ...MERGE,
      'if-match': String(read.headers.etag),
      'court-order-reference': orderReference,
    });
    expect((await expectAudited(h, res, 200, 1)).agency).toBe('Police East');
    expect((await auditOf(h, res))[0]).toMatchObject({
      basis_type: 'sealing_order',
      basis_id: orderReference,
    });
    await expectAudited(h, await clerk.get(`/v1/cases/${kase.id}/corrections`), 404, 1);
  });
});

describe('PATCH /v1/persons/{id}', () => {
  it("corrects the child's details, shows the history to those who see the child, and follows the date of birth into the cases", async () => {
    const { clerk, kase, person } = await courtWithCase(h);
    const read = await clerk.get(`/v1/persons/${person.id}`);
    const res = await clerk.patch(
      `/v1/persons/${person.id}`,
      { reason: 'Birth certificate produced', givenName: 'Aynur', dateOfBirth: '2011-05-01' },
      { ...MERGE, 'if-match': String(read.headers.etag) },
    );
    expect((await expectAudited(h, res, 200, 1)).givenName).toBe('Aynur');
    expect(json(await clerk.get(`/v1/cases/${kase.id}`)).ageAtOffence).toBe(15);
    const history = json(await clerk.get(`/v1/persons/${person.id}/corrections`)).items;
    expect(history.map((c: any) => [c.field, c.oldValue, c.newValue])).toEqual(
      expect.arrayContaining([
        ['givenName', person.givenName, 'Aynur'],
        ['dateOfBirth', '2010-05-01', '2011-05-01'],
      ]),
    );
    const timeline = json(await clerk.get(`/v1/cases/${kase.id}/timeline`)).items;
    expect(timeline.find((e: any) => e.kind === 'child_corrected').summary).toBe(
      "Child's details corrected: givenName, dateOfBirth",
    );
    // An accepted lawyer sees the child, so the history; a stranger does not.
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const assignment = json(
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub }),
    );
    await lawyer.post(`/v1/legal-aid/assignments/${assignment.id}/accept`, {});
    expect(json(await lawyer.get(`/v1/persons/${person.id}/corrections`)).items).toHaveLength(2);
    const stranger = await createStaff(h, 'legal_aid_lawyer');
    await expectAudited(h, await stranger.get(`/v1/persons/${person.id}/corrections`), 404, 1);
    // A date of birth that takes an offence out of the jurisdiction is refused, nothing changed.
    const out = await clerk.patch(
      `/v1/persons/${person.id}`,
      { reason: 'r', dateOfBirth: '2014-01-01' },
      { ...MERGE, 'if-match': String(res.headers.etag) },
    );
    expect(out.statusCode).toBe(422);
    expect(out.json().errors[0].path).toBe('body.dateOfBirth');
    expect(json(await clerk.get(`/v1/persons/${person.id}`)).dateOfBirth).toBe('2011-05-01');
  });

  it('refuses fields that are not correctable (422) and a missing If-Match (428)', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const etag = String((await clerk.get(`/v1/persons/${person.id}`)).headers.etag);
    for (const body of [
      { reason: 'r', createdByOrg: 'x' },
      { reason: 'r', expungedAt: null },
      { reason: 'r', id: crypto.randomUUID() },
    ]) {
      expect(
        (await clerk.patch(`/v1/persons/${person.id}`, body, { ...MERGE, 'if-match': etag })).statusCode,
      ).toBe(422);
    }
    await expectAudited(
      h,
      await clerk.patch(`/v1/persons/${person.id}`, { reason: 'r', sex: 'male' }, MERGE),
      428,
      1,
    );
  });
});

describe('expungement erases the correction history', () => {
  it('leaves no corrected value or reason in any table', async () => {
    const { clerk, kase, person } = await courtWithCase(h);
    const oldLocation = uid('Location');
    const newLocation = uid('Location');
    const reason = uid('Reason');
    const newName = uid('Corrected');
    let etag = String((await clerk.get(`/v1/cases/${kase.id}`)).headers.etag);
    let res = await clerk.patch(
      `/v1/cases/${kase.id}`,
      { reason, location: oldLocation },
      { ...MERGE, 'if-match': etag },
    );
    etag = String(res.headers.etag);
    res = await clerk.patch(
      `/v1/cases/${kase.id}`,
      { reason, location: newLocation },
      { ...MERGE, 'if-match': etag },
    );
    expect(res.statusCode).toBe(200);
    const pEtag = String((await clerk.get(`/v1/persons/${person.id}`)).headers.etag);
    res = await clerk.patch(
      `/v1/persons/${person.id}`,
      { reason, familyName: newName },
      { ...MERGE, 'if-match': pEtag },
    );
    expect(res.statusCode).toBe(200);
    const done = await clerk.post(`/v1/cases/${kase.id}/expunge`, { orderReference: uid('EXP') });
    expect(done.json()).toMatchObject({ personErased: true });
    const columns = await query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')`,
    );
    const found: string[] = [];
    for (const { table_name, column_name } of columns) {
      for (const needle of [oldLocation, newLocation, reason, newName, person.familyName]) {
        const [row] = await query<{ n: number }>(
          `SELECT count(*)::int AS n FROM "${table_name}" WHERE "${column_name}"::text LIKE '%${needle}%'`,
        );
        if (row.n > 0) found.push(`${table_name}.${column_name}: ${needle}`);
      }
    }
    expect(found).toEqual([]);
    // The history keeps which field changed and when.
    const kept = await query(
      `SELECT field FROM corrections WHERE person_id = '${person.id}' ORDER BY corrected_at`,
    );
    expect(kept.map((r) => r.field)).toEqual(['location', 'location', 'familyName']);
  });

  it('keeps the values of a case that was not expunged', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const a = await createCase(clerk, person.id);
    const b = await createCase(clerk, person.id, caseBody(person.id, { agency: 'Police West' }));
    const etag = String((await clerk.get(`/v1/cases/${a.id}`)).headers.etag);
    const res = await clerk.patch(
      `/v1/cases/${a.id}`,
      { reason: 'kept', agency: 'Police East' },
      { ...MERGE, 'if-match': etag },
    );
    expect(res.statusCode).toBe(200);
    expect(
      (await clerk.post(`/v1/cases/${b.id}/expunge`, { orderReference: uid('EXP') })).json(),
    ).toMatchObject({
      personErased: false,
    });
    expect(json(await clerk.get(`/v1/cases/${a.id}/corrections`)).items[0]).toMatchObject({
      oldValue: 'Police North',
      newValue: 'Police East',
      reason: 'kept',
    });
  });
});
