import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { auditOf, createStaff, expectAudited } from './helpers/case-path.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

/**
 * SPEC 4 through HTTP: a lawyer with an accepted assignment, a child's health record, and what
 * opens it (consent, court order, break-glass) or hides it again (revocation, expiry, sealing,
 * expungement). Every request is checked for its one audit row, with basis or reason.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

async function query<T = Record<string, any>>(text: string): Promise<T[]> {
  return rowsOf<T>(await h.testDb.database.db.execute(sql.raw(text)));
}

/** The one audit row a request left (fails when there is not exactly one). */
async function auditRow(res: LightMyRequestResponse) {
  const rows = await auditOf(h, res);
  expect(rows, res.body).toHaveLength(1);
  return rows[0];
}

/**
 * A 14-year-old child (so a guardian must consent) with a case, a lawyer who accepted the
 * assignment, and a health record filed by the clerk.
 */
async function lawyerWithHealthRecord(childOverrides: Record<string, unknown> = {}) {
  const guardian = uid('Guardian');
  const court = await createOrg(h, 'court');
  const clerk = Object.assign(await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court }), {
    org: court,
  });
  const person = await createPerson(clerk, {
    dateOfBirth: '2012-03-01',
    guardians: [{ name: guardian, relationship: 'mother' }],
    ...childOverrides,
  });
  const kase = await createCase(clerk, person.id, { location: uid('Location') });
  const lawyer = await createStaff(h, 'legal_aid_lawyer');
  const assigned = await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub });
  expect(assigned.statusCode, assigned.body).toBe(201);
  const accepted = await lawyer.post(`/v1/legal-aid/assignments/${assigned.json().id}/accept`, {});
  expect(accepted.statusCode, accepted.body).toBe(200);
  const content = uid('Diagnosis');
  const title = uid('Medical report');
  const created = await clerk.post(`/v1/cases/${kase.id}/records`, { category: 'health', title, content });
  expect(created.statusCode, created.body).toBe(201);
  return {
    court,
    clerk,
    person,
    kase,
    lawyer,
    assignmentId: assigned.json().id,
    record: created.json(),
    content,
    title,
    guardian,
    consentBody: (overrides: Record<string, unknown> = {}) => ({
      grantor: { kind: 'guardian', name: guardian },
      grantee: { type: 'role', value: 'legal_aid_lawyer' },
      categories: ['health'],
      purposes: ['legal_defence'],
      evidenceReference: uid('form'),
      ...overrides,
    }),
  };
}

/** Reads the record as `client` and says whether its content came back; checks the audit row. */
async function readsContent(
  client: { get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse> },
  recordId: string,
  content: string,
) {
  const res = await client.get(`/v1/records/${recordId}`);
  const body = await expectAudited(h, res, 200, 1);
  const row = await auditRow(res);
  if (body.withheld) {
    expect(body).not.toHaveProperty('content');
    expect(body).not.toHaveProperty('title');
    expect(body.categoriesWithheld).toEqual(['health']);
    expect(row).toMatchObject({ categories_withheld: ['health'], categories_disclosed: [] });
    expect(row.reason).toMatch(/no active consent, court order or break-glass for health/);
  } else {
    expect(body.content).toBe(content);
    expect(body.categoriesWithheld).toEqual([]);
    expect(row).toMatchObject({ categories_disclosed: ['health'], categories_withheld: [] });
    expect(row.basis_type).toMatch(/^(consent|court_order|break_glass)$/);
  }
  return { disclosed: !body.withheld, body, row };
}

