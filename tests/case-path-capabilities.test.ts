import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { auditOf, createStaff, expectAudited } from './helpers/case-path.js';
import { courtWithCase } from './helpers/factories.js';

/** Issue 14, capabilities 8 (single reads with ETags), 9 (legal aid requests) and 13 (reviews, revocation). */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const DAY = 86_400_000;
const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

describe('capability 8: one GET with an ETag per sub-resource that has commands', () => {
  it('reads each through the access decision (404 to an unrelated clerk, audited) with version on list items', async () => {
    const { clerk, kase, person } = await courtWithCase(h);
    const stranger = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: uid('court') });
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const worker = await createStaff(h, 'social_worker');
    const officer = await createStaff(h, 'probation_officer');
    const ids: Record<string, string> = {};
    ids.custody = (
      await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
        kind: 'pre_trial',
        facility: 'F',
        startedAt: '2026-11-01T13:00:00Z',
      })
    ).json().id;
    ids.legalAid = (
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
    ).json().id;
    ids.socialWork = (
      await clerk.post(`/v1/cases/${kase.id}/social-work-assignments`, { socialWorkerSub: worker.sub })
    ).json().id;
    ids.diversion = (
      await clerk.post(`/v1/cases/${kase.id}/diversions`, { provider: 'P', conditions: ['apology'] })
    ).json().id;
    await clerk.post(`/v1/diversions/${ids.diversion}/decline`, { reason: 'family refuses' });
    const hearing = (
      await clerk.post(`/v1/cases/${kase.id}/hearings`, {
        scheduledAt: at(-DAY),
        listedAt: at(-2 * DAY),
        purpose: 'adjudication',
      })
    ).json();
    ids.hearing = hearing.id;
    await clerk.post(`/v1/hearings/${hearing.id}/hold`, {
      heldAt: at(-DAY),
      outcome: 'o',
      attendees: [],
      childFriendlyCourtroom: true,
    });
    ids.disposition = (
      await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
        outcome: 'probation',
        decidedAt: at(-DAY + 3_600_000),
        hearingId: hearing.id,
      })
    ).json().id;
    await clerk.post(`/v1/custody-episodes/${ids.custody}/end`, {
      releasedAt: at(-60_000),
      releaseReason: 'r',
    });
    ids.supervision = (
      await clerk.post(`/v1/cases/${kase.id}/supervisions`, {
        officerSub: officer.sub,
        startsOn: at(0).slice(0, 10),
        endsOn: at(200 * DAY).slice(0, 10),
      })
    ).json().id;
    const consent = await clerk.post(`/v1/persons/${person.id}/consents`, {
      grantor: { kind: 'guardian', name: 'A Guardian' },
      grantee: { type: 'role', value: 'legal_aid_lawyer' },
      categories: ['health'],
      purposes: ['legal_defence'],
      evidenceReference: uid('form'),
    });
    expect(consent.statusCode, consent.body).toBe(201);
    ids.consent = consent.json().id;
    ids.courtOrder = (
      await clerk.post(`/v1/cases/${kase.id}/court-orders`, {
        reference: uid('ORD'),
        categories: ['health'],
        purposes: ['legal_defence'],
        grantees: [{ type: 'role', value: 'legal_aid_lawyer' }],
      })
    ).json().id;

    const urls: Record<string, [string, string | null]> = {
      hearing: [`/v1/hearings/${ids.hearing}`, `/v1/cases/${kase.id}/hearings`],
      custody: [`/v1/custody-episodes/${ids.custody}`, `/v1/cases/${kase.id}/custody-episodes`],
      diversion: [`/v1/diversions/${ids.diversion}`, `/v1/cases/${kase.id}/diversions`],
      legalAid: [`/v1/legal-aid/assignments/${ids.legalAid}`, `/v1/cases/${kase.id}/legal-aid-assignments`],
      disposition: [`/v1/dispositions/${ids.disposition}`, `/v1/cases/${kase.id}/dispositions`],
      supervision: [`/v1/supervisions/${ids.supervision}`, null],
      socialWork: [`/v1/social-work-assignments/${ids.socialWork}`, null],
      consent: [`/v1/consents/${ids.consent}`, `/v1/persons/${person.id}/consents`],
      courtOrder: [`/v1/court-orders/${ids.courtOrder}`, `/v1/cases/${kase.id}/court-orders`],
    };
    for (const [name, [url, list]] of Object.entries(urls)) {
      const res = await clerk.get(url);
      const body = await expectAudited(h, res, 200, 1);
      expect(body.id, name).toBe(ids[name]);
      expect(res.headers.etag, name).toBe(`"${body.version}"`);
      expect((await auditOf(h, res))[0]).toMatchObject({ action: 'read', resource_id: ids[name] });
      const denied = await stranger.get(url);
      await expectAudited(h, denied, 404, 1);
      if (list) {
        const items = (await clerk.get(list)).json().items;
        const item = items.find((i: { id: string }) => i.id === ids[name]);
        expect(item.version, `${name} list item`).toBe(body.version);
      }
    }
    // An unknown id answers 404 too, audited like an unrelated case.
    await expectAudited(h, await clerk.get(`/v1/hearings/${crypto.randomUUID()}`), 404, 1);
    // The ETag serves the next command: a stale one is refused.
    const stale = await clerk.post(
      `/v1/court-orders/${ids.courtOrder}/revoke`,
      { reason: 'r' },
      { 'if-match': '"0"' },
    );
    expect(stale.statusCode).toBe(412);
  });
});

