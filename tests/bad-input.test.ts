import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAudit } from '../src/audit/writer.js';
import { rowsOf } from '../src/db/client.js';
import { encodeCursor } from '../src/lib/pagination.js';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { courtWithCase } from './helpers/factories.js';

/**
 * Defect 5 of issue 9: input that used to answer 500. Crafted cursors, NUL characters and unpaired
 * surrogates anywhere, bodies nested 10,000 deep, and matches without a date of birth all answer
 * 400 problem+json and change nothing; the audit writer stores whatever text reaches it.
 * Runs on PostgreSQL and PGlite (both refuse NUL in text and jsonb).
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const expectProblem = (res: { statusCode: number; headers: Record<string, unknown> }, status = 400) => {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
};
const count = async (table: string) =>
  rowsOf<{ n: number }>(
    await h.testDb.database.db.execute(sql.raw(`SELECT count(*)::int AS n FROM ${table}`)),
  )[0].n;

describe('bad input answers 4xx problem+json, never 500', () => {
  it('refuses crafted cursors on every list operation of the case and the caller', async () => {
    const { clerk, kase, person } = await courtWithCase(h);
    const admin = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
    const auditor = await h.as({ sub: uid('auditor'), roles: ['auditor'], org: 'oversight' });
    const lists: [Client, string][] = [
      [clerk, '/v1/cases'],
      [clerk, `/v1/cases/${kase.id}/legal-aid-assignments`],
      [clerk, `/v1/cases/${kase.id}/timeline`],
      [clerk, `/v1/cases/${kase.id}/custody-episodes`],
      [clerk, `/v1/cases/${kase.id}/diversions`],
      [clerk, `/v1/cases/${kase.id}/hearings`],
      [clerk, `/v1/cases/${kase.id}/dispositions`],
      [clerk, `/v1/cases/${kase.id}/records`],
      [clerk, `/v1/persons/${person.id}/consents`],
      [admin, '/v1/organizations'],
      [admin, '/v1/staff'],
      [auditor, '/v1/audit-events'],
      [auditor, `/v1/persons/${person.id}/disclosures`],
      [auditor, '/v1/break-glass'],
    ];
    const uuid = crypto.randomUUID();
    const crafted = [
      'WyIyMDIwLTAxLTAxVDAwOjAwOjAwWiIsIngiXQ', // the issue's: ["2020-01-01T00:00:00Z","x"]
      encodeCursor(['2020-01-01T00:00:00.000Z', 'x']),
      encodeCursor(['0000-01-01T00:00:00.000Z', uuid]),
      encodeCursor(['+275760-09-13T00:00:00.000Z', uuid]),
      encodeCursor(['2020-01-01T00:00:00.000Z', uuid, 'extra']),
      encodeCursor(['a\u0000b']),
      encodeCursor(['\ud800', uuid]),
      encodeCursor(['2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z', 1e300]),
      Buffer.from('[{"a":1},{"b":2}]').toString('base64url'),
      Buffer.from('{"not":"an array"}').toString('base64url'),
      '%%%',
    ];
    for (const [client, path] of lists) {
      expect((await client.get(path)).statusCode, path).toBe(200);
      for (const cursor of crafted) {
        const res = await client.get(`${path}?cursor=${encodeURIComponent(cursor)}`);
        expect(res.statusCode, `${path} ${cursor}`).toBe(400);
        expectProblem(res);
      }
    }
  });

  it('refuses NUL and unpaired surrogates in path, query and body, and changes nothing', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const admin = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
    const persons = await count('persons');
    const orgs = await count('organizations');
    expectProblem(await clerk.get('/v1/organizations/%00'));
    expectProblem(await admin.get(`/v1/staff/a%00b`));
    expectProblem(await clerk.get('/v1/persons/matches?givenName=%00&familyName=x'));
    expectProblem(
      await clerk.post('/v1/persons', { givenName: 'A\u0000', familyName: 'B', dateOfBirth: '2010-01-01' }),
    );
    expectProblem(
      await clerk.post('/v1/persons', { givenName: '\ud800', familyName: 'B', dateOfBirth: '2010-01-01' }),
    );
    expectProblem(
      await clerk.post('/v1/persons', { givenName: 'A', familyName: 'B\udc00x', dateOfBirth: '2010-01-01' }),
    );
    expectProblem(
      await clerk.post('/v1/persons', { givenName: 'A', 'familyName\u0000': 'B', dateOfBirth: '2010-01-01' }),
    );
    expectProblem(await admin.post('/v1/organizations', { id: uid('org'), name: 'N\u0000', kind: 'court' }));
    expectProblem(
      await clerk.post(`/v1/cases/${kase.id}/records`, {
        category: 'health',
        title: 'T',
        details: { note: 'x\u0000y' },
      }),
    );
    expect(await count('persons')).toBe(persons);
    expect(await count('organizations')).toBe(orgs);
    // a surrogate pair (an emoji) is fine
    expect(
      (await clerk.post('/v1/persons', { givenName: 'A😀', familyName: 'B', dateOfBirth: '2010-01-01' }))
        .statusCode,
    ).toBe(201);
  });

  it('refuses a body nested 10,000 deep with 400 and stores nothing', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const records = await count('records');
    const send = (url: string, payload: string) =>
      h.app.inject({
        method: 'POST',
        url,
        payload,
        headers: { authorization: `Bearer ${clerk.token}`, 'content-type': 'application/json' },
      });
    const deep = `{"category":"health","title":"T","details":${'{"d":'.repeat(10_000)}"leaf"${'}'.repeat(10_000)}}`;
    const res = await send(`/v1/cases/${kase.id}/records`, deep);
    expectProblem(res);
    expect(res.json().errors[0].message).toMatch(/nested deeper/);
    expectProblem(await send('/v1/persons', `${'['.repeat(10_000)}${']'.repeat(10_000)}`));
    expect(await count('records')).toBe(records);
  });

  it('answers matches without a date of birth when a name matches', async () => {
    const { clerk, person } = await courtWithCase(h);
    const res = await clerk.get(
      `/v1/persons/matches?givenName=${encodeURIComponent(person.givenName)}&familyName=${encodeURIComponent(person.familyName)}`,
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().items.some((m: { id: string }) => m.id === person.id)).toBe(true);
  });

  it('records a denial whatever text reaches the audit writer (NUL dropped, surrogates replaced)', async () => {
    const requestId = uid('req');
    await h.testDb.database.db.transaction((tx) =>
      writeAudit(
        tx,
        {
          caller: { sub: 'sub\u0000x', roles: ['court_clerk'], org: 'o\ud800', clientId: null, scopes: [] },
          requestId,
          clientAddress: null,
          requestedPurpose: null,
          courtOrderReference: null,
        },
        { action: 'read', resourceType: 'organization', resourceId: 'id\u0000\udc00', outcome: 'denied' },
      ),
    );
    const [row] = await h.auditRows(`request_id = '${requestId}'`);
    expect(row).toMatchObject({
      actor_sub: 'subx',
      actor_org: 'o\ufffd',
      resource_id: 'id\ufffd',
      outcome: 'denied',
    });
  });

  it('refuses a token whose claims hold NUL with 401', async () => {
    const token = await h.issuer.sign({ sub: 'a\u0000b', roles: ['court_clerk'], org: 'court-1' });
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/cases',
      headers: { authorization: `Bearer ${token}` },
    });
    expectProblem(res, 401);
  });
});