describe('sensitive records and consent', () => {
  it('shows the lawyer the case but not the health record until the guardian consents; revocation hides it again', async () => {
    const { clerk, person, kase, lawyer, record, content, assignmentId, consentBody, guardian } =
      await lawyerWithHealthRecord();

    // Core case data: the relationship is enough.
    const caseRead = await lawyer.get(`/v1/cases/${kase.id}`);
    await expectAudited(h, caseRead, 200, 1);
    expect(await auditRow(caseRead)).toMatchObject({ basis_type: 'legal_aid', basis_id: assignmentId });

    // The health record: metadata only, and the audit row says what was withheld and why.
    const before = await readsContent(lawyer, record.id, content);
    expect(before.disclosed).toBe(false);
    expect(before.body).toMatchObject({ id: record.id, category: 'health', withheld: true });
    expect(before.row).toMatchObject({
      basis_type: 'legal_aid',
      purpose: 'legal_defence',
      break_glass: false,
    });

    const list = await lawyer.get(`/v1/cases/${kase.id}/records`);
    const page = await expectAudited(h, list, 200, 1);
    expect(page.categoriesWithheld).toEqual(['health']);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).not.toHaveProperty('content');
    expect(list.body).not.toContain(content);

    // The guardian consents for legal defence: the next read discloses it, naming the consent.
    const granted = await clerk.post(`/v1/persons/${person.id}/consents`, consentBody());
    const consent = await expectAudited(h, granted, 201, 1);
    expect(consent).toMatchObject({ status: 'active', grantorKind: 'guardian', grantorName: guardian });
    const after = await readsContent(lawyer, record.id, content);
    expect(after.disclosed).toBe(true);
    expect(after.row).toMatchObject({ basis_type: 'consent', basis_id: consent.id, break_glass: false });
    const listed = await expectAudited(h, await lawyer.get(`/v1/cases/${kase.id}/records`), 200, 1);
    expect(listed.items[0].content).toBe(content);

    // Revocation: the very next request is decided without it.
    const revoked = await clerk.post(`/v1/consents/${consent.id}/revoke`, {});
    expect((await expectAudited(h, revoked, 200, 1)).status).toBe('revoked');
    expect((await readsContent(lawyer, record.id, content)).disclosed).toBe(false);
    const again = await clerk.post(`/v1/consents/${consent.id}/revoke`, {});
    await expectAudited(h, again, 409, 1);
    expect((await auditRow(again)).reason).toBe('consent already revoked');
  });

  it('opens sensitive timeline events under the same consent, and only those of covered categories', async () => {
    const { clerk, person, kase, lawyer, consentBody } = await lawyerWithHealthRecord();
    await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/records`, {
        category: 'education',
        title: 'School',
        content: 'x',
      }),
      201,
      1,
    );
    const timeline = async () => {
      const res = await lawyer.get(`/v1/cases/${kase.id}/timeline`);
      const body = await expectAudited(h, res, 200, 1);
      const byCategory = Object.fromEntries(
        body.items.filter((e: any) => e.category).map((e: any) => [e.category, e]),
      );
      return { body, byCategory, row: await auditRow(res) };
    };
    const before = await timeline();
    expect(before.byCategory.health).toMatchObject({ withheld: true, summary: null });
    expect(before.body.withheldCategories).toEqual(['education', 'health']);
    expect(before.row.categories_withheld).toEqual(['education', 'health']);

    const consent = await expectAudited(
      h,
      await clerk.post(`/v1/persons/${person.id}/consents`, consentBody()),
      201,
      1,
    );
    const after = await timeline();
    expect(after.byCategory.health).toMatchObject({
      withheld: false,
      summary: expect.stringContaining('health'),
    });
    expect(after.byCategory.education).toMatchObject({ withheld: true, summary: null });
    expect(after.body.withheldCategories).toEqual(['education']);
    expect(after.row).toMatchObject({
      categories_disclosed: ['health'],
      categories_withheld: ['education'],
      basis_type: 'consent',
      basis_id: consent.id,
    });
  });

  it('lets a consent expire by itself', async () => {
    const { clerk, person, lawyer, record, content, consentBody } = await lawyerWithHealthRecord();
    const validUntil = new Date(Date.now() + 2_000).toISOString();
    const consent = await expectAudited(
      h,
      await clerk.post(`/v1/persons/${person.id}/consents`, consentBody({ validUntil })),
      201,
      1,
    );
    expect((await readsContent(lawyer, record.id, content)).disclosed).toBe(true);
    // Poll until the period has passed; no action is taken on the consent.
    const deadline = Date.now() + 20_000;
    while (Date.now() <= new Date(validUntil).getTime()) {
      if (Date.now() > deadline) throw new Error('clock did not pass validUntil');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await readsContent(lawyer, record.id, content)).disclosed).toBe(false);
    const listed = await expectAudited(h, await clerk.get(`/v1/persons/${person.id}/consents`), 200, 1);
    expect(listed.items.find((c: any) => c.id === consent.id).status).toBe('expired');
  });

  it('does not open the record with a consent for another purpose, category or grantee', async () => {
    const { clerk, person, lawyer, record, content, consentBody } = await lawyerWithHealthRecord();
    const otherLawyer = await createStaff(h, 'legal_aid_lawyer');
    for (const body of [
      consentBody({ purposes: ['court_proceeding'] }),
      consentBody({ categories: ['education'] }),
      consentBody({ grantee: { type: 'role', value: 'social_worker' } }),
      consentBody({ grantee: { type: 'person', value: otherLawyer.sub } }),
      consentBody({ grantee: { type: 'organization', value: otherLawyer.org } }),
    ]) {
      await expectAudited(h, await clerk.post(`/v1/persons/${person.id}/consents`, body), 201, 1);
    }
    expect((await readsContent(lawyer, record.id, content)).disclosed).toBe(false);
    // A grantee nobody knows is refused at once rather than recorded to open nothing.
    for (const grantee of [
      { type: 'person', value: uid('nobody') },
      { type: 'organization', value: uid('no-org') },
    ]) {
      const res = await clerk.post(`/v1/persons/${person.id}/consents`, consentBody({ grantee }));
      expect(res.statusCode, res.body).toBe(422);
    }

    // A lawyer may not claim the court's purpose to reach consents given for it.
    const claimed = await lawyer.get(`/v1/records/${record.id}`, { 'purpose-of-use': 'court_proceeding' });
    await expectAudited(h, claimed, 403, 1);
    expect((await auditRow(claimed)).reason).toMatch(/purpose court_proceeding not allowed/);

    // The lawyer's organisation, or the lawyer in person, is a grantee that does open it.
    const personal = await expectAudited(
      h,
      await clerk.post(
        `/v1/persons/${person.id}/consents`,
        consentBody({ grantee: { type: 'organization', value: lawyer.org } }),
      ),
      201,
      1,
    );
    const read = await readsContent(lawyer, record.id, content);
    expect(read.disclosed).toBe(true);
    expect(read.row.basis_id).toBe(personal.id);
  });

  it('opens the record with a court order recorded on the case', async () => {
    const { clerk, kase, lawyer, record, content } = await lawyerWithHealthRecord();
    const orderBody = {
      reference: uid('ORDER'),
      categories: ['health'],
      purposes: ['legal_defence'],
      grantees: [{ type: 'person', value: lawyer.sub }],
    };
    // Only the court records orders.
    await expectAudited(h, await lawyer.post(`/v1/cases/${kase.id}/court-orders`, orderBody), 403, 1);
    const order = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/court-orders`, orderBody),
      201,
      1,
    );
    expect(order).toMatchObject({ active: true, issuingCourtOrgId: clerk.org });
    const read = await readsContent(lawyer, record.id, content);
    expect(read.disclosed).toBe(true);
    expect(read.row).toMatchObject({ basis_type: 'court_order', basis_id: order.id });
    // The order names the lawyer, not the court: the clerk still needs consent.
    expect((await readsContent(clerk, record.id, content)).disclosed).toBe(false);
  });

  it('opens the record under break-glass for a related user only, flags every read and lists it for review', async () => {
    const { kase, lawyer, record, content } = await lawyerWithHealthRecord();
    const stranger = await createStaff(h, 'legal_aid_lawyer');
    const reason = 'Child hospitalised tonight; treating doctor needs the defence to confirm allergies';

    await expectAudited(h, await stranger.post(`/v1/cases/${kase.id}/break-glass`, { reason }), 404, 1);
    const short = await lawyer.post(`/v1/cases/${kase.id}/break-glass`, { reason: 'urgent' });
    expect(short.statusCode).toBe(400);

    const opened = await lawyer.post(`/v1/cases/${kase.id}/break-glass`, { reason });
    const grant = await expectAudited(h, opened, 201, 1);
    expect(new Date(grant.expiresAt).getTime() - new Date(grant.openedAt).getTime()).toBe(60 * 60_000);
    expect(await auditRow(opened)).toMatchObject({ break_glass: true, resource_id: grant.id });

    for (let i = 0; i < 2; i++) {
      const read = await readsContent(lawyer, record.id, content);
      expect(read.disclosed).toBe(true);
      expect(read.row).toMatchObject({ basis_type: 'break_glass', basis_id: grant.id, break_glass: true });
    }
    // The stranger's break-glass was refused, so nothing opens for them.
    await expectAudited(h, await stranger.get(`/v1/records/${record.id}`), 404, 1);

    // Review: auditors only.
    await expectAudited(h, await lawyer.get('/v1/break-glass'), 403, 1);
    const auditor = await h.as({ sub: uid('auditor'), roles: ['auditor'], org: 'oversight' });
    const review = await expectAudited(h, await auditor.get(`/v1/break-glass?caseId=${kase.id}`), 200, 1);
    expect(review.items).toHaveLength(1);
    expect(review.items[0]).toMatchObject({ id: grant.id, sub: lawyer.sub, reason, active: true, reads: 2 });

    // The window closes by itself (moved into the past here rather than waiting an hour).
    await query(
      `UPDATE break_glass_grants SET opened_at = now() - interval '61 minutes', expires_at = now() - interval '1 minute' WHERE id = '${grant.id}'`,
    );
    const closed = await readsContent(lawyer, record.id, content);
    expect(closed.disclosed).toBe(false);
    expect(closed.row.break_glass).toBe(false);
  });

  it('enforces who may consent: a guardian below CONSENT_AGE, the child from it, guardians flagged at majority', async () => {
    const young = await lawyerWithHealthRecord();
    const tooYoung = await young.clerk.post(
      `/v1/persons/${young.person.id}/consents`,
      young.consentBody({ grantor: { kind: 'child' } }),
    );
    await expectAudited(h, tooYoung, 422, 1);
    expect((await auditRow(tooYoung)).reason).toBe('child below the consent age');
    const stranger = await young.clerk.post(
      `/v1/persons/${young.person.id}/consents`,
      young.consentBody({ grantor: { kind: 'guardian', name: 'Someone Else' } }),
    );
    await expectAudited(h, stranger, 422, 1);
    expect(
      (await query(`SELECT count(*)::int AS n FROM consents WHERE person_id = '${young.person.id}'`))[0].n,
    ).toBe(0);

    // A 17-year-old consents alone; a guardian's consent is due for re-affirmation on the 18th birthday.
    const older = await lawyerWithHealthRecord({ dateOfBirth: '2009-06-01' });
    await expectAudited(
      h,
      await older.clerk.post(
        `/v1/persons/${older.person.id}/consents`,
        older.consentBody({ grantor: { kind: 'child' } }),
      ),
      201,
      1,
    );
    const byGuardian = await expectAudited(
      h,
      await older.clerk.post(`/v1/persons/${older.person.id}/consents`, older.consentBody()),
      201,
      1,
    );
    expect(byGuardian).toMatchObject({ needsReaffirmation: false, reaffirmationDueOn: '2027-06-01' });

    // Time passes (the date of birth moves back a year): the child is 18 and the guardian's consent is flagged.
    await query(`UPDATE persons SET date_of_birth = '2008-06-01' WHERE id = '${older.person.id}'`);
    const listed = await expectAudited(
      h,
      await older.clerk.get(`/v1/persons/${older.person.id}/consents`),
      200,
      1,
    );
    const flags = Object.fromEntries(listed.items.map((c: any) => [c.grantorKind, c.needsReaffirmation]));
    expect(flags).toEqual({ child: false, guardian: true });
    // And a guardian may no longer consent for an adult.
    await expectAudited(
      h,
      await older.clerk.post(`/v1/persons/${older.person.id}/consents`, older.consentBody()),
      422,
      1,
    );
  });

  it('lets each role write only its own fields (422, nothing changed) and shapes responses per role', async () => {
    const { clerk, person, kase, lawyer, record, consentBody, guardian } = await lawyerWithHealthRecord();
    const count = async () =>
      (await query(`SELECT count(*)::int AS n FROM records WHERE case_id = '${kase.id}'`))[0].n as number;
    const n = await count();
    const kind = await clerk.post(`/v1/cases/${kase.id}/records`, {
      category: 'health',
      kind: 'vulnerability_assessment',
      title: 't',
      content: 'c',
    });
    expect(kind.statusCode).toBe(422);
    expect(kind.json().errors).toEqual([{ path: 'body.kind', message: 'not writable by your role' }]);
    const sealed = await clerk.post(`/v1/cases/${kase.id}/records`, {
      category: 'health',
      title: 't',
      content: 'c',
      sealed: true,
    });
    expect(sealed.statusCode).toBe(422);
    expect(await count()).toBe(n);

    // Lawyers are not shown who filed a record, nor who signed a consent or where the form is.
    await expectAudited(h, await clerk.post(`/v1/persons/${person.id}/consents`, consentBody()), 201, 1);
    const asClerk = await expectAudited(h, await clerk.get(`/v1/records/${record.id}`), 200, 1);
    const asLawyer = await expectAudited(h, await lawyer.get(`/v1/records/${record.id}`), 200, 1);
    expect(asClerk).toHaveProperty('createdBy');
    expect(asLawyer).not.toHaveProperty('createdBy');
    // The consent names lawyers: the lawyer sees the content, the clerk (same record) does not.
    expect(asLawyer).toMatchObject({ withheld: false, content: expect.any(String) });
    expect(asClerk).toMatchObject({ withheld: true });
    expect(asClerk).not.toHaveProperty('content');
    const consentsAsLawyer = await expectAudited(
      h,
      await lawyer.get(`/v1/persons/${person.id}/consents`),
      200,
      1,
    );
    expect(consentsAsLawyer.items[0]).not.toHaveProperty('grantorName');
    expect(consentsAsLawyer.items[0]).not.toHaveProperty('evidenceReference');
    const consentsAsClerk = await expectAudited(
      h,
      await clerk.get(`/v1/persons/${person.id}/consents`),
      200,
      1,
    );
    expect(consentsAsClerk.items[0].grantorName).toBe(guardian);
  });
});

