import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { expectAudited } from './helpers/case-path.js';
import { readFeed } from './helpers/events.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

/**
 * Children move between courts (issue 8.5): a court may open a case on a child another court has an
 * open case for, but until the intake rules accept the new case it sees only the child's identity;
 * both courts' timelines record it and the other court is told through the event feed. The
 * guardians' contact stays with courts whose case is open and related.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ EVENTS_POLL_INTERVAL_MS: '50' });
});
afterAll(async () => h?.close());

const guardians = [{ name: 'Sevinj Mammadova', relationship: 'mother', contact: '+994 55 222 22 22' }];
const identity = (p: Record<string, unknown>) => ({
  id: p.id,
  givenName: p.givenName,
  familyName: p.familyName,
  dateOfBirth: p.dateOfBirth,
  sex: p.sex,
  createdAt: p.createdAt,
});
const timelineKinds = async (client: Client, caseId: string) =>
  ((await client.get(`/v1/cases/${caseId}/timeline?limit=100`)).json().items as { kind: string }[]).map(
    (e) => e.kind,
  );

/** Court B with its child and open case; court A, whose clerk finds the child by name and date of birth. */
async function twoCourts() {
  const courtB = await createOrg(h, 'court');
  const clerkB = await h.as({
    sub: uid('clerk'),
    roles: ['court_clerk'],
    org: courtB,
    scope: 'events:read',
  });
  const child = await createPerson(clerkB, { dateOfBirth: '2010-05-01', guardians });
  const caseB = await createCase(clerkB, child.id, { detained: false });
  const courtA = await createOrg(h, 'court');
  const clerkA = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: courtA });
  const found = (
    await clerkA.get(
      `/v1/persons/matches?givenName=${child.givenName}&familyName=${child.familyName}&dateOfBirth=2010-05-01`,
    )
  ).json().items;
  expect(found.map((m: { id: string }) => m.id)).toContain(child.id);
  return { courtA, courtB, clerkA, clerkB, child, caseB };
}

describe('a case opened on a child with an open case at another court', () => {
  it('shows the new court only the identity until accepted, on both timelines, told to the other court', async () => {
    const { clerkA, clerkB, child, caseB } = await twoCourts();
    const { cursor } = await readFeed(clerkB);
    const caseA = await createCase(clerkA, child.id, { detained: false });
    expect(caseA.intakeStatus).toBe('pending_acceptance');

    const asA = await expectAudited(h, await clerkA.get(`/v1/persons/${child.id}`), 200, 1);
    expect(asA).toEqual(identity(child));
    // Nothing else of the child through the pending case: consents, for one.
    await expectAudited(h, await clerkA.get(`/v1/persons/${child.id}/consents`), 404, 1);

    expect(await timelineKinds(clerkA, caseA.id)).toContain('cross_court_registration');
    const onB = (await clerkB.get(`/v1/cases/${caseB.id}/timeline?limit=100`)).json().items;
    expect(onB.find((e: { kind: string }) => e.kind === 'child_registered_elsewhere')).toMatchObject({
      resourceId: caseA.id,
    });
    // Court B is told through its event feed: its own case changed.
    const { events } = await readFeed(clerkB, {
      after: cursor,
      until: (e) => e.some((x) => x.caseId === caseB.id && x.type === 'case.updated'),
    });
    expect(events.every((e) => e.caseId !== caseA.id)).toBe(true);
  });

  it('opens the record once the court holding the open case accepts; the new court cannot accept itself', async () => {
    const { courtA, clerkA, clerkB, child, caseB } = await twoCourts();
    const caseA = await createCase(clerkA, child.id, { detained: false });
    const judgeA = await h.as({ sub: uid('judge'), roles: ['judge'], org: courtA });
    for (const self of [clerkA, judgeA]) {
      await expectAudited(h, await self.post(`/v1/cases/${caseA.id}/intake-acceptance`, {}), 403, 1);
    }
    // A court related to nothing of the child gets 404.
    const stranger = await h.as({
      sub: uid('clerk'),
      roles: ['court_clerk'],
      org: await createOrg(h, 'court'),
    });
    await expectAudited(h, await stranger.post(`/v1/cases/${caseA.id}/intake-acceptance`, {}), 404, 1);

    const accepted = await expectAudited(
      h,
      await clerkB.post(`/v1/cases/${caseA.id}/intake-acceptance`, {}),
      200,
      1,
    );
    expect(accepted).toEqual({ id: caseA.id, intakeStatus: 'accepted', acceptedAt: expect.any(String) });
    expect((await clerkB.post(`/v1/cases/${caseA.id}/intake-acceptance`, {})).statusCode).toBe(409);

    const asA = (await clerkA.get(`/v1/persons/${child.id}`)).json();
    expect(asA).toMatchObject({ guardians, region: child.region });
    expect(await timelineKinds(clerkA, caseA.id)).toContain('intake_accepted');
    expect(await timelineKinds(clerkB, caseB.id)).toContain('intake_accepted_elsewhere');
  });

  it("keeps the guardians' contact with courts whose case is open", async () => {
    const { clerkB, child, caseB } = await twoCourts();
    expect((await clerkB.get(`/v1/persons/${child.id}`)).json().guardians).toEqual(guardians);
    const closed = await clerkB.post(`/v1/cases/${caseB.id}/close`, { reason: 'Dismissed' });
    expect(closed.statusCode, closed.body).toBe(200);
    const after = (await clerkB.get(`/v1/persons/${child.id}`)).json();
    expect(after.guardians).toEqual([{ name: 'Sevinj Mammadova', relationship: 'mother' }]);
  });

  it('accepts at once when no other court holds an open case; a judge of the new court accepts once the other closes', async () => {
    const { courtA, clerkA, clerkB, child, caseB } = await twoCourts();
    const pending = await createCase(clerkA, child.id, { detained: false });
    expect(pending.intakeStatus).toBe('pending_acceptance');
    expect((await clerkB.post(`/v1/cases/${caseB.id}/close`, { reason: 'Moved away' })).statusCode).toBe(200);
    // No open case elsewhere any more: the new court's judge (not the clerk who opened it) accepts.
    await expectAudited(h, await clerkA.post(`/v1/cases/${pending.id}/intake-acceptance`, {}), 403, 1);
    const judgeA = await h.as({ sub: uid('judge'), roles: ['judge'], org: courtA });
    await expectAudited(h, await judgeA.post(`/v1/cases/${pending.id}/intake-acceptance`, {}), 200, 1);

    // A further case of court A on the same child is accepted at once: nobody else holds an open case.
    const next = await createCase(clerkA, child.id, { detained: false });
    expect(next.intakeStatus).toBe('accepted');
  });
});
