import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, json, uid } from './helpers/app.js';
import { auditOf, createStaff, expectAudited } from './helpers/case-path.js';
import { courtWithCase, createOrg } from './helpers/factories.js';

/** Capability 11 of issue 14: cases, supervisions and referrals moving between organisations. */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('case transfer to another court', () => {
  it('moves the case on acceptance: the old court loses sight of it (404), the new court owns it', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const newCourt = await createOrg(h, 'court');
    const newClerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: newCourt });
    const bystander = await h.as({
      sub: uid('clerk'),
      roles: ['court_clerk'],
      org: await createOrg(h, 'court'),
    });

    // Only a registered court, and not the owning one.
    expect(
      (await clerk.post(`/v1/cases/${kase.id}/transfers`, { toCourtOrgId: uid('nowhere'), reason: 'r' }))
        .statusCode,
    ).toBe(422);
    const transfer = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/transfers`, {
        toCourtOrgId: newCourt,
        reason: 'The family moved to the other district',
      }),
      201,
      1,
    );
    expect(transfer).toMatchObject({ kind: 'case_transfer', status: 'sent', toOrgId: newCourt });
    // One pending transfer at a time.
    await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/transfers`, { toCourtOrgId: newCourt, reason: 'again' }),
      409,
      1,
    );

    // Before acceptance the receiving court sees the transfer (in its worklist), not the case.
    const incoming = json(await newClerk.get('/v1/transfers'));
    expect(incoming.items.map((t: any) => t.id)).toEqual([transfer.id]);
    expect(json(await bystander.get('/v1/transfers')).items).toEqual([]);
    await expectAudited(h, await newClerk.get(`/v1/transfers/${transfer.id}`), 200, 1);
    await expectAudited(h, await bystander.get(`/v1/transfers/${transfer.id}`), 404, 1);
    await expectAudited(h, await newClerk.get(`/v1/cases/${kase.id}`), 404, 1);
    // The sending court may not answer its own transfer; a bystander court gets 404.
    await expectAudited(h, await clerk.post(`/v1/transfers/${transfer.id}/accept`, {}), 404, 1);
    await expectAudited(h, await bystander.post(`/v1/transfers/${transfer.id}/accept`, {}), 404, 1);
    // The sending court sees the transfer on the timeline.
    const before = json(await clerk.get(`/v1/cases/${kase.id}/timeline`)).items.map((e: any) => e.kind);
    expect(before).toContain('case_transfer_sent');

    const accepted = await newClerk.post(`/v1/transfers/${transfer.id}/accept`, { note: 'Taken over' });
    expect((await expectAudited(h, accepted, 200, 1)).status).toBe('accepted');
    expect((await auditOf(h, accepted))[0]).toMatchObject({
      resource_type: 'transfer',
      case_id: kase.id,
      basis_type: 'receiving_org',
    });

    // Access moved: the new court owns and lists the case, the old one gets 404 everywhere.
    const read = json(await newClerk.get(`/v1/cases/${kase.id}`));
    expect(read.courtOrgId).toBe(newCourt);
    expect(json(await newClerk.get('/v1/cases')).items.map((c: any) => c.id)).toContain(kase.id);
    await expectAudited(h, await clerk.get(`/v1/cases/${kase.id}`), 404, 1);
    await expectAudited(h, await clerk.get(`/v1/cases/${kase.id}/timeline`), 404, 1);
    expect(json(await clerk.get('/v1/cases')).items.map((c: any) => c.id)).not.toContain(kase.id);
    expect(json(await newClerk.get('/v1/transfers')).items).toEqual([]);
    const kinds = json(await newClerk.get(`/v1/cases/${kase.id}/timeline`)).items.map((e: any) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['case_transfer_sent', 'case_transfer_accepted']));
    // Answered once only.
    await expectAudited(
      h,
      await newClerk.post(`/v1/transfers/${transfer.id}/decline`, { reason: 'x' }),
      404,
      1,
    );
  });

  it('keeps the case where it is when the receiving court declines', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const newCourt = await createOrg(h, 'court');
    const newClerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: newCourt });
    const transfer = json(
      await clerk.post(`/v1/cases/${kase.id}/transfers`, { toCourtOrgId: newCourt, reason: 'Moved' }),
    );
    const declined = await newClerk.post(`/v1/transfers/${transfer.id}/decline`, {
      reason: 'Not our district',
    });
    expect(json(declined)).toMatchObject({ status: 'declined', responseNote: 'Not our district' });
    expect(json(await clerk.get(`/v1/cases/${kase.id}`)).courtOrgId).toBe(kase.courtOrgId);
    await expectAudited(h, await newClerk.get(`/v1/cases/${kase.id}`), 404, 1);
    await expectAudited(h, await newClerk.get(`/v1/transfers/${transfer.id}`), 404, 1);
    const kinds = json(await clerk.get(`/v1/cases/${kase.id}/timeline`)).items.map((e: any) => e.kind);
    expect(kinds).toContain('case_transfer_declined');
  });
});