describe('capability 9: legal aid requested, then assigned', () => {
  it('opens a request at intake of a detained child and records the wait until assignment', async () => {
    const { clerk, kase } = await courtWithCase(h); // detained at intake (factory)
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const [request] = (await clerk.get(`/v1/cases/${kase.id}/legal-aid-assignments`)).json().items;
    expect(request).toMatchObject({
      status: 'requested',
      requestSource: 'intake_detention',
      requestedAt: '2026-11-01T12:00:00.000Z',
      lawyerSub: null,
      legalAidOrgId: null,
      assignedAt: null,
      requestToAssignmentSeconds: null,
    });
    // A second request while one is open is refused with the conflict shape.
    const again = await clerk.post(`/v1/cases/${kase.id}/legal-aid-requests`, { source: 'child' });
    const problem = await expectAudited(h, again, 409, 1);
    expect(problem).toMatchObject({ openAssignmentId: request.id, currentStage: 'intake' });
    // Assigning takes the request up: same record, assigned, with the wait measured.
    const assigned = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, {
        lawyerSub: lawyer.sub,
        assignedAt: '2026-11-01T15:30:00Z',
      }),
      201,
      1,
    );
    expect(assigned).toMatchObject({
      id: request.id,
      status: 'assigned',
      lawyerSub: lawyer.sub,
      assignedAt: '2026-11-01T15:30:00.000Z',
      requestToAssignmentSeconds: 3.5 * 3600,
    });
    // Not before the request.
    const { clerk: clerk2, kase: kase2 } = await courtWithCase(h);
    const early = await clerk2.post(`/v1/cases/${kase2.id}/legal-aid-assignments`, {
      lawyerSub: lawyer.sub,
      assignedAt: '2026-11-01T11:00:00Z',
    });
    expect(early.statusCode).toBe(422);
    expect(early.json().errors[0].path).toBe('body.assignedAt');
    const kinds = (await clerk.get(`/v1/cases/${kase.id}/timeline`)).json().items.map((e: any) => e.kind);
    expect(kinds).toEqual(['arrest', 'legal_aid_requested', 'legal_aid_assigned']);
  });

  it('records a request by the child on a case not detained, which can be withdrawn', async () => {
    const { clerk, kase } = await courtWithCase(h);
    // withdraw the intake request first, then the child asks
    const [intake] = (await clerk.get(`/v1/cases/${kase.id}/legal-aid-assignments`)).json().items;
    await expectAudited(
      h,
      await clerk.post(`/v1/legal-aid/assignments/${intake.id}/withdraw`, { reason: 'private lawyer' }),
      200,
      1,
    );
    const req = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-requests`, {
        source: 'child',
        requestedAt: at(-3_600_000),
      }),
      201,
      1,
    );
    expect(req).toMatchObject({ status: 'requested', requestSource: 'child' });
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    // A lawyer cannot accept a request nobody addressed to them: 404, as for any other's assignment.
    await expectAudited(h, await lawyer.post(`/v1/legal-aid/assignments/${req.id}/accept`, {}), 404, 1);
  });
});

describe('capability 13: break-glass review and court order revocation', () => {
  async function caseWithGrant() {
    const { clerk, kase, court } = await courtWithCase(h);
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const a = (
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
    ).json();
    await lawyer.post(`/v1/legal-aid/assignments/${a.id}/accept`, {});
    const grant = await lawyer.post(`/v1/cases/${kase.id}/break-glass`, {
      reason: 'The child was taken to hospital and the defence needs the records now',
    });
    expect(grant.statusCode, grant.body).toBe(201);
    return { clerk, kase, court, lawyer, grant: grant.json() };
  }

  it('lets an auditor or a judge of the court record one verdict, audited; nobody else', async () => {
    const { kase, court, lawyer, grant } = await caseWithGrant();
    const auditor = await h.as({ sub: uid('auditor'), roles: ['auditor'], org: 'oversight' });
    const judge = await h.as({ sub: uid('judge'), roles: ['judge'], org: court });
    const otherJudge = await h.as({ sub: uid('judge'), roles: ['judge'], org: uid('court') });
    await expectAudited(
      h,
      await otherJudge.post(`/v1/break-glass/${grant.id}/review`, { verdict: 'justified', note: 'n' }),
      404,
      1,
    );
    await expectAudited(
      h,
      await lawyer.post(`/v1/break-glass/${grant.id}/review`, { verdict: 'justified', note: 'n' }),
      403,
      1,
    );
    const verdict = await expectAudited(
      h,
      await judge.post(`/v1/break-glass/${grant.id}/review`, {
        verdict: 'not_justified',
        note: 'No emergency: the hearing was a week away',
      }),
      200,
      1,
    );
    expect(verdict).toMatchObject({
      reviewVerdict: 'not_justified',
      reviewedRole: 'judge',
      reviewNote: 'No emergency: the hearing was a week away',
    });
    const second = await auditor.post(`/v1/break-glass/${grant.id}/review`, {
      verdict: 'justified',
      note: 'n',
    });
    const problem = await expectAudited(h, second, 409, 1);
    expect(problem).toMatchObject({ currentStatus: 'reviewed', reviewVerdict: 'not_justified' });
    const pending = (await auditor.get(`/v1/break-glass?caseId=${kase.id}&verdict=pending`)).json();
    expect(pending.items).toEqual([]);
    const reviewed = (await auditor.get(`/v1/break-glass?caseId=${kase.id}&verdict=not_justified`)).json();
    expect(reviewed.items.map((g: { id: string }) => g.id)).toEqual([grant.id]);
  });

  it('records one verdict when two reviewers race', async () => {
    const { grant } = await caseWithGrant();
    const auditors = await Promise.all(
      [1, 2, 3, 4].map(() => h.as({ sub: uid('auditor'), roles: ['auditor'], org: 'oversight' })),
    );
    const results = await Promise.all(
      auditors.map((a, i) =>
        a.post(`/v1/break-glass/${grant.id}/review`, {
          verdict: i % 2 ? 'justified' : 'not_justified',
          note: 'n',
        }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409, 409, 409]);
  });

  it('lets the issuing court revoke an order; it opens nothing on the next request; twice is 409', async () => {
    const { clerk, kase, court } = await courtWithCase(h);
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const a = (
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
    ).json();
    await lawyer.post(`/v1/legal-aid/assignments/${a.id}/accept`, {});
    const content = uid('diagnosis');
    const record = (
      await clerk.post(`/v1/cases/${kase.id}/records`, { category: 'health', title: 't', content })
    ).json();
    const order = (
      await clerk.post(`/v1/cases/${kase.id}/court-orders`, {
        reference: uid('ORD'),
        categories: ['health'],
        purposes: ['legal_defence'],
        grantees: [{ type: 'role', value: 'legal_aid_lawyer' }],
      })
    ).json();
    expect((await lawyer.get(`/v1/records/${record.id}`)).json().content).toBe(content);
    // Another court's clerk: 404; a judge of the court: 403 (a clerk's act).
    const stranger = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: uid('court') });
    await expectAudited(
      h,
      await stranger.post(`/v1/court-orders/${order.id}/revoke`, { reason: 'r' }),
      404,
      1,
    );
    const judge = await h.as({ sub: uid('judge'), roles: ['judge'], org: court });
    await expectAudited(h, await judge.post(`/v1/court-orders/${order.id}/revoke`, { reason: 'r' }), 403, 1);
    const revoked = await expectAudited(
      h,
      await clerk.post(`/v1/court-orders/${order.id}/revoke`, { reason: 'order set aside on appeal' }),
      200,
      1,
    );
    expect(revoked).toMatchObject({
      active: false,
      revocationReason: 'order set aside on appeal',
      version: 2,
    });
    const after = (await lawyer.get(`/v1/records/${record.id}`)).json();
    expect(after.withheld).toBe(true);
    expect(after).not.toHaveProperty('content');
    const twice = await clerk.post(`/v1/court-orders/${order.id}/revoke`, { reason: 'again' });
    expect((await expectAudited(h, twice, 409, 1)).currentStatus).toBe('revoked');
    const kinds = (await clerk.get(`/v1/cases/${kase.id}/timeline`)).json().items.map((e: any) => e.kind);
    expect(kinds).toContain('court_order_revoked');
  });
});
