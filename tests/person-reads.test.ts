import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { auditOf, createStaff, expectAudited } from './helpers/case-path.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

/**
 * Every read of a child's record is shaped per role and relationship by the allowlists of
 * src/access/properties.ts (issue 8, leaks 1 and 6).
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const guardians = [{ name: 'Leyla Aliyeva', relationship: 'mother', contact: '+994 50 000 00 00' }];
const partnerScope = 'cases:read cases:write';

async function courtChild() {
  const court = await createOrg(h, 'court');
  const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
  const person = await createPerson(clerk, { dateOfBirth: '2010-05-01', guardians });
  return { court, clerk, person };
}

describe("reads of a child's record", () => {
  it('shows the referring partner only what it submitted: the id, not the court’s record of the child', async () => {
    const { court, clerk, person } = await courtChild();
    const police = await createOrg(h, 'police');
    const partner = await h.as({
      sub: uid('client'),
      roles: ['partner_system'],
      org: police,
      scope: partnerScope,
    });
    const referred = await partner.post('/v1/cases', {
      personId: person.id,
      courtOrgId: court,
      intakeKind: 'referral',
      offenceDate: '2026-11-01T10:00:00Z',
      intakeAt: '2026-11-01T12:00:00Z',
      agency: 'Police North',
      detained: false,
      charges: [{ code: 'PC-1', description: 'Theft' }],
    });
    expect(referred.statusCode, referred.body).toBe(201);

    const asPartner = await expectAudited(h, await partner.get(`/v1/persons/${person.id}`), 200, 1);
    expect(asPartner).toEqual({ id: person.id });

    // The court that holds the case reads its whole record, guardians' contact included.
    const asClerk = await expectAudited(h, await clerk.get(`/v1/persons/${person.id}`), 200, 1);
    expect(asClerk).toMatchObject({ givenName: person.givenName, guardians });
  });

  it('shows a partner that registered the child what it registered', async () => {
    const police = await createOrg(h, 'police');
    const partner = await h.as({
      sub: uid('client'),
      roles: ['partner_system'],
      org: police,
      scope: partnerScope,
    });
    const person = await createPerson(partner, { guardians });
    const read = await expectAudited(h, await partner.get(`/v1/persons/${person.id}`), 200, 1);
    expect(read).toMatchObject({
      id: person.id,
      givenName: person.givenName,
      familyName: person.familyName,
      dateOfBirth: person.dateOfBirth,
      guardians,
    });
  });

  it("shows the prosecutor the child's identity and guardians, but not the guardians' contact", async () => {
    const { clerk, person } = await courtChild();
    const office = await createOrg(h, 'prosecution');
    const prosecutor = await h.as({ sub: uid('prosecutor'), roles: ['prosecutor'], org: office });
    await createCase(clerk, person.id, { prosecutionOrgId: office });
    const read = await expectAudited(h, await prosecutor.get(`/v1/persons/${person.id}`), 200, 1);
    expect(read).toMatchObject({ givenName: person.givenName, dateOfBirth: '2010-05-01' });
    expect(read.guardians).toEqual([{ name: 'Leyla Aliyeva', relationship: 'mother' }]);
  });

  it('shows a lawyer named on an assignment not yet accepted the assignment without the child (issue 8.6)', async () => {
    const { clerk, person } = await courtChild();
    const kase = await createCase(clerk, person.id);
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const assigned = (
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
    ).json();

    // Named but not accepted: the lawyer is not related to the case (SPEC 4.2); the worklist shows
    // the assignment so the lawyer can answer it, but neither the child's identity nor the charges.
    const pending = await expectAudited(h, await lawyer.get('/v1/legal-aid/assignments'), 200, 1);
    expect(pending.items).toHaveLength(1);
    expect(pending.items[0]).toMatchObject({ id: assigned.id, status: 'assigned', case: null });
    expect(JSON.stringify(pending)).not.toContain(person.givenName);
    await expectAudited(h, await lawyer.get(`/v1/persons/${person.id}`), 404, 1);

    await expectAudited(h, await lawyer.post(`/v1/legal-aid/assignments/${assigned.id}/accept`, {}), 200, 1);
    const accepted = await expectAudited(h, await lawyer.get('/v1/legal-aid/assignments'), 200, 1);
    expect(accepted.items[0].case).toMatchObject({
      id: kase.id,
      child: { givenName: person.givenName, familyName: person.familyName },
      charges: [{ code: 'PC-1', description: 'Theft' }],
    });
    const read = await lawyer.get(`/v1/persons/${person.id}`);
    expect(read.json()).toMatchObject({ givenName: person.givenName, guardians });
    expect((await auditOf(h, read))[0]).toMatchObject({ basis_type: 'legal_aid', basis_id: assigned.id });
  });
});
