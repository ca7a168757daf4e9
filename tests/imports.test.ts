import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { createOrg } from './helpers/factories.js';
import { caseLine, ndjson, personLine } from './helpers/imports.js';

/**
 * Issue 10.4: bulk import. NDJSON of persons and cases, validated line by line, created in batches
 * (one transaction each, with audit rows), reported per line; external ids make a re-run create nothing.
 */
let h: Harness;
beforeAll(async () => {
  // Small batches, so that 1,000 lines cross many batch boundaries.
  h = await createHarness({ IMPORT_BATCH_SIZE: '97' });
});
afterAll(async () => h?.close());

const post = (client: Client, body: string) =>
  h.app.inject({
    method: 'POST',
    url: '/v1/imports',
    headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/x-ndjson' },
    payload: body,
  });

async function count(sql: string): Promise<number> {
  const { rowsOf } = await import('../src/db/client.js');
  const { sql: raw } = await import('drizzle-orm');
  return rowsOf<{ n: number }>(await h.testDb.database.db.execute(raw.raw(sql)))[0].n;
}

describe('POST /v1/imports', () => {
  it('creates 990 of 1,000 lines, reports the 10 bad ones by line number, and a re-run creates none', async () => {
    const court = await createOrg(h, 'court');
    const police = await createOrg(h, 'police');
    const partner = await h.as({
      sub: uid('rms'),
      roles: ['partner_system'],
      org: police,
      clientId: uid('police-rms'),
      scope: 'imports:write cases:read',
    });
    const prefix = uid('x');
    const lines: unknown[] = [];
    const bad = new Map<number, string>();
    // 600 children, then cases for the first 400 of them: 1,000 lines.
    for (let n = 0; n < 600; n++) lines.push(personLine(n, prefix));
    for (let n = 0; n < 400; n++) lines.push(caseLine(n, prefix, { courtOrgId: court }));
    const breakLine = (index: number, value: unknown, path: string) => {
      lines[index] = value;
      bad.set(index + 1, path);
    };
    // Ten lines broken in ten ways: three children with no case, seven cases.
    breakLine(450, '{"type":"person", not json', '(line)');
    breakLine(460, { ...(lines[460] as object), dateOfBirth: '2099-01-01' }, 'dateOfBirth');
    breakLine(470, { type: 'vehicle', externalId: 'V-1' }, 'type');
    breakLine(610, { ...(lines[610] as object), offenceDate: '2099-01-01T00:00:00Z' }, 'offenceDate');
    breakLine(620, { ...(lines[620] as object), courtOrgId: uid('nowhere') }, 'courtOrgId');
    breakLine(630, { ...(lines[630] as object), intakeAt: '2026-09-01T12:00:00Z' }, 'intakeAt');
    breakLine(640, { ...(lines[640] as object), charges: [] }, 'charges');
    breakLine(650, { ...(lines[650] as object), personExternalId: `${prefix}-P-none` }, 'personExternalId');
    breakLine(
      660,
      {
        ...(lines[660] as object),
        hearings: [
          {
            purpose: 'first appearance',
            scheduledAt: '2026-10-02T09:00:00Z',
            heldAt: '2026-09-02T09:30:00Z',
            outcome: 'x',
          },
        ],
      },
      'hearings.0.heldAt',
    );
    breakLine(670, { ...(lines[670] as object), offenceDate: '2026-10-01T10:00:00+99:00' }, 'offenceDate');
    const body = ndjson(lines);
    const res = await post(partner, body);
    expect(res.statusCode, res.body).toBe(201);
    const first = res.json();
    expect(res.headers.location).toBe(`/v1/imports/${first.id}`);
    expect(first).toMatchObject({ status: 'completed', lines: 1000, duplicates: 0 });
    expect(first.errors).toBe(10);
    expect(first.created).toBe(990);
    const errorLines = first.report.items.map((r: any) => r.line);
    expect(errorLines).toEqual([...bad.keys()].sort((a, b) => a - b));
    for (const item of first.report.items) {
      expect(item.outcome).toBe('error');
      if (bad.has(item.line)) expect(item.problems.map((p: any) => p.path)).toContain(bad.get(item.line));
    }
    // Exactly what was reported created is in the database, with an audit row each.
    const created = first.created;
    const ids = await count(
      `SELECT count(*)::int AS n FROM import_external_ids WHERE import_id = '${first.id}'`,
    );
    expect(ids).toBe(created);
    const audited = await count(
      `SELECT count(*)::int AS n FROM audit_events WHERE reason LIKE 'import ${first.id} line %' AND resource_type IN ('person','case')`,
    );
    expect(audited).toBe(created);
    const caseCount = await count(
      `SELECT count(*)::int AS n FROM cases WHERE referring_org_id = '${police}'`,
    );
    expect(caseCount).toBe(400 - 7);

    // The same file again: nothing new, every good line a duplicate naming what exists.
    const again = (await post(partner, body)).json();
    expect(again).toMatchObject({ status: 'completed', created: 0, duplicates: created, errors: 10 });
    expect(await count(`SELECT count(*)::int AS n FROM cases WHERE referring_org_id = '${police}'`)).toBe(
      caseCount,
    );
    const dupes = await h.app.inject({
      method: 'GET',
      url: `/v1/imports/${again.id}?outcome=duplicate&limit=5`,
      headers: { authorization: `Bearer ${partner.token}` },
    });
    expect(dupes.statusCode).toBe(200);
    expect(dupes.json().report.items[0]).toMatchObject({ line: 1, outcome: 'duplicate', type: 'person' });
    expect(dupes.json().report.items[0].resourceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(dupes.json().report.nextCursor).toBe('5');
  });

  it('follows the import with GET for its owner only, and refuses callers who may not import', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const prefix = uid('y');
    const res = await post(clerk, ndjson([personLine(1, prefix), caseLine(1, prefix)]));
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json();
    // Another clerk of the same court follows it; a clerk of another court gets 404, as for a random id.
    const colleague = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const got = await colleague.get(`/v1/imports/${id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json().report.items.map((r: any) => r.outcome)).toEqual(['created', 'created']);
    const caseId = got.json().report.items[1].resourceId;
    const kase = await clerk.get(`/v1/cases/${caseId}`);
    expect(kase.statusCode).toBe(200);
    expect(kase.json()).toMatchObject({ courtOrgId: court, stage: 'adjudication', referringOrgId: null });
    const timeline = (await clerk.get(`/v1/cases/${caseId}/timeline`)).json();
    expect(timeline.items.map((e: any) => e.kind)).toEqual(
      expect.arrayContaining(['arrest', 'custody_started', 'custody_ended', 'hearing_held']),
    );
    const other = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: await createOrg(h, 'court') });
    const foreign = await other.get(`/v1/imports/${id}`);
    const random = await other.get(`/v1/imports/${crypto.randomUUID()}`);
    expect([foreign.statusCode, random.statusCode]).toEqual([404, 404]);
    expect(foreign.json().detail).toBe(random.json().detail);
    // Roles and scopes that may not import: 403 before the body is read.
    const admin = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
    expect((await post(admin, ndjson([personLine(2, prefix)]))).statusCode).toBe(403);
    const noScope = await h.as({
      sub: uid('rms'),
      roles: ['partner_system'],
      org: await createOrg(h, 'police'),
      clientId: uid('rms'),
      scope: 'cases:write',
    });
    expect((await post(noScope, ndjson([personLine(3, prefix)]))).statusCode).toBe(403);
    // A clerk's lines may not name another court.
    const elsewhere = (
      await post(clerk, ndjson([caseLine(1, `${prefix}z`, { courtOrgId: 'court-x' })]))
    ).json();
    expect(elsewhere.report.items[0].problems).toEqual(
      expect.arrayContaining([{ path: 'courtOrgId', message: 'may only name your own court' }]),
    );
    // Not NDJSON: 415, nothing created.
    const json = await clerk.post('/v1/imports', { type: 'person' });
    expect(json.statusCode).toBe(415);
  });

  it('refuses a body over IMPORT_BODY_LIMIT_BYTES with 413 and creates nothing', async () => {
    const small = await createHarness({ IMPORT_BODY_LIMIT_BYTES: '2048' });
    try {
      const court = await createOrg(small, 'court');
      const clerk = await small.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
      const lines = Array.from({ length: 40 }, (_, n) => personLine(n, uid('z')));
      const res = await small.app.inject({
        method: 'POST',
        url: '/v1/imports',
        headers: { authorization: `Bearer ${clerk.token}`, 'content-type': 'application/x-ndjson' },
        payload: ndjson(lines),
      });
      expect(res.statusCode).toBe(413);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      const rows = await small.testDb.database.db.execute(
        (await import('drizzle-orm'))
          .sql`SELECT count(*)::int AS n FROM persons WHERE created_by_org = ${court}`,
      );
      expect((rows as any).rows[0].n).toBe(0);
    } finally {
      await small.close();
    }
  });
});