describe('sealing and expungement', () => {
  it('hides a sealed case from its former lawyer in reads, lists, timeline and matches; the sealing court opens it with the order', async () => {
    const { clerk, person, kase, lawyer, record } = await lawyerWithHealthRecord();
    const orderReference = uid('SEAL');
    await expectAudited(h, await lawyer.post(`/v1/cases/${kase.id}/seal`, { orderReference }), 403, 1);
    const sealed = await clerk.post(`/v1/cases/${kase.id}/seal`, { orderReference });
    expect((await expectAudited(h, sealed, 200, 1)).sealedOrderRef).toBe(orderReference);

    for (const url of [
      `/v1/cases/${kase.id}`,
      `/v1/cases/${kase.id}/timeline`,
      `/v1/cases/${kase.id}/records`,
      `/v1/records/${record.id}`,
      `/v1/persons/${person.id}`,
    ]) {
      const res = await lawyer.get(url);
      await expectAudited(h, res, 404, 1);
      expect((await auditRow(res)).reason).toMatch(/sealed|not related/);
    }
    const list = await expectAudited(h, await lawyer.get('/v1/cases?limit=100'), 200, 1);
    expect(list.items.map((c: any) => c.id)).not.toContain(kase.id);
    const worklist = await lawyer.get('/v1/legal-aid/assignments');
    expect(worklist.body).not.toContain(kase.id);

    // Matches: not even the owning court finds the child while every case of theirs is sealed.
    const matches = await clerk.get(
      `/v1/persons/matches?givenName=${encodeURIComponent(person.givenName)}&familyName=${encodeURIComponent(person.familyName)}&dateOfBirth=${person.dateOfBirth}`,
    );
    expect((await expectAudited(h, matches, 200, 1)).items.map((m: any) => m.id)).not.toContain(person.id);
    const clerkList = await expectAudited(h, await clerk.get('/v1/cases?limit=100'), 200, 1);
    expect(clerkList.items.map((c: any) => c.id)).not.toContain(kase.id);

    // The sealing court: 404 without the order or with another; the case (and the child) with it.
    await expectAudited(h, await clerk.get(`/v1/cases/${kase.id}`), 404, 1);
    await expectAudited(h, await clerk.get(`/v1/persons/${person.id}`), 404, 1);
    await expectAudited(
      h,
      await clerk.get(`/v1/persons/${person.id}`, { 'court-order-reference': orderReference }),
      200,
      1,
    );
    await expectAudited(
      h,
      await clerk.get(`/v1/cases/${kase.id}`, { 'court-order-reference': 'WRONG-1' }),
      404,
      1,
    );
    const opened = await clerk.get(`/v1/cases/${kase.id}`, { 'court-order-reference': orderReference });
    await expectAudited(h, opened, 200, 1);
    expect(await auditRow(opened)).toMatchObject({ basis_type: 'sealing_order', basis_id: orderReference });
    // Another court naming the same order gets nothing.
    const otherCourt = await createOrg(h, 'court');
    const otherClerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: otherCourt });
    await expectAudited(
      h,
      await otherClerk.get(`/v1/cases/${kase.id}`, { 'court-order-reference': orderReference }),
      404,
      1,
    );
    // Sealing twice is a conflict (for the one who can see the case at all).
    await expectAudited(h, await clerk.post(`/v1/cases/${kase.id}/seal`, { orderReference }), 409, 1);
  });

  it('expunges a case: no personal data left in any table, the audit rows stay', async () => {
    const { clerk, person, kase, lawyer, record, content, title, consentBody, guardian } =
      await lawyerWithHealthRecord();
    const consent = consentBody();
    await expectAudited(h, await clerk.post(`/v1/persons/${person.id}/consents`, consent), 201, 1);
    const reason = `Emergency: ${uid('reason')} needs the medication list now`;
    await expectAudited(h, await lawyer.post(`/v1/cases/${kase.id}/break-glass`, { reason }), 201, 1);
    await expectAudited(h, await lawyer.get(`/v1/records/${record.id}`), 200, 1);
    // A POST with an Idempotency-Key keeps its response for replays: that copy must go too.
    const replayed = uid('Replayed content');
    const withKey = await clerk.post(
      `/v1/cases/${kase.id}/records`,
      { category: 'education', title: uid('School report'), content: replayed },
      { 'idempotency-key': uid('key') },
    );
    expect(withKey.statusCode, withKey.body).toBe(201);
    const kept = await query(
      `SELECT count(*)::int AS n FROM idempotency_keys WHERE body LIKE '%${replayed}%'`,
    );
    expect(kept[0].n).toBe(1);
    const auditBefore = await h.auditRows(`case_id = '${kase.id}' OR person_id = '${person.id}'`);

    const orderReference = uid('EXPUNGE');
    await expectAudited(h, await lawyer.post(`/v1/cases/${kase.id}/expunge`, { orderReference }), 403, 1);
    const done = await clerk.post(`/v1/cases/${kase.id}/expunge`, { orderReference });
    expect(await expectAudited(h, done, 200, 1)).toMatchObject({ id: kase.id, personErased: true });

    // Search every text, json and array column of every table for what identified the child.
    const needles = [
      person.givenName,
      person.familyName,
      guardian,
      kase.location,
      content,
      title,
      consent.evidenceReference,
      reason,
      replayed,
    ];
    const columns = await query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')`,
    );
    expect(columns.length).toBeGreaterThan(10);
    const found: string[] = [];
    for (const { table_name, column_name } of columns) {
      for (const needle of needles) {
        const [row] = await query<{ n: number }>(
          `SELECT count(*)::int AS n FROM "${table_name}" WHERE "${column_name}"::text LIKE '%${needle.replace(/'/g, "''")}%'`,
        );
        if (row.n > 0) found.push(`${table_name}.${column_name}: ${needle}`);
      }
    }
    expect(found).toEqual([]);
    const [tomb] = await query(
      `SELECT given_name, family_name, date_of_birth, guardians, expunged_at FROM persons WHERE id = '${person.id}'`,
    );
    expect(tomb).toMatchObject({ given_name: null, family_name: null, date_of_birth: null, guardians: [] });
    expect(tomb.expunged_at).not.toBeNull();

    // The audit trail keeps every row it had, and one more for the expungement.
    const auditAfter = await h.auditRows(`case_id = '${kase.id}' OR person_id = '${person.id}'`);
    expect(auditAfter.map((r) => r.id)).toEqual(expect.arrayContaining(auditBefore.map((r) => r.id)));
    expect(auditAfter.length).toBeGreaterThan(auditBefore.length);
    // And the tamper-evident chain still verifies over them.
    const auditor = await h.as({ sub: uid('auditor'), roles: ['auditor'], org: 'oversight' });
    const verified = await auditor.get('/v1/audit/verify');
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json()).toMatchObject({ ok: true, firstBroken: null });

    // Nobody reads the tombstone, not even the court with the order.
    await expectAudited(
      h,
      await clerk.get(`/v1/cases/${kase.id}`, { 'court-order-reference': orderReference }),
      404,
      1,
    );
    await expectAudited(h, await clerk.get(`/v1/persons/${person.id}`), 404, 1);
  });
});

