import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { auditOf, createStaff, expectAudited } from './helpers/case-path.js';
import { courtWithCase, createCase, createOrg, createPerson } from './helpers/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const count = async (table: string, where: string) =>
  Number(
    rowsOf<{ n: number }>(
      await h.testDb.database.db.execute(sql.raw(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`)),
    )[0].n,
  );
const now = () => new Date().toISOString();
const ids = async (client: Client) =>
  ((await client.get('/v1/cases?limit=100')).json().items as { id: string }[]).map((c) => c.id).sort();

/** A case taken to supervision, with every kind of case-path resource on it. */
async function caseUnderSupervision() {
  const { clerk, kase, court } = await courtWithCase(h);
  const lawyer = await createStaff(h, 'legal_aid_lawyer');
  const officer = await createStaff(h, 'probation_officer');
  const worker = await createStaff(h, 'social_worker');
  const custody = (
    await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
      kind: 'pre_trial',
      facility: 'Centre',
      startedAt: '2026-11-01T12:30:00Z',
    })
  ).json();
  const a = (
    await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
  ).json();
  await lawyer.post(`/v1/legal-aid/assignments/${a.id}/accept`, {});
  await clerk.post(`/v1/cases/${kase.id}/social-work-assignments`, { socialWorkerSub: worker.sub });
  const hearing = (
    await clerk.post(`/v1/cases/${kase.id}/hearings`, { scheduledAt: now(), purpose: 'adjudication' })
  ).json();
  await clerk.post(`/v1/hearings/${hearing.id}/hold`, {
    heldAt: now(),
    outcome: 'Guilty',
    attendees: ['child'],
    childFriendlyCourtroom: true,
  });
  await clerk.post(`/v1/cases/${kase.id}/dispositions`, { outcome: 'probation', decidedAt: now() });
  const sup = await clerk.post(`/v1/cases/${kase.id}/supervisions`, {
    officerSub: officer.sub,
    startsOn: '2026-12-01',
    endsOn: '2027-12-01',
  });
  expect(sup.statusCode).toBe(201);
  return {
    clerk,
    court,
    kase,
    lawyer,
    officer,
    worker,
    custody,
    hearing,
    assignment: a,
    supervision: sup.json(),
  };
}

describe('who sees which case on the case path', () => {
  it('shows lawyers, officers and social workers exactly the cases they are related to', async () => {
    const one = await caseUnderSupervision();
    const { clerk, kase: other } = await courtWithCase(h);
    // The same professionals are related to nothing on the other case.
    for (const p of [one.lawyer, one.officer, one.worker]) {
      expect(await ids(p)).toEqual([one.kase.id]);
      await expectAudited(h, await p.get(`/v1/cases/${one.kase.id}`), 200, 1);
      await expectAudited(h, await p.get(`/v1/cases/${other.id}`), 404, 1);
    }
    // Relate the lawyer to the second case too: now both, and nothing else.
    const a2 = (
      await clerk.post(`/v1/cases/${other.id}/legal-aid-assignments`, { lawyerSub: one.lawyer.sub })
    ).json();
    expect(await ids(one.lawyer)).toEqual([one.kase.id]); // not before acceptance
    await one.lawyer.post(`/v1/legal-aid/assignments/${a2.id}/accept`, {});
    expect(await ids(one.lawyer)).toEqual([one.kase.id, other.id].sort());
    const worklist = (await one.lawyer.get('/v1/legal-aid/assignments?limit=1')).json();
    expect(worklist.items).toHaveLength(1);
    const next = (
      await one.lawyer.get(
        `/v1/legal-aid/assignments?limit=1&cursor=${encodeURIComponent(worklist.nextCursor)}`,
      )
    ).json();
    expect(next.items).toHaveLength(1);
    expect(next.nextCursor).toBeNull();
    expect([worklist.items[0].caseId, next.items[0].caseId].sort()).toEqual([one.kase.id, other.id].sort());
    // Completion ends it for one case only.
    await expectAudited(h, await one.lawyer.post(`/v1/legal-aid/assignments/${a2.id}/complete`, {}), 200, 1);
    expect(await ids(one.lawyer)).toEqual([one.kase.id]);
    expect(
      (await one.lawyer.get('/v1/legal-aid/assignments')).json().items.map((i: any) => i.caseId),
    ).toEqual([one.kase.id]);
  });

  it('answers 404 to unrelated callers on every case-path route, including the timeline, and changes nothing', async () => {
    const c = await caseUnderSupervision();
    const otherCourt = await createOrg(h, 'court');
    const strangers: Client[] = [
      await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: otherCourt }),
      await h.as({ sub: uid('judge'), roles: ['judge'], org: otherCourt }),
      await createStaff(h, 'legal_aid_lawyer'),
      await createStaff(h, 'probation_officer'),
      await createStaff(h, 'social_worker'),
      await h.as({ sub: uid('prosecutor'), roles: ['prosecutor'], org: uid('prosecution') }),
    ];
    const reads = [
      `/v1/cases/${c.kase.id}`,
      `/v1/cases/${c.kase.id}/timeline`,
      `/v1/cases/${c.kase.id}/hearings`,
      `/v1/cases/${c.kase.id}/custody-episodes`,
      `/v1/cases/${c.kase.id}/diversions`,
      `/v1/cases/${c.kase.id}/dispositions`,
      `/v1/cases/${c.kase.id}/legal-aid-assignments`,
      `/v1/cases/${c.kase.id}/social-services`,
      `/v1/supervisions/${c.supervision.id}`,
      `/v1/supervisions/${c.supervision.id}/entries`,
    ];
    for (const s of strangers) {
      for (const url of reads) {
        const res = await s.get(url);
        // 404 for a role that may read such things at all; 403 for a role that never may (rule 1).
        expect([403, 404], `${url}`).toContain(res.statusCode);
        expect(await auditOf(h, res)).toHaveLength(1);
      }
      expect((await s.get(`/v1/cases/${c.kase.id}/timeline`)).statusCode).toBe(404);
      expect(await ids(s)).not.toContain(c.kase.id);
    }
    const [clerk] = strangers;
    const timelineBefore = await count('case_events', `case_id = '${c.kase.id}'`);
    const writes: [string, unknown][] = [
      [`/v1/cases/${c.kase.id}/hearings`, { scheduledAt: now(), purpose: 'x' }],
      [`/v1/hearings/${c.hearing.id}/cancel`, { reason: 'x' }],
      [`/v1/custody-episodes/${c.custody.id}/end`, { releasedAt: now(), releaseReason: 'x' }],
      [`/v1/cases/${c.kase.id}/custody-episodes`, { kind: 'pre_trial', facility: 'x', startedAt: now() }],
      [`/v1/cases/${c.kase.id}/dispositions`, { outcome: 'warning', decidedAt: now() }],
      [`/v1/cases/${c.kase.id}/diversions`, { provider: 'x', conditions: ['x'] }],
      [`/v1/cases/${c.kase.id}/legal-aid-assignments`, { lawyerSub: c.lawyer.sub }],
      [`/v1/legal-aid/assignments/${c.assignment.id}/withdraw`, { reason: 'x' }],
      [`/v1/cases/${c.kase.id}/close`, { reason: 'x' }],
    ];
    for (const [url, body] of writes) await expectAudited(h, await clerk.post(url, body), 404, 1);
    // Another officer cannot write to this supervision; another lawyer cannot accept or withdraw.
    await expectAudited(
      h,
      await strangers[3].post(`/v1/supervisions/${c.supervision.id}/progress-notes`, { notes: 'x' }),
      404,
      1,
    );
    await expectAudited(
      h,
      await strangers[2].post(`/v1/legal-aid/assignments/${c.assignment.id}/withdraw`, { reason: 'x' }),
      404,
      1,
    );
    await expectAudited(
      h,
      await strangers[4].post(`/v1/cases/${c.kase.id}/vulnerability-assessments`, { content: 'x' }),
      404,
      1,
    );
    expect(await count('case_events', `case_id = '${c.kase.id}'`)).toBe(timelineBefore);
    // Ids that do not exist read exactly like ids the caller may not see.
    const ghost = '00000000-0000-4000-8000-000000000001';
    await expectAudited(h, await c.clerk.get(`/v1/supervisions/${ghost}`), 404, 1);
    await expectAudited(h, await c.clerk.post(`/v1/hearings/${ghost}/cancel`, { reason: 'x' }), 404, 1);
  });

  it('lets the right roles only: 403 for roles that may never take the action', async () => {
    const c = await caseUnderSupervision();
    await expectAudited(
      h,
      await c.lawyer.post(`/v1/cases/${c.kase.id}/hearings`, { scheduledAt: now(), purpose: 'x' }),
      403,
      1,
    );
    await expectAudited(h, await c.officer.post(`/v1/cases/${c.kase.id}/close`, { reason: 'x' }), 403, 1);
    await expectAudited(
      h,
      await c.clerk.post(`/v1/supervisions/${c.supervision.id}/contacts`, {
        occurredAt: now(),
        kind: 'phone',
        notes: 'x',
      }),
      403,
      1,
    );
    await expectAudited(h, await c.clerk.get('/v1/supervisions'), 403, 1);
    await expectAudited(h, await c.officer.get('/v1/legal-aid/assignments'), 403, 1);
  });

  it('refuses unspecialised officers and social workers with 422', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const worker = await createStaff(h, 'social_worker', { juvenileSpecialised: false });
    const res = await clerk.post(`/v1/cases/${kase.id}/social-work-assignments`, {
      socialWorkerSub: worker.sub,
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].path).toBe('body.socialWorkerSub');
    expect(await count('social_work_assignments', `case_id = '${kase.id}'`)).toBe(0);
    const c = await (async () => {
      const court = await createOrg(h, 'court');
      const cl = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
      const p = await createPerson(cl);
      const k = await createCase(cl, p.id);
      const hr = (await cl.post(`/v1/cases/${k.id}/hearings`, { scheduledAt: now(), purpose: 'x' })).json();
      await cl.post(`/v1/hearings/${hr.id}/hold`, {
        heldAt: now(),
        outcome: 'x',
        attendees: [],
        childFriendlyCourtroom: true,
      });
      await cl.post(`/v1/cases/${k.id}/dispositions`, { outcome: 'probation', decidedAt: now() });
      return { cl, k };
    })();
    const officer = await createStaff(h, 'probation_officer', { juvenileSpecialised: false });
    const sup = await c.cl.post(`/v1/cases/${c.k.id}/supervisions`, {
      officerSub: officer.sub,
      startsOn: '2026-12-01',
      endsOn: '2027-12-01',
    });
    expect(sup.statusCode).toBe(422);
    expect(await count('supervisions', `case_id = '${c.k.id}'`)).toBe(0);
  });
});

describe('supervision revocation and custody races', () => {
  it('ends the officer’s relationship when the court grants a revocation request', async () => {
    const c = await caseUnderSupervision();
    // The court cannot revoke what nobody asked to revoke.
    await expectAudited(
      h,
      await c.clerk.post(`/v1/supervisions/${c.supervision.id}/revoke`, { reason: 'x' }),
      409,
      1,
    );
    const requested = await expectAudited(
      h,
      await c.officer.post(`/v1/supervisions/${c.supervision.id}/revocation-request`, {
        reason: 'Repeated violations',
      }),
      200,
      1,
    );
    expect(requested.status).toBe('revocation_requested');
    // Still related while the court decides; still on the caseload.
    await expectAudited(h, await c.officer.get(`/v1/cases/${c.kase.id}`), 200, 1);
    expect((await c.officer.get('/v1/supervisions')).json().items).toHaveLength(1);
    await expectAudited(h, await c.officer.post(`/v1/supervisions/${c.supervision.id}/complete`, {}), 409, 1);
    const revoked = await expectAudited(
      h,
      await c.clerk.post(`/v1/supervisions/${c.supervision.id}/revoke`, { reason: 'Granted at hearing' }),
      200,
      1,
    );
    expect(revoked.status).toBe('revoked');
    await expectAudited(h, await c.officer.get(`/v1/cases/${c.kase.id}`), 404, 1);
    expect((await c.officer.get('/v1/supervisions')).json().items).toEqual([]);
    expect(await ids(c.officer)).toEqual([]);
  });

  it('lets only one of two simultaneous custody starts for the same child through', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const child = await createPerson(clerk);
    const first = await createCase(clerk, child.id);
    const second = await createCase(clerk, child.id);
    const body = { kind: 'pre_trial', facility: 'Centre', startedAt: '2026-11-01T12:30:00Z' };
    const results = await Promise.all([
      clerk.post(`/v1/cases/${first.id}/custody-episodes`, body),
      clerk.post(`/v1/cases/${second.id}/custody-episodes`, body),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(await count('custody_episodes', `person_id = '${child.id}'`)).toBe(1);
    for (const r of results) expect(await auditOf(h, r)).toHaveLength(1);
  });
});

describe('social services', () => {
  it('records assessments and referrals as sensitive records, lists metadata only and withholds them on the timeline', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const worker = await createStaff(h, 'social_worker');
    await expectAudited(h, await worker.get(`/v1/cases/${kase.id}`), 404, 1);
    const assignment = await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/social-work-assignments`, { socialWorkerSub: worker.sub }),
      201,
      1,
    );
    await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/social-work-assignments`, { socialWorkerSub: worker.sub }),
      409,
      1,
    );
    await expectAudited(h, await worker.get(`/v1/cases/${kase.id}`), 200, 1);

    const assessment = await expectAudited(
      h,
      await worker.post(`/v1/cases/${kase.id}/vulnerability-assessments`, {
        content: 'Lives with grandmother; father in prison',
        details: { riskLevel: 'medium' },
      }),
      201,
      1,
    );
    expect(assessment).toMatchObject({ kind: 'vulnerability_assessment', category: 'family_social' });
    expect(assessment).not.toHaveProperty('content');
    const referral = await expectAudited(
      h,
      await worker.post(`/v1/cases/${kase.id}/service-referrals`, {
        category: 'mental_health',
        service: 'Counselling',
        provider: 'Youth clinic',
        content: 'Anxiety after arrest',
      }),
      201,
      1,
    );
    expect(referral).toMatchObject({ kind: 'service_referral', category: 'mental_health' });
    // Stored as records with their category, content kept for the records module to gate.
    const stored = rowsOf<Record<string, any>>(
      await h.testDb.database.db.execute(
        sql.raw(
          `SELECT kind, category, content FROM records WHERE case_id = '${kase.id}' ORDER BY created_at`,
        ),
      ),
    );
    expect(stored).toEqual([
      {
        kind: 'vulnerability_assessment',
        category: 'family_social',
        content: 'Lives with grandmother; father in prison',
      },
      { kind: 'service_referral', category: 'mental_health', content: 'Anxiety after arrest' },
    ]);
    // Only the assigned social worker records; the clerk's role may not (403).
    await expectAudited(
      h,
      await clerk.post(`/v1/cases/${kase.id}/vulnerability-assessments`, { content: 'x' }),
      403,
      1,
    );

    const list = await expectAudited(h, await clerk.get(`/v1/cases/${kase.id}/social-services`), 200, 1);
    expect(list.items.map((r: any) => r.id).sort()).toEqual([assessment.id, referral.id].sort());
    // Metadata only: when it happened and was recorded, by whom, of what kind; never its content.
    for (const item of list.items)
      expect(Object.keys(item).sort()).toEqual(
        ['caseId', 'category', 'createdAt', 'createdBy', 'id', 'kind', 'occurredAt'].sort(),
      );

    for (const reader of [clerk, worker]) {
      const res = await reader.get(`/v1/cases/${kase.id}/timeline`);
      const timeline = await expectAudited(h, res, 200, 1);
      const sensitive = timeline.items.filter((e: any) => e.category !== null);
      expect(sensitive.map((e: any) => [e.kind, e.category, e.summary, e.withheld])).toEqual([
        ['vulnerability_assessment_recorded', 'family_social', null, true],
        ['service_referral_recorded', 'mental_health', null, true],
      ]);
      expect(timeline.withheldCategories).toEqual(['family_social', 'mental_health']);
      expect(JSON.stringify(timeline)).not.toContain('grandmother');
      const [row] = await auditOf(h, res);
      expect(row.categories_withheld).toEqual(['family_social', 'mental_health']);
    }

    // Ending the assignment ends the relationship.
    await expectAudited(h, await clerk.post(`/v1/social-work-assignments/${assignment.id}/end`), 200, 1);
    await expectAudited(h, await worker.get(`/v1/cases/${kase.id}`), 404, 1);
    await expectAudited(
      h,
      await worker.post(`/v1/cases/${kase.id}/service-referrals`, { service: 'x' }),
      404,
      1,
    );
    expect(await count('records', `case_id = '${kase.id}'`)).toBe(2);
  });
});
