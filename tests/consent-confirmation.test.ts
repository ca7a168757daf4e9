import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { auditOf, createStaff, expectAudited } from './helpers/case-path.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

/**
 * Consent that opens content to the very person recording it (issue 8.4): it needs evidence of a
 * known kind that someone else can check, and it is held as pending until a second person of the
 * owning court, or the child's legal aid lawyer, confirms it. Consents and the disclosure ledger
 * say who recorded and who confirmed each consent.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

/** A 17-year-old (consents alone) with a health record, and an assigned social worker. */
async function workerOnCase() {
  const court = await createOrg(h, 'court');
  const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
  const person = await createPerson(clerk, { dateOfBirth: '2009-06-01' });
  const kase = await createCase(clerk, person.id);
  const worker = await createStaff(h, 'social_worker');
  const assigned = await clerk.post(`/v1/cases/${kase.id}/social-work-assignments`, {
    socialWorkerSub: worker.sub,
  });
  expect(assigned.statusCode, assigned.body).toBe(201);
  const content = uid('Diagnosis');
  const record = await clerk.post(`/v1/cases/${kase.id}/records`, {
    category: 'health',
    title: 'T',
    content,
  });
  expect(record.statusCode, record.body).toBe(201);
  const selfGrant = (evidenceReference: string) => ({
    grantor: { kind: 'child' },
    grantee: { type: 'person', value: worker.sub },
    categories: ['health'],
    purposes: ['social_services'],
    evidenceReference,
  });
  return { court, clerk, person, kase, worker, record: record.json(), content, selfGrant };
}

describe('self-granted consent', () => {
  it('refuses evidence of no known kind from a recorder who names themselves as grantee', async () => {
    const { person, worker, selfGrant } = await workerOnCase();
    const res = await worker.post(`/v1/persons/${person.id}/consents`, selfGrant('none'));
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain('body.evidenceReference');
  });

  it('holds it as pending until a second person of the owning court confirms; then it opens the content', async () => {
    const { court, clerk, person, worker, record, content, selfGrant } = await workerOnCase();
    const recorded = await expectAudited(
      h,
      await worker.post(`/v1/persons/${person.id}/consents`, selfGrant('signed-form:SF-2026-17')),
      201,
      1,
    );
    expect(recorded).toMatchObject({ status: 'pending', awaitingConfirmation: true, recordedBy: worker.sub });
    expect(recorded.confirmedBy).toBeNull();

    // Pending: the recorder's next read still withholds the content.
    const before = await worker.get(`/v1/records/${record.id}`);
    expect(before.json()).toMatchObject({ withheld: true, categoriesWithheld: ['health'] });
    expect(before.body).not.toContain(content);

    // The recorder cannot confirm their own consent, nor can a court unrelated to the child.
    expect((await worker.post(`/v1/consents/${recorded.id}/confirm`, {})).statusCode).toBe(403);
    const stranger = await h.as({
      sub: uid('clerk'),
      roles: ['court_clerk'],
      org: await createOrg(h, 'court'),
    });
    await expectAudited(h, await stranger.post(`/v1/consents/${recorded.id}/confirm`, {}), 404, 1);

    // A judge of the owning court confirms.
    const judgeSub = uid('judge');
    const judge = await h.as({ sub: judgeSub, roles: ['judge'], org: court });
    const confirmed = await expectAudited(
      h,
      await judge.post(`/v1/consents/${recorded.id}/confirm`, {}),
      200,
      1,
    );
    expect(confirmed).toMatchObject({
      status: 'active',
      awaitingConfirmation: false,
      recordedBy: worker.sub,
      confirmedBy: judgeSub,
    });
    expect((await judge.post(`/v1/consents/${recorded.id}/confirm`, {})).statusCode).toBe(409);

    const after = await worker.get(`/v1/records/${record.id}`);
    expect(after.json().content).toBe(content);
    const [row] = await auditOf(h, after);
    expect(row).toMatchObject({ basis_type: 'consent', basis_id: recorded.id });

    // The disclosure ledger names who recorded the consent and who confirmed it.
    const auditor = await h.as({ sub: uid('auditor'), roles: ['auditor'], org: 'oversight' });
    const ledger = (await auditor.get(`/v1/persons/${person.id}/disclosures`)).json();
    const entry = ledger.items.find((i: { basisId: string | null }) => i.basisId === recorded.id);
    expect(entry.consents).toEqual([
      { id: recorded.id, recordedBy: worker.sub, confirmedBy: confirmed.confirmedBy },
    ]);
    // And the consent list shows both, to the court.
    const listed = (await clerk.get(`/v1/persons/${person.id}/consents`)).json().items;
    expect(listed.find((c: { id: string }) => c.id === recorded.id)).toMatchObject({
      recordedBy: worker.sub,
      confirmedBy: confirmed.confirmedBy,
    });
  });

  it("lets the child's legal aid lawyer confirm it", async () => {
    const { clerk, kase, person, worker, selfGrant } = await workerOnCase();
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const a = (
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
    ).json();
    expect((await lawyer.post(`/v1/legal-aid/assignments/${a.id}/accept`, {})).statusCode).toBe(200);
    const recorded = (
      await worker.post(`/v1/persons/${person.id}/consents`, selfGrant('guardian-statement:GS-4'))
    ).json();
    const confirmed = await expectAudited(
      h,
      await lawyer.post(`/v1/consents/${recorded.id}/confirm`, {}),
      200,
      1,
    );
    expect(confirmed).toMatchObject({ status: 'active', confirmedBy: lawyer.sub });
  });

  it('holds a consent to the recorder’s own role or organisation too; a consent for someone else is active at once', async () => {
    const { clerk, person, worker, selfGrant } = await workerOnCase();
    const toRole = (
      await worker.post(`/v1/persons/${person.id}/consents`, {
        ...selfGrant('hearing-record:HR-1'),
        grantee: { type: 'role', value: 'social_worker' },
      })
    ).json();
    expect(toRole).toMatchObject({ status: 'pending', awaitingConfirmation: true });
    const toOrg = (
      await worker.post(`/v1/persons/${person.id}/consents`, {
        ...selfGrant('hearing-record:HR-2'),
        grantee: { type: 'organization', value: worker.org },
      })
    ).json();
    expect(toOrg).toMatchObject({ status: 'pending', awaitingConfirmation: true });
    const forOthers = await clerk.post(`/v1/persons/${person.id}/consents`, {
      ...selfGrant('any reference'),
      grantee: { type: 'role', value: 'judge' },
      purposes: ['court_proceeding'],
    });
    expect(forOthers.statusCode, forOthers.body).toBe(201);
    expect(forOthers.json()).toMatchObject({
      status: 'active',
      awaitingConfirmation: false,
      confirmedBy: null,
    });
  });
});
