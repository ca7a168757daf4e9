import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { auditOf, createStaff } from './helpers/case-path.js';
import { caseBody, createCase, createOrg, createPerson } from './helpers/factories.js';

/** Paths by which a sealed case or a disclosure could slip past the access rules (found in review). */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

async function childWithTwoCases() {
  const court = await createOrg(h, 'court');
  const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
  const person = await createPerson(clerk);
  const a = await createCase(clerk, person.id);
  const b = await createCase(clerk, person.id, {
    offenceDate: '2026-10-01T10:00:00Z',
    intakeAt: '2026-10-01T12:00:00Z',
  });
  return { court, clerk, person, a, b };
}

async function acceptedLawyer(clerk: Client, caseId: string) {
  const lawyer = await createStaff(h, 'legal_aid_lawyer');
  const assignment = (
    await clerk.post(`/v1/cases/${caseId}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
  ).json();
  expect((await lawyer.post(`/v1/legal-aid/assignments/${assignment.id}/accept`, {})).statusCode).toBe(200);
  return { lawyer, assignment };
}

describe('sealed cases stay sealed on every path', () => {
  it("keeps a sealed case's access history out of the lawyer's view of the child's ledger (auditors still see it)", async () => {
    const { clerk, person, a, b } = await childWithTwoCases();
    const { lawyer } = await acceptedLawyer(clerk, a.id);
    await lawyer.get(`/v1/cases/${a.id}`);
    await clerk.get(`/v1/cases/${b.id}`);
    expect((await clerk.post(`/v1/cases/${b.id}/seal`, { orderReference: uid('order') })).statusCode).toBe(
      200,
    );
    expect((await lawyer.get(`/v1/cases/${b.id}`)).statusCode).toBe(404);
    const ledger = await lawyer.get(`/v1/persons/${person.id}/disclosures?limit=100`);
    expect(ledger.statusCode).toBe(200);
    expect(ledger.body).not.toContain(b.id);
    expect(ledger.json().items.some((i: any) => i.caseId === a.id)).toBe(true);
    const auditor = await h.as({ sub: uid('auditor'), roles: ['auditor'], org: 'oversight' });
    const full = (await auditor.get(`/v1/persons/${person.id}/disclosures?limit=100`)).json();
    expect(full.items.some((i: any) => i.caseId === b.id)).toBe(true);
  });

  it('does not replay a stored Idempotency-Key response once the case is sealed', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const key = uid('idem');
    const first = await clerk.post('/v1/cases', caseBody(person.id), { 'idempotency-key': key });
    expect(first.statusCode).toBe(201);
    expect(
      (await clerk.post(`/v1/cases/${first.json().id}/seal`, { orderReference: uid('order') })).statusCode,
    ).toBe(200);
    const retry = await clerk.post('/v1/cases', caseBody(person.id), { 'idempotency-key': key });
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body).not.toContain(first.json().id);
  });

  it('refuses, and audits, accepting an assignment on a case sealed since', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const kase = await createCase(clerk, person.id);
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const assignment = (
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
    ).json();
    expect((await clerk.post(`/v1/cases/${kase.id}/seal`, { orderReference: uid('order') })).statusCode).toBe(
      200,
    );
    const res = await lawyer.post(`/v1/legal-aid/assignments/${assignment.id}/accept`, {});
    expect(res.statusCode).toBe(404);
    const rows = await auditOf(h, res);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'denied', actor_sub: lawyer.sub });
  });

  it('does not let another court open a case for a child whose every case is sealed', async () => {
    const { clerk, person, a, b } = await childWithTwoCases();
    for (const c of [a, b]) {
      expect((await clerk.post(`/v1/cases/${c.id}/seal`, { orderReference: uid('order') })).statusCode).toBe(
        200,
      );
    }
    const other = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: await createOrg(h, 'court') });
    const res = await other.post('/v1/cases', caseBody(person.id));
    expect(res.statusCode).toBe(422);
    expect(res.body).not.toContain(person.givenName);
    expect((await other.get(`/v1/persons/${person.id}`)).statusCode).toBe(404);
  });
});

describe("the child's disclosure ledger misses no read", () => {
  it('records timeline reads against the child', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const kase = await createCase(clerk, person.id);
    const res = await clerk.get(`/v1/cases/${kase.id}/timeline`);
    expect(res.statusCode).toBe(200);
    const [row] = await auditOf(h, res);
    expect(row).toMatchObject({ case_id: kase.id, person_id: person.id, action: 'read' });
    const auditor = await h.as({ sub: uid('auditor'), roles: ['auditor'], org: 'oversight' });
    const ledger = (await auditor.get(`/v1/persons/${person.id}/disclosures?limit=100`)).json();
    expect(ledger.items.some((i: any) => i.caseId === kase.id && i.resourceType !== 'case')).toBe(true);
  });
});
