import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { auditOf, createStaff } from './helpers/case-path.js';
import { caseBody, createCase, createOrg } from './helpers/factories.js';

/**
 * An Idempotency-Key replay hands the first response out again, so it is authorised again
 * (issue 8.2): same sub, organisation and roles as the first request, and what it returns still
 * visible to the caller; otherwise the request runs as a fresh one would. Sealing and expungement
 * drop every stored response naming the case, the child or any of their sub-resources.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const storedReplays = async (text: string) =>
  rowsOf<{ n: number }>(
    await h.testDb.database.db.execute(
      sql`SELECT count(*)::int AS n FROM idempotency_keys WHERE body LIKE ${`%${text}%`}`,
    ),
  )[0].n;

const personBody = () => ({
  givenName: uid('Given'),
  familyName: uid('Family'),
  dateOfBirth: '2010-05-01',
  guardians: [{ name: 'A Guardian', relationship: 'mother', contact: '+994 50 111 11 11' }],
});

describe('Idempotency-Key replays are authorised again', () => {
  it("does not hand a sealed child's id back to a replay of the child's registration", async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const key = uid('idem');
    const body = personBody();
    const first = await clerk.post('/v1/persons', body, { 'idempotency-key': key });
    expect(first.statusCode).toBe(201);
    const child = first.json().id;
    const kase = await createCase(clerk, child);
    expect(await storedReplays(child)).toBe(1);
    const sealed = await clerk.post(`/v1/cases/${kase.id}/seal`, { orderReference: uid('order') });
    expect(sealed.statusCode).toBe(200);
    // Sealing dropped the stored registration: it names the child.
    expect(await storedReplays(child)).toBe(0);

    const retry = await clerk.post('/v1/persons', body, { 'idempotency-key': key });
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body).not.toContain(child);
  });

  it('answers as a fresh request when the same sub now acts for another organisation', async () => {
    const courtA = await createOrg(h, 'court');
    const courtB = await createOrg(h, 'court');
    const sub = uid('clerk');
    const asA = await h.as({ sub, roles: ['court_clerk'], org: courtA });
    const person = (await asA.post('/v1/persons', personBody())).json();
    const key = uid('idem');
    const first = await asA.post('/v1/cases', caseBody(person.id), { 'idempotency-key': key });
    expect(first.statusCode).toBe(201);

    const asB = await h.as({ sub, roles: ['court_clerk'], org: courtB });
    const retry = await asB.post('/v1/cases', caseBody(person.id), { 'idempotency-key': key });
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body).not.toContain(first.json().id);
    // The refused replay is audited; the request then ran as a fresh one.
    const rows = await auditOf(h, retry);
    expect(rows.find((r) => r.resource_type === 'idempotent_replay')).toMatchObject({
      outcome: 'denied',
      resource_id: key,
    });
  });

  it('answers as a fresh request when the same sub now holds other roles', async () => {
    const court = await createOrg(h, 'court');
    const sub = uid('clerk');
    const clerk = await h.as({ sub, roles: ['court_clerk'], org: court });
    const person = (await clerk.post('/v1/persons', personBody())).json();
    const key = uid('idem');
    expect((await clerk.post('/v1/cases', caseBody(person.id), { 'idempotency-key': key })).statusCode).toBe(
      201,
    );
    const judge = await h.as({ sub, roles: ['judge'], org: court });
    const retry = await judge.post('/v1/cases', caseBody(person.id), { 'idempotency-key': key });
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.statusCode).toBe(403);
  });

  it('does not replay to a caller no longer related to the case the response names', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = (await clerk.post('/v1/persons', personBody())).json();
    const kase = await createCase(clerk, person.id);
    const worker = await createStaff(h, 'social_worker');
    const assignment = (
      await clerk.post(`/v1/cases/${kase.id}/social-work-assignments`, { socialWorkerSub: worker.sub })
    ).json();
    const key = uid('idem');
    const body = { content: 'The family is under strain', title: 'Assessment' };
    const first = await worker.post(`/v1/cases/${kase.id}/vulnerability-assessments`, body, {
      'idempotency-key': key,
    });
    expect(first.statusCode).toBe(201);
    // While related, a retry replays.
    const again = await worker.post(`/v1/cases/${kase.id}/vulnerability-assessments`, body, {
      'idempotency-key': key,
    });
    expect(again.headers['idempotent-replayed']).toBe('true');

    expect((await clerk.post(`/v1/social-work-assignments/${assignment.id}/end`, {})).statusCode).toBe(200);
    const retry = await worker.post(`/v1/cases/${kase.id}/vulnerability-assessments`, body, {
      'idempotency-key': key,
    });
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.statusCode).toBe(404);
    expect(retry.body).not.toContain('under strain');
  });

  it.each(['seal', 'expunge'])(
    "drops on %s every stored response naming the child or the case's sub-resources",
    async (step) => {
      const court = await createOrg(h, 'court');
      const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
      const person = (await clerk.post('/v1/persons', personBody())).json();
      const kase = await createCase(clerk, person.id);
      // Another live case keeps the child's identity (expungement erases the case only).
      await createCase(clerk, person.id, { detained: false });
      const consent = await clerk.post(
        `/v1/persons/${person.id}/consents`,
        {
          grantor: { kind: 'guardian', name: 'A Guardian' },
          grantee: { type: 'role', value: 'judge' },
          categories: ['health'],
          purposes: ['court_proceeding'],
          evidenceReference: 'signed-form:F-9',
        },
        { 'idempotency-key': uid('idem') },
      );
      expect(consent.statusCode).toBe(201);
      const hearing = await clerk.post(
        `/v1/cases/${kase.id}/hearings`,
        { scheduledAt: new Date().toISOString(), purpose: 'review' },
        { 'idempotency-key': uid('idem') },
      );
      expect(hearing.statusCode).toBe(201);
      const cancel = await clerk.post(
        `/v1/hearings/${hearing.json().id}/cancel`,
        { reason: 'The judge is ill' },
        { 'idempotency-key': uid('idem') },
      );
      expect(cancel.statusCode).toBe(200);
      for (const id of [consent.json().id, hearing.json().id])
        expect(await storedReplays(id)).toBeGreaterThan(0);

      const erased = await clerk.post(`/v1/cases/${kase.id}/${step}`, { orderReference: uid('order') });
      expect(erased.statusCode).toBe(200);
      for (const id of [consent.json().id, hearing.json().id, person.id, kase.id])
        expect(await storedReplays(id)).toBe(0);
    },
  );
});
