import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { auditOf, createStaff, expectAudited } from './helpers/case-path.js';
import { courtWithCase, createOrg } from './helpers/factories.js';

const OPEN_ORG = `legal-aid-open-${process.pid}`;

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ ALLOW_UNSPECIALISED_STAFF_ORGS: OPEN_ORG });
});
afterAll(async () => h?.close());

const listIds = async (client: { get(url: string): Promise<any> }) =>
  ((await client.get('/v1/cases?limit=100')).json().items as { id: string }[]).map((c) => c.id);

describe('legal aid', () => {
  it('makes the lawyer related to the case on acceptance, and unrelated again on withdrawal', async () => {
    const { clerk, kase, person } = await courtWithCase(h);
    const lawyer = await createStaff(h, 'legal_aid_lawyer');

    // Before anything, the lawyer does not see the case.
    await expectAudited(h, await lawyer.get(`/v1/cases/${kase.id}`), 404, 1);

    const assigned = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub }),
      201,
      1,
    );
    expect(assigned).toMatchObject({ status: 'assigned', lawyerSub: lawyer.sub, legalAidOrgId: lawyer.org });

    // Assigned but not accepted: still not related; the worklist shows the assignment without the
    // case essentials (issue 8.6: the child's identity and charges wait for acceptance).
    await expectAudited(h, await lawyer.get(`/v1/cases/${kase.id}`), 404, 1);
    const pending = await expectAudited(h, await lawyer.get('/v1/legal-aid/assignments'), 200, 1);
    expect(pending.items).toHaveLength(1);
    expect(pending.items[0].case).toBeNull();

    const accepted = await expectAudited(
      h,
      await lawyer.post(`/v1/legal-aid/assignments/${assigned.id}/accept`, {}),
      200,
      1,
    );
    expect(accepted.status).toBe('accepted');
    const worklist = await expectAudited(h, await lawyer.get('/v1/legal-aid/assignments'), 200, 1);
    expect(worklist.items[0].case).toMatchObject({
      id: kase.id,
      child: { givenName: person.givenName, familyName: person.familyName, age: 16 },
      charges: [{ code: 'PC-1', description: 'Theft' }],
      nextHearing: null,
      custody: { inCustody: false },
    });
    const read = await lawyer.get(`/v1/cases/${kase.id}`);
    await expectAudited(h, read, 200, 1);
    expect((await auditOf(h, read))[0]).toMatchObject({ basis_type: 'legal_aid', basis_id: assigned.id });
    expect(await listIds(lawyer)).toEqual([kase.id]);
    await expectAudited(h, await lawyer.get(`/v1/cases/${kase.id}/legal-aid-assignments`), 200, 1);

    // Withdrawal ends the relationship: 404 again, out of the list and off the worklist.
    const withdrawn = await expectAudited(
      h,
      await lawyer.post(`/v1/legal-aid/assignments/${assigned.id}/withdraw`, {
        reason: 'conflict of interest',
      }),
      200,
      1,
    );
    expect(withdrawn).toMatchObject({ status: 'withdrawn', endReason: 'conflict of interest' });
    await expectAudited(h, await lawyer.get(`/v1/cases/${kase.id}`), 404, 1);
    expect(await listIds(lawyer)).toEqual([]);
    expect((await lawyer.get('/v1/legal-aid/assignments')).json().items).toEqual([]);
    // Nor may they act on it any more.
    await expectAudited(
      h,
      await lawyer.post(`/v1/legal-aid/assignments/${assigned.id}/complete`, {}),
      404,
      1,
    );

    // The timeline of the case recorded each step.
    const kinds = (await clerk.get(`/v1/cases/${kase.id}/timeline`)).json().items.map((e: any) => e.kind);
    expect(kinds).toEqual([
      'arrest',
      'legal_aid_requested',
      'legal_aid_assigned',
      'legal_aid_accepted',
      'legal_aid_withdrawn',
    ]);
  });

  it('ends the relationship on completion, and refuses to complete twice (409, nothing changes)', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const a = (
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
    ).json();
    await expectAudited(h, await lawyer.post(`/v1/legal-aid/assignments/${a.id}/accept`, {}), 200, 1);
    await expectAudited(h, await lawyer.get(`/v1/cases/${kase.id}`), 200, 1);
    const done = await expectAudited(
      h,
      await clerk.post(`/v1/legal-aid/assignments/${a.id}/complete`, { note: 'case closed' }),
      200,
      1,
    );
    expect(done.status).toBe('completed');
    await expectAudited(h, await lawyer.get(`/v1/cases/${kase.id}`), 404, 1);
    const again = await clerk.post(`/v1/legal-aid/assignments/${a.id}/complete`, {});
    const problem = await expectAudited(h, again, 409, 1);
    expect(problem.currentStatus).toBe('completed');
    const rows = (await clerk.get(`/v1/cases/${kase.id}/legal-aid-assignments`)).json().items;
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe('completed');
  });

  it('lets only the addressee respond; another lawyer gets 404; a decline relates nobody', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const other = await createStaff(h, 'legal_aid_lawyer');
    const a = (
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
    ).json();
    await expectAudited(h, await other.post(`/v1/legal-aid/assignments/${a.id}/accept`, {}), 404, 1);
    expect((await other.get('/v1/legal-aid/assignments')).json().items).toEqual([]);
    // A second open assignment for the same case is refused.
    await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: other.sub }),
      409,
      1,
    );
    const declined = await expectAudited(
      h,
      await lawyer.post(`/v1/legal-aid/assignments/${a.id}/decline`, { reason: 'caseload full' }),
      200,
      1,
    );
    expect(declined.status).toBe('declined');
    await expectAudited(h, await lawyer.get(`/v1/cases/${kase.id}`), 404, 1);
    expect((await lawyer.get('/v1/legal-aid/assignments')).json().items).toEqual([]);
    // After the decline the court can assign someone else.
    await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: other.sub }),
      201,
      1,
    );
  });

  it('sends an assignment to an organisation, where one of its lawyers takes it up', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const org = await createOrg(h, 'legal_aid');
    const lawyer = await createStaff(h, 'legal_aid_lawyer', { org });
    const outsider = await createStaff(h, 'legal_aid_lawyer');
    const a = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { legalAidOrgId: org }),
      201,
      1,
    );
    expect(a).toMatchObject({ lawyerSub: null, legalAidOrgId: org, status: 'assigned' });
    const queue = (await lawyer.get('/v1/legal-aid/assignments')).json().items;
    expect(queue.map((i: any) => i.id)).toEqual([a.id]);
    expect(queue[0].case).toBeNull(); // no child's details while it waits at the organisation
    expect((await outsider.get('/v1/legal-aid/assignments')).json().items).toEqual([]);
    await expectAudited(h, await outsider.post(`/v1/legal-aid/assignments/${a.id}/accept`, {}), 404, 1);
    const taken = await expectAudited(
      h,
      await lawyer.post(`/v1/legal-aid/assignments/${a.id}/accept`, {}),
      200,
      1,
    );
    expect(taken).toMatchObject({ status: 'accepted', lawyerSub: lawyer.sub });
    await expectAudited(h, await lawyer.get(`/v1/cases/${kase.id}`), 200, 1);
  });

  it('refuses unspecialised lawyers with 422 unless their organisation is allowed', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const plain = await createStaff(h, 'legal_aid_lawyer', { juvenileSpecialised: false });
    const res = await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: plain.sub });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0]).toMatchObject({ path: 'body.lawyerSub' });
    expect(await auditOf(h, res)).toHaveLength(0);
    await createOrg(h, 'legal_aid', OPEN_ORG);
    const allowed = await createStaff(h, 'legal_aid_lawyer', { org: OPEN_ORG, juvenileSpecialised: false });
    await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: allowed.sub }),
      201,
      1,
    );
    // Unknown lawyers and bodies that set assignment fields are refused too.
    expect(
      (await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: uid('nobody') }))
        .statusCode,
    ).toBe(422);
    expect(
      (
        await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, {
          lawyerSub: allowed.sub,
          status: 'accepted',
        })
      ).statusCode,
    ).toBe(422);
  });

  it('answers 404 to unrelated courts and 403 to roles that may not assign', async () => {
    const { kase } = await courtWithCase(h);
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const otherCourt = await createOrg(h, 'court');
    const stranger = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: otherCourt });
    await expectAudited(
      h,
      await stranger.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub }),
      404,
      1,
    );
    await expectAudited(h, await stranger.get(`/v1/cases/${kase.id}/legal-aid-assignments`), 404, 1);
    await expectAudited(
      h,
      await lawyer.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub }),
      403,
      1,
    );
  });
});