describe('social-services referral', () => {
  it('is accepted, started and completed by the receiving organisation, which sees it only while related', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const provider = await createOrg(h, 'social_services');
    const worker = await createStaff(h, 'social_worker', { org: provider });
    const other = await createStaff(h, 'social_worker');
    const referral = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/referrals`, {
        receivingOrgId: provider,
        service: 'Family counselling, weekly',
      }),
      201,
      1,
    );
    expect(referral).toMatchObject({ kind: 'referral', status: 'sent', category: 'family_social' });
    // Without a consent the content is withheld, even from the sender.
    expect(referral).toMatchObject({ service: null, withheld: true });

    expect(json(await worker.get('/v1/referrals')).items.map((r: any) => r.id)).toEqual([referral.id]);
    expect(json(await other.get('/v1/referrals')).items).toEqual([]);
    await expectAudited(h, await other.get(`/v1/referrals/${referral.id}`), 404, 1);
    // The receiver is related to the referral, not to the case.
    await expectAudited(h, await worker.get(`/v1/cases/${kase.id}`), 404, 1);

    await expectAudited(h, await worker.post(`/v1/referrals/${referral.id}/start`, {}), 409, 1);
    expect(json(await worker.post(`/v1/referrals/${referral.id}/accept`, {})).status).toBe('accepted');
    // The sender cannot answer for the receiver.
    await expectAudited(h, await clerk.post(`/v1/referrals/${referral.id}/start`, {}), 403, 1);
    expect(json(await worker.post(`/v1/referrals/${referral.id}/start`, {})).status).toBe('in_progress');
    const completed = await worker.post(`/v1/referrals/${referral.id}/complete`, {
      outcome: 'Eight sessions attended; family relations improved',
    });
    const body = await expectAudited(h, completed, 200, 1);
    expect(body.status).toBe('completed');
    expect(body.completedAt).not.toBeNull();

    // Completed: the receiver is no longer related.
    expect(json(await worker.get('/v1/referrals')).items).toEqual([]);
    await expectAudited(h, await worker.get(`/v1/referrals/${referral.id}`), 404, 1);
    // The court still sees it, and every step on the timeline (summaries under the category's rule).
    expect(json(await clerk.get(`/v1/referrals/${referral.id}`)).status).toBe('completed');
    const timeline = json(await clerk.get(`/v1/cases/${kase.id}/timeline`)).items;
    expect(timeline.map((e: any) => e.kind)).toEqual(
      expect.arrayContaining([
        'referral_sent',
        'referral_accepted',
        'referral_in_progress',
        'referral_completed',
      ]),
    );
    expect(timeline.find((e: any) => e.kind === 'referral_completed').category).toBe('family_social');
  });
});

describe('supervision transfer to another probation office', () => {
  it('hands the supervision to an officer of the receiving office, and the first officer loses sight', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const officer = await createStaff(h, 'probation_officer');
    const hearing = json(
      await clerk.post(`/v1/cases/${kase.id}/hearings`, {
        scheduledAt: '2026-11-03T09:00:00Z',
        purpose: 'adjudication',
      }),
    );
    const held = await clerk.post(`/v1/hearings/${hearing.id}/hold`, {
      heldAt: new Date().toISOString(),
      outcome: 'Facts established',
      attendees: ['child'],
      childFriendlyCourtroom: true,
    });
    expect(held.statusCode, held.body).toBe(200);
    const disposition = await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
      outcome: 'probation',
      decidedAt: new Date().toISOString(),
      hearingId: hearing.id,
      termMonths: 6,
    });
    expect(disposition.statusCode, disposition.body).toBe(201);
    const supervision = await clerk.post(`/v1/cases/${kase.id}/supervisions`, {
      officerSub: officer.sub,
      startsOn: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
      endsOn: new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10),
      conditions: ['attend school'],
    });
    expect(supervision.statusCode, supervision.body).toBe(201);
    const office = await createOrg(h, 'probation');
    const successor = await createStaff(h, 'probation_officer', { org: office });
    const transfer = json(
      await clerk.post(`/v1/supervisions/${supervision.json().id}/transfers`, {
        toOrgId: office,
        reason: 'Moved',
      }),
    );
    expect(transfer).toMatchObject({ kind: 'supervision_transfer', status: 'sent' });
    await expectAudited(h, await successor.get(`/v1/cases/${kase.id}`), 404, 1);
    expect(json(await successor.get('/v1/transfers')).items.map((t: any) => t.id)).toEqual([transfer.id]);
    await expectAudited(h, await successor.post(`/v1/transfers/${transfer.id}/accept`, {}), 200, 1);
    expect(json(await clerk.get(`/v1/supervisions/${supervision.json().id}`)).officerSub).toBe(successor.sub);
    await expectAudited(h, await successor.get(`/v1/cases/${kase.id}`), 200, 1);
    await expectAudited(h, await officer.get(`/v1/cases/${kase.id}`), 404, 1);
  });
});

describe('withdrawal by the sending side (issue 14, leftover of capability 11)', () => {
  it('lets the sending court take back a pending transfer: the receiver loses it, the case stays, 409 once answered', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const newCourt = await createOrg(h, 'court');
    const newClerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: newCourt });
    const transfer = json(
      await clerk.post(`/v1/cases/${kase.id}/transfers`, { toCourtOrgId: newCourt, reason: 'Moved' }),
    );
    // The receiver cannot withdraw what it was sent (it is not the sending side).
    await expectAudited(
      h,
      await newClerk.post(`/v1/transfers/${transfer.id}/withdraw`, { reason: 'Not ours' }),
      404,
      1,
    );
    // Not in the future, not before it was sent.
    const future = new Date(Date.now() + 3 * 86_400_000).toISOString();
    expect(
      (await clerk.post(`/v1/transfers/${transfer.id}/withdraw`, { reason: 'x', occurredAt: future }))
        .statusCode,
    ).toBe(422);
    const withdrawn = await expectAudited(
      h,
      await clerk.post(
        `/v1/transfers/${transfer.id}/withdraw`,
        { reason: 'Sent to the wrong court' },
        { 'if-match': '"1"' },
      ),
      200,
      1,
    );
    expect(withdrawn).toMatchObject({ status: 'withdrawn', responseNote: 'Sent to the wrong court' });
    expect(json(await newClerk.get('/v1/transfers')).items).toEqual([]);
    await expectAudited(h, await newClerk.post(`/v1/transfers/${transfer.id}/accept`, {}), 404, 1);
    expect((await clerk.get(`/v1/cases/${kase.id}`)).statusCode).toBe(200);
    const kinds = json(await clerk.get(`/v1/cases/${kase.id}/timeline`)).items.map((e: any) => e.kind);
    expect(kinds).toContain('case_transfer_withdrawn');
    // Withdrawn is final: a second withdrawal is a 409 in the one conflict shape.
    const again = await clerk.post(`/v1/transfers/${transfer.id}/withdraw`, { reason: 'again' });
    const problem = await expectAudited(h, again, 409, 1);
    expect(problem).toMatchObject({ currentStatus: 'withdrawn', currentStage: kase.stage });
    expect(problem.allowedNextStages).toBeInstanceOf(Array);
    // A new transfer may be sent now that none is pending.
    expect(
      (await clerk.post(`/v1/cases/${kase.id}/transfers`, { toCourtOrgId: newCourt, reason: 'Moved' }))
        .statusCode,
    ).toBe(201);
  });

  it('lets the sending organisation take back a pending referral, and refuses once accepted', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const provider = await createOrg(h, 'social_services');
    const worker = await createStaff(h, 'social_worker', { org: provider });
    const send = async () =>
      json(
        await clerk.post(`/v1/cases/${kase.id}/referrals`, {
          receivingOrgId: provider,
          service: 'Counselling',
        }),
      );
    const first = await send();
    const withdrawn = await expectAudited(
      h,
      await clerk.post(`/v1/referrals/${first.id}/withdraw`, { reason: 'The family moved away' }),
      200,
      1,
    );
    expect(withdrawn.status).toBe('withdrawn');
    expect(json(await worker.get('/v1/referrals')).items).toEqual([]);
    await expectAudited(h, await worker.get(`/v1/referrals/${first.id}`), 404, 1);

    const second = await send();
    expect(json(await worker.post(`/v1/referrals/${second.id}/accept`, {})).status).toBe('accepted');
    // The receiver may not withdraw it (related to the referral, not as a sender: 404); the sender
    // may not once it is answered.
    await expectAudited(h, await worker.post(`/v1/referrals/${second.id}/withdraw`, { reason: 'x' }), 404, 1);
    const late = await clerk.post(`/v1/referrals/${second.id}/withdraw`, { reason: 'Too late' });
    expect((await expectAudited(h, late, 409, 1)).currentStatus).toBe('accepted');
    const kinds = json(await clerk.get(`/v1/cases/${kase.id}/timeline`)).items.map((e: any) => e.kind);
    expect(kinds).toContain('referral_withdrawn');
  });
});
