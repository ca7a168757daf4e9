import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { caseBody, createOrg, createPerson } from './helpers/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const casesOf = async (personId: string) =>
  rowsOf<{ n: number }>(
    await h.testDb.database.db.execute(
      sql`SELECT count(*)::int AS n FROM cases WHERE person_id = ${personId}`,
    ),
  )[0].n;

describe('Idempotency-Key on POST', () => {
  it('replays the first response to a retry with the same key and body, creating nothing twice', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const key = uid('idem');
    const first = await clerk.post('/v1/cases', caseBody(person.id), { 'idempotency-key': key });
    expect(first.statusCode).toBe(201);
    const retry = await clerk.post('/v1/cases', caseBody(person.id), { 'idempotency-key': key });
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toEqual(first.json());
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers.etag).toBe(first.headers.etag);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await casesOf(person.id)).toBe(1);
    // the replay discloses the case again: its audit row names the case and the child
    const [replayRow] = await h.auditRows(`request_id = '${retry.headers['x-request-id']}'`);
    expect(replayRow).toMatchObject({
      resource_type: 'idempotent_replay',
      case_id: first.json().id,
      person_id: person.id,
      outcome: 'allowed',
    });
    // a retry through another instance replays too: the record lives in the database
    const second = await h.secondInstance();
    const viaSecond = await second.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: { authorization: `Bearer ${clerk.token}`, 'idempotency-key': key },
      payload: caseBody(person.id),
    });
    expect(viaSecond.json()).toEqual(first.json());
    expect(await casesOf(person.id)).toBe(1);
  });

  it('answers 422 to the same key with another body, and changes nothing', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const key = uid('idem');
    expect((await clerk.post('/v1/cases', caseBody(person.id), { 'idempotency-key': key })).statusCode).toBe(
      201,
    );
    const other = await clerk.post('/v1/cases', caseBody(person.id, { agency: 'Another agency' }), {
      'idempotency-key': key,
    });
    expect(other.statusCode).toBe(422);
    expect(other.headers['content-type']).toMatch(/problem\+json/);
    expect(await casesOf(person.id)).toBe(1);
  });

  it("keeps one caller's keys apart from another's", async () => {
    const court = await createOrg(h, 'court');
    const a = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const b = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(a);
    const key = uid('idem');
    expect((await a.post('/v1/cases', caseBody(person.id), { 'idempotency-key': key })).statusCode).toBe(201);
    const res = await b.post('/v1/cases', caseBody(person.id), { 'idempotency-key': key });
    expect(res.statusCode).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(await casesOf(person.id)).toBe(2);
  });

  it('rejects a malformed key with 400', async () => {
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: await createOrg(h, 'court') });
    const res = await clerk.post(
      '/v1/persons',
      { givenName: 'A', familyName: 'B', dateOfBirth: '2010-01-01' },
      {
        'idempotency-key': 'no spaces allowed',
      },
    );
    expect(res.statusCode).toBe(400);
  });
  it('never runs a key twice whose first request committed but whose response was not kept (its instance died)', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const key = uid('idem');
    const first = await clerk.post('/v1/cases', caseBody(person.id), { 'idempotency-key': key });
    expect(first.statusCode).toBe(201);
    // what a process killed between its commit and the recording of the response leaves: the key
    // still pending, its first request's change and audit row committed
    const pendSince = async (seconds: number) =>
      h.testDb.database.db.execute(
        sql`UPDATE idempotency_keys SET status = NULL, headers = NULL, body = NULL,
              created_at = now() - make_interval(secs => ${seconds})
            WHERE key = ${key}`,
      );
    for (const seconds of [1, 3600]) {
      // just now (would otherwise be "still running") and long expired (would otherwise run again)
      await pendSince(seconds);
      const retry = await clerk.post('/v1/cases', caseBody(person.id), { 'idempotency-key': key });
      expect(retry.statusCode, retry.body).toBe(409);
      expect(retry.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(retry.json()).toMatchObject({ idempotencyOutcome: 'completed' });
      expect(await casesOf(person.id)).toBe(1);
    }
  });

  it('lets a retry run when the first request left nothing committed and its key expired', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const key = uid('idem');
    const first = await clerk.post('/v1/cases', caseBody(person.id), { 'idempotency-key': key });
    expect(first.statusCode).toBe(201);
    // the key as a request that died before committing anything would leave it: pending, held by a
    // request id with no audit row, past the expiry
    await h.testDb.database.db.execute(
      sql`UPDATE idempotency_keys SET status = NULL, headers = NULL, body = NULL,
            request_id = ${uid('dead-request')}, created_at = now() - interval '1 hour'
          WHERE key = ${key}`,
    );
    const retry = await clerk.post('/v1/cases', caseBody(person.id), { 'idempotency-key': key });
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await casesOf(person.id)).toBe(2);
  });
});
