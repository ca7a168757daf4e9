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

  it('stores every field of each record, its timeline, audit rows, events and report lines, beside a line in error', async () => {
    const court = await createOrg(h, 'court');
    const police = await createOrg(h, 'police');
    const prosecution = await createOrg(h, 'prosecution');
    const clientId = uid('police-rms');
    const sub = uid('rms');
    const partner = await h.as({
      sub,
      roles: ['partner_system'],
      org: police,
      clientId,
      scope: 'imports:write cases:read',
    });
    const prefix = uid('g');
    const guardians = [{ name: 'L. Mammadova', relationship: 'mother', contact: '+994 50 000 00 00' }];
    const lines = [
      { ...personLine(1, prefix), givenName: 'Aysel', familyName: 'Məmmədova', guardians },
      { ...personLine(2, prefix), dateOfBirth: '2099-01-01' },
      caseLine(1, prefix, {
        courtOrgId: court,
        prosecutionOrgId: prosecution,
        location: 'Nizami street',
        guardiansNotifiedAt: '2026-10-01T12:30:00Z',
        custodyEpisodes: [
          {
            kind: 'pre_trial',
            facility: 'North detention centre',
            startedAt: '2026-10-01T13:00:00Z',
            releasedAt: '2026-10-03T10:00:00Z',
            releaseReason: 'Released to the mother',
          },
          { kind: 'pre_trial', facility: 'Youth remand home', startedAt: '2026-10-05T08:00:00Z' },
        ],
        hearings: [
          {
            purpose: 'first appearance',
            scheduledAt: '2026-10-02T09:00:00Z',
            heldAt: '2026-10-02T09:30:00Z',
            outcome: 'Released on conditions',
            attendees: ['child', 'mother'],
          },
          {
            purpose: 'remand review',
            scheduledAt: '2026-10-06T09:00:00Z',
            heldAt: '2026-10-06T10:00:00Z',
            outcome: 'Remanded',
            location: 'Room 4',
            childFriendlyCourtroom: true,
          },
        ],
      }),
    ];
    const res = await post(partner, ndjson(lines));
    expect(res.statusCode, res.body).toBe(201);
    const imp = res.json();
    expect(imp).toMatchObject({ status: 'completed', lines: 3, created: 2, duplicates: 0, errors: 1 });
    const db = h.testDb.database.db;
    const { sql } = await import('drizzle-orm');
    const { rowsOf } = await import('../src/db/client.js');
    // Times as ISO strings, whichever way the driver hands them over (Date, or PostgreSQL's text).
    const iso = (v: unknown) =>
      v instanceof Date
        ? v.toISOString()
        : typeof v === 'string' && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00$/.test(v)
          ? new Date(`${v.replace(' ', 'T')}:00`).toISOString()
          : v;
    const rows = async (q: ReturnType<typeof sql>) =>
      rowsOf<Record<string, any>>(await db.execute(q)).map(
        (r): Record<string, any> => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, iso(v)])),
      );

    const report = await rows(sql`
      SELECT line_no, kind, external_id, outcome, resource_id::text, problems
        FROM import_lines WHERE import_id = ${imp.id} ORDER BY line_no`);
    expect(report.map((r) => [r.line_no, r.kind, r.external_id, r.outcome])).toEqual([
      [1, 'person', `${prefix}-P-1`, 'created'],
      [2, 'person', `${prefix}-P-2`, 'error'],
      [3, 'case', `${prefix}-C-1`, 'created'],
    ]);
    expect(report[1].problems).toEqual([{ path: 'dateOfBirth', message: expect.any(String) }]);
    expect([report[0].problems, report[2].problems]).toEqual([null, null]);
    const personId = report[0].resource_id;
    const caseId = report[2].resource_id;
    const ids = await rows(sql`
      SELECT kind, external_id, resource_id::text, owner FROM import_external_ids
       WHERE import_id = ${imp.id} ORDER BY kind DESC`);
    expect(ids).toEqual([
      { kind: 'person', external_id: `${prefix}-P-1`, resource_id: personId, owner: expect.any(String) },
      { kind: 'case', external_id: `${prefix}-C-1`, resource_id: caseId, owner: ids[0].owner },
    ]);

    const [person] = await rows(sql`
      SELECT given_name, family_name, date_of_birth::text AS dob, sex, region, guardians, created_by,
             created_by_org, version, national_id, expunged_at, merged_into
        FROM persons WHERE id = ${personId}`);
    expect(person).toEqual({
      given_name: 'Aysel',
      family_name: 'Məmmədova',
      dob: '2010-05-01',
      sex: 'female',
      region: 'north',
      guardians,
      created_by: sub,
      created_by_org: police,
      version: 1,
      national_id: null,
      expunged_at: null,
      merged_into: null,
    });
    const [kase] = await rows(sql`
      SELECT person_id::text, court_org_id, referring_org_id, referring_sub, prosecution_org_id, stage,
             intake_kind, offence_date, intake_at, agency, location, detained, guardians_notified_at,
             age_at_offence, region, intake_status, created_by, version
        FROM cases WHERE id = ${caseId}`);
    expect(kase).toEqual({
      person_id: personId,
      court_org_id: court,
      referring_org_id: police,
      referring_sub: sub,
      prosecution_org_id: prosecution,
      stage: 'adjudication',
      intake_kind: 'arrest',
      offence_date: iso(new Date('2026-10-01T10:00:00Z')),
      intake_at: iso(new Date('2026-10-01T12:00:00Z')),
      agency: 'Police North',
      location: 'Nizami street',
      detained: true,
      guardians_notified_at: iso(new Date('2026-10-01T12:30:00Z')),
      age_at_offence: 16,
      region: 'north',
      intake_status: 'accepted',
      created_by: sub,
      version: 1,
    });
    expect(
      await rows(sql`SELECT code, description, position, details, withdrawn_at FROM charges
                      WHERE case_id = ${caseId} ORDER BY position`),
    ).toEqual([
      { code: 'PC-1', description: 'Theft', position: 0, details: null, withdrawn_at: null },
      { code: 'PC-2', description: 'Damage', position: 1, details: null, withdrawn_at: null },
    ]);
    const custody = await rows(sql`
      SELECT id::text, person_id::text, kind, facility, started_at, released_at, release_reason, created_by
        FROM custody_episodes WHERE case_id = ${caseId} ORDER BY started_at`);
    expect(custody.map(({ id: _, ...c }) => c)).toEqual([
      {
        person_id: personId,
        kind: 'pre_trial',
        facility: 'North detention centre',
        started_at: iso(new Date('2026-10-01T13:00:00Z')),
        released_at: iso(new Date('2026-10-03T10:00:00Z')),
        release_reason: 'Released to the mother',
        created_by: sub,
      },
      {
        person_id: personId,
        kind: 'pre_trial',
        facility: 'Youth remand home',
        started_at: iso(new Date('2026-10-05T08:00:00Z')),
        released_at: null,
        release_reason: null,
        created_by: sub,
      },
    ]);
    const hearings = await rows(sql`
      SELECT id::text, purpose, scheduled_at, listed_at, location, child_friendly_courtroom, status, held_at,
             outcome, attendees, created_by FROM hearings WHERE case_id = ${caseId} ORDER BY scheduled_at`);
    expect(hearings.map(({ id: _, ...x }) => x)).toEqual([
      {
        purpose: 'first appearance',
        scheduled_at: iso(new Date('2026-10-02T09:00:00Z')),
        listed_at: iso(new Date('2026-10-01T12:00:00Z')),
        location: null,
        child_friendly_courtroom: false,
        status: 'held',
        held_at: iso(new Date('2026-10-02T09:30:00Z')),
        outcome: 'Released on conditions',
        attendees: ['child', 'mother'],
        created_by: sub,
      },
      {
        purpose: 'remand review',
        scheduled_at: iso(new Date('2026-10-06T09:00:00Z')),
        listed_at: iso(new Date('2026-10-01T12:00:00Z')),
        location: 'Room 4',
        child_friendly_courtroom: true,
        status: 'held',
        held_at: iso(new Date('2026-10-06T10:00:00Z')),
        outcome: 'Remanded',
        attendees: [],
        created_by: sub,
      },
    ]);
    const timeline = await rows(sql`
      SELECT kind, occurred_at, actor_sub, actor_role, summary, resource_type, resource_id::text
        FROM case_events WHERE case_id = ${caseId} ORDER BY occurred_at, kind`);
    const [c0, c1] = custody.map((c) => c.id);
    const [h0, h1] = hearings.map((x) => x.id);
    const actor = { actor_sub: sub, actor_role: 'partner_system' };
    expect(timeline).toEqual([
      {
        kind: 'arrest',
        occurred_at: iso(new Date('2026-10-01T12:00:00Z')),
        ...actor,
        summary: 'Arrest registered, child detained (imported)',
        resource_type: 'case',
        resource_id: caseId,
      },
      {
        kind: 'custody_started',
        occurred_at: iso(new Date('2026-10-01T13:00:00Z')),
        ...actor,
        summary: 'Pre-trial detention started',
        resource_type: 'custody_episode',
        resource_id: c0,
      },
      {
        kind: 'hearing_held',
        occurred_at: iso(new Date('2026-10-02T09:30:00Z')),
        ...actor,
        summary: 'Hearing held',
        resource_type: 'hearing',
        resource_id: h0,
      },
      {
        kind: 'custody_ended',
        occurred_at: iso(new Date('2026-10-03T10:00:00Z')),
        ...actor,
        summary: 'Pre-trial detention ended',
        resource_type: 'custody_episode',
        resource_id: c0,
      },
      {
        kind: 'custody_started',
        occurred_at: iso(new Date('2026-10-05T08:00:00Z')),
        ...actor,
        summary: 'Pre-trial detention started',
        resource_type: 'custody_episode',
        resource_id: c1,
      },
      {
        kind: 'hearing_held',
        occurred_at: iso(new Date('2026-10-06T10:00:00Z')),
        ...actor,
        summary: 'Hearing held in a child-friendly courtroom',
        resource_type: 'hearing',
        resource_id: h1,
      },
    ]);

    // One audit row per record created, in the batch's transaction, naming the line.
    const audit = await rows(sql`
      SELECT actor_sub, actor_roles, actor_org, client_id, action, resource_type, resource_id, case_id::text,
             person_id::text, categories_disclosed, categories_withheld, purpose, basis_type, break_glass,
             outcome, reason, request_id IS NOT NULL AS has_request
        FROM audit_events WHERE reason LIKE ${`import ${imp.id} line %`}
`);
    const row = (resourceType: string, resourceId: string, line: number, kaseId: string | null) => ({
      actor_sub: sub,
      actor_roles: ['partner_system'],
      actor_org: police,
      client_id: clientId,
      action: 'create',
      resource_type: resourceType,
      resource_id: resourceId,
      case_id: kaseId,
      person_id: personId,
      categories_disclosed: [],
      categories_withheld: [],
      purpose: expect.any(String),
      basis_type: expect.any(String),
      break_glass: false,
      outcome: 'allowed',
      reason: `import ${imp.id} line ${line}`,
      has_request: true,
    });
    const byKey = (key: (x: any) => string) => (a: any, b: any) =>
      key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
    const auditKey = byKey((x) => `${x.reason} ${x.resource_type} ${x.resource_id}`);
    expect(audit.sort(auditKey)).toEqual(
      [
        row('person', personId, 1, null),
        row('case', caseId, 3, caseId),
        row('custody_episode', c0, 3, caseId),
        row('custody_episode', c1, 3, caseId),
        row('hearing', h0, 3, caseId),
        row('hearing', h1, 3, caseId),
      ].sort(auditKey),
    );
    // The events of the feed: one per created case, custody episode and hearing.
    const events = await rows(sql`
      SELECT type, resource_type, resource_id, audience_org FROM events WHERE case_id = ${caseId}
`);
    const eventKey = byKey((x) => `${x.type} ${x.resource_id}`);
    expect(events.sort(eventKey)).toEqual(
      [
        { type: 'case.created', resource_type: 'case', resource_id: caseId, audience_org: null },
        {
          type: 'custody_episode.created',
          resource_type: 'custody_episode',
          resource_id: c0,
          audience_org: null,
        },
        {
          type: 'custody_episode.created',
          resource_type: 'custody_episode',
          resource_id: c1,
          audience_org: null,
        },
        { type: 'hearing.created', resource_type: 'hearing', resource_id: h0, audience_org: null },
        { type: 'hearing.created', resource_type: 'hearing', resource_id: h1, audience_org: null },
      ].sort(eventKey),
    );
  });

  it('stores the matching keys of an imported child, so the child is found like one registered by hand', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const familyName = `Məmmədova${uid('x').replace(/[^a-z0-9]/gi, '')}`;
    const prefix = uid('k');
    const res = await post(clerk, ndjson([{ ...personLine(1, prefix), givenName: 'Aysel', familyName }]));
    expect(res.statusCode, res.body).toBe(201);
    const got = await clerk.get(`/v1/imports/${res.json().id}`);
    const personId = got.json().report.items[0].resourceId;
    const { nameKey } = await import('../src/lib/name-key.js');
    const { sql } = await import('drizzle-orm');
    const { rowsOf } = await import('../src/db/client.js');
    const [keys] = rowsOf<{ given_key: string; family_key: string }>(
      await h.testDb.database.db.execute(
        sql`SELECT given_key, family_key FROM persons WHERE id = ${personId}`,
      ),
    );
    expect(keys).toEqual({ given_key: nameKey('Aysel'), family_key: nameKey(familyName) });
    // Spelt another way, in another script's transliteration: the same child.
    const spelt = familyName.replace('Məmmədova', 'Mammadova');
    const matches = await clerk.get(
      `/v1/persons/matches?givenName=Aysel&familyName=${encodeURIComponent(spelt)}&dateOfBirth=2010-05-01`,
    );
    expect(matches.statusCode, matches.body).toBe(200);
    expect(matches.json().items.map((i: { id: string }) => i.id)).toContain(personId);
  });

  it('stores the national identity number, and refuses one another record holds, as POST /v1/persons does', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const fin = () =>
      uid('')
        .replace(/[^a-z0-9]/gi, '')
        .slice(-7)
        .toUpperCase()
        .padStart(7, '0');
    const [held, fresh] = [fin(), fin()];
    const byHand = await clerk.post('/v1/persons', {
      givenName: 'Held',
      familyName: uid('Hand'),
      dateOfBirth: '2011-01-01',
      sex: 'male',
      nationalId: held,
    });
    expect(byHand.statusCode, byHand.body).toBe(201);
    const prefix = uid('nid');
    const res = await post(
      clerk,
      ndjson([
        { ...personLine(1, prefix), nationalId: held }, // another record holds it: error
        { ...personLine(2, prefix), nationalId: fresh.toLowerCase() }, // stored, normalised
        { ...personLine(3, prefix), nationalId: fresh }, // line 2 of this file took it: error
        personLine(4, prefix),
      ]),
    );
    expect(res.statusCode, res.body).toBe(201);
    const posted = res.json();
    expect(posted.report.items.map((i: any) => [i.line, i.outcome])).toEqual([
      [1, 'error'],
      [3, 'error'],
    ]);
    for (const item of posted.report.items) {
      expect(item.problems.map((p: any) => p.path)).toEqual(['nationalId']);
      // The record holding the number is not named: the importer may not be allowed to see it.
      expect(JSON.stringify(item)).not.toContain(byHand.json().id);
    }
    const all = (await clerk.get(`/v1/imports/${posted.id}?outcome=created`)).json().report.items;
    expect(all.map((i: any) => i.line)).toEqual([2, 4]);
    const { sql } = await import('drizzle-orm');
    const { rowsOf } = await import('../src/db/client.js');
    const stored = rowsOf<{ id: string; national_id: string | null }>(
      await h.testDb.database.db.execute(
        sql`SELECT id, national_id FROM persons WHERE id IN (${all[0].resourceId}, ${all[1].resourceId}) ORDER BY national_id NULLS LAST`,
      ),
    );
    expect(stored).toEqual([
      { id: all[0].resourceId, national_id: fresh },
      { id: all[1].resourceId, national_id: null },
    ]);
    // A later import, and a later registration by hand, meet the imported number as taken.
    const again = await post(clerk, ndjson([{ ...personLine(5, prefix), nationalId: fresh }]));
    expect(again.json().report.items[0]).toMatchObject({ line: 1, outcome: 'error' });
    const twice = await clerk.post('/v1/persons', {
      givenName: 'Again',
      familyName: uid('Hand'),
      dateOfBirth: '2011-01-01',
      sex: 'male',
      nationalId: fresh,
    });
    expect(twice.statusCode).toBe(409);
  });

  it('imports a case for a child with an open case at another court, with its cross-court timeline entry', async () => {
    const [first, second] = [await createOrg(h, 'court'), await createOrg(h, 'court')];
    const partner = await h.as({
      sub: uid('rms'),
      roles: ['partner_system'],
      org: await createOrg(h, 'police'),
      clientId: uid('police-rms'),
      scope: 'imports:write cases:read',
    });
    const prefix = uid('xc');
    // One child, two cases at two courts in one batch: the second is a cross-court registration,
    // whose timeline entry takes its time from the column's default (a row of another shape).
    const res = await post(
      partner,
      ndjson([
        personLine(1, prefix),
        caseLine(1, prefix, { courtOrgId: first }),
        { ...caseLine(1, prefix, { courtOrgId: second }), externalId: `${prefix}-C-2` },
      ]),
    );
    expect(res.statusCode, res.body).toBe(201);
    const done = (await partner.get(`/v1/imports/${res.json().id}`)).json();
    expect(done.report.items.map((i: any) => [i.line, i.outcome])).toEqual([
      [1, 'created'],
      [2, 'created'],
      [3, 'created'],
    ]);
    const secondCase = done.report.items[2].resourceId;
    const { sql } = await import('drizzle-orm');
    const { rowsOf } = await import('../src/db/client.js');
    const kinds = rowsOf<{ kind: string; has_time: boolean }>(
      await h.testDb.database.db.execute(
        sql`SELECT kind, occurred_at IS NOT NULL AS has_time FROM case_events WHERE case_id = ${secondCase}`,
      ),
    );
    expect(kinds.map((k) => k.kind)).toContain('cross_court_registration');
    expect(kinds.every((k) => k.has_time)).toBe(true);
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