describe('property rules and the audit trail', () => {
  it('refuses fields a role may not set on every consent endpoint (422) and changes nothing', async () => {
    const { clerk, person, kase, consentBody } = await lawyerWithHealthRecord();
    const counts = async () =>
      (
        await query(`SELECT (SELECT count(*) FROM consents WHERE person_id = '${person.id}')::int AS consents,
                          (SELECT count(*) FROM court_orders WHERE case_id = '${kase.id}')::int AS orders,
                          (SELECT count(*) FROM break_glass_grants WHERE case_id = '${kase.id}')::int AS grants,
                          (SELECT sealed_at FROM cases WHERE id = '${kase.id}') AS sealed_at`)
      )[0];
    const before = await counts();
    const attempts: [string, unknown][] = [
      [`/v1/persons/${person.id}/consents`, { ...consentBody(), revokedAt: null }],
      [`/v1/persons/${person.id}/consents`, { ...consentBody(), recordedBy: 'someone-else' }],
      [
        `/v1/cases/${kase.id}/court-orders`,
        {
          reference: 'X-1',
          categories: ['health'],
          purposes: ['legal_defence'],
          grantees: [{ type: 'role', value: 'judge' }],
          caseId: kase.id,
        },
      ],
      [
        `/v1/cases/${kase.id}/break-glass`,
        { reason: 'A long enough reason for the test', expiresAt: '2099-01-01T00:00:00Z' },
      ],
      [`/v1/cases/${kase.id}/seal`, { orderReference: 'S-1', sealedAt: '2020-01-01T00:00:00Z' }],
      [`/v1/cases/${kase.id}/records`, { category: 'health', title: 't', content: 'c', stage: 'closed' }],
    ];
    for (const [url, body] of attempts) {
      const res = await clerk.post(url, body);
      expect(res.statusCode, `${url} ${res.body}`).toBe(422);
    }
    expect(await counts()).toEqual(before);
  });

  it('leaves a basis or a reason on every audit row, allowed or denied', async () => {
    const { lawyer, record } = await lawyerWithHealthRecord();
    const stranger = await createStaff(h, 'legal_aid_lawyer');
    await expectAudited(h, await lawyer.get(`/v1/records/${record.id}`), 200, 1);
    await expectAudited(h, await stranger.get(`/v1/records/${record.id}`), 404, 1);
    await expectAudited(h, await stranger.get(`/v1/records/${crypto.randomUUID()}`), 404, 1);
    const rows = await h.auditRows();
    expect(rows.some((r) => r.outcome === 'denied')).toBe(true);
    const bare = rows.filter((r) => r.basis_type === null && r.reason === null);
    expect(bare).toEqual([]);
    const denied = rows.filter((r) => r.outcome === 'denied');
    expect(denied.every((r) => typeof r.reason === 'string' && r.reason.length > 0)).toBe(true);
  });
});
