import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Schemas, createCaseApiClient } from '../clients/typescript/index.js';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { type Receiver, eventually, startReceiver } from './helpers/webhook-receiver.js';

/**
 * Item 6 of issue 10: a partner's engineer integrates with the client generated from the contract
 * (clients/typescript: openapi-typescript types, openapi-fetch requests) against a listening
 * server: an administrator registers the partner, the partner subscribes a webhook, refers a case
 * (with an Idempotency-Key), follows the events feed and receives the signed webhook. Every call is
 * typed by the compiler (npm run typecheck covers this file), and every answer is checked against
 * the document at run time by the harness's contract check.
 */

let h: Harness;
let base: string;
let receiver: Receiver;

beforeAll(async () => {
  h = await createHarness({
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    WEBHOOK_POLL_INTERVAL_MS: '50',
    EVENTS_POLL_INTERVAL_MS: '50',
  });
  base = await h.app.listen({ port: 0, host: '127.0.0.1' });
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver?.close();
  await h?.close();
});

describe('the generated TypeScript client', () => {
  it('is what openapi-typescript writes from openapi/openapi.json (run npm run client:generate after npm run openapi)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'jj-client-')), 'schema.ts');
    execFileSync(
      process.execPath,
      [
        'node_modules/openapi-typescript/bin/cli.js',
        'openapi/openapi.json',
        '--default-non-nullable',
        'false',
        '--output',
        out,
      ],
      { stdio: 'pipe', timeout: 180_000 },
    );
    expect(readFileSync('clients/typescript/schema.ts', 'utf8')).toBe(readFileSync(out, 'utf8'));
  }, 240_000);

  it('drives a partner integration: register, subscribe, refer, follow the events, receive the webhook, import', async () => {
    const adminToken = await h.issuer.sign({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
    const admin = createCaseApiClient({ baseUrl: base, token: adminToken });

    // The administrator registers the organisations and the partner's client.
    const court = uid('court').toLowerCase();
    const police = uid('police').toLowerCase();
    for (const [id, kind] of [
      [court, 'court'],
      [police, 'police'],
    ] as const) {
      const { response, error } = await admin.POST('/v1/organizations', {
        body: { id, name: `Org ${id}`, kind, region: 'north' },
      });
      expect(response.status, JSON.stringify(error)).toBe(201);
    }
    const clientId = uid('police-rms');
    const registered = await admin.POST('/v1/partner-clients', {
      body: {
        clientId,
        orgId: police,
        kind: 'police',
        allowedScopes: ['cases:write', 'cases:read', 'events:read', 'imports:write'],
      },
    });
    expect(registered.response.status, JSON.stringify(registered.error)).toBe(201);
    expect(registered.data?.allowedScopes).toEqual([
      'cases:write',
      'cases:read',
      'events:read',
      'imports:write',
    ]);

    // The partner's system, with a token its identity provider issued for the registered client.
    const partner = createCaseApiClient({
      baseUrl: base,
      token: () =>
        h.issuer.sign({
          sub: clientId,
          roles: ['partner_system'],
          clientId,
          scope: 'cases:write cases:read events:read imports:write',
        }),
    });

    const subscribed = await partner.POST('/v1/webhook-subscriptions', {
      body: { url: receiver.url, types: ['case.created'] },
    });
    expect(subscribed.response.status, JSON.stringify(subscribed.error)).toBe(201);
    const secret: string = subscribed.data!.secret;
    expect(secret).toMatch(/^whsec_/);
    receiver.secrets.push(secret);

    // Where the feed stands before the referral.
    const start = await partner.GET('/v1/events', { params: { query: { limit: 100 } } });
    expect(start.response.status).toBe(200);
    let cursor = start.data!.nextCursor;
    while (start.data!.items.length === 100 && cursor) {
      const more = await partner.GET('/v1/events', { params: { query: { after: cursor, limit: 100 } } });
      cursor = more.data!.nextCursor;
      if (more.data!.items.length < 100) break;
    }

    const child = await partner.POST('/v1/persons', {
      body: {
        givenName: uid('Given'),
        familyName: uid('Family'),
        dateOfBirth: '2010-05-01',
        sex: 'female',
        region: 'north',
        guardians: [{ name: 'A Guardian', relationship: 'mother' }],
      },
    });
    expect(child.response.status, JSON.stringify(child.error)).toBe(201);

    const referral: Schemas['CaseCreate'] = {
      personId: child.data!.id,
      intakeKind: 'referral',
      courtOrgId: court,
      offenceDate: '2026-11-01T10:00:00Z',
      intakeAt: '2026-11-01T12:00:00Z',
      agency: 'Police North',
      location: 'Market street',
      detained: false,
      charges: [{ code: 'PC-1', description: 'Theft' }],
    };
    const key = uid('referral');
    const referred = await partner.POST('/v1/cases', {
      params: { header: { 'Idempotency-Key': key } },
      body: referral,
    });
    expect(referred.response.status, JSON.stringify(referred.error)).toBe(201);
    const kase = referred.data!;
    expect(referred.response.headers.get('location')).toBe(`/v1/cases/${kase.id}`);
    expect(referred.response.headers.get('etag')).toMatch(/^"\d+"$/);

    // A retry with the same key (a timeout on the partner's side) gets the same case back.
    const retried = await partner.POST('/v1/cases', {
      params: { header: { 'Idempotency-Key': key } },
      body: referral,
    });
    expect(retried.response.status).toBe(201);
    expect(retried.response.headers.get('idempotent-replayed')).toBe('true');
    expect(retried.data!.id).toBe(kase.id);

    // The partner reads its case back, with the ETag it needs to change it.
    const read = await partner.GET('/v1/cases/{id}', { params: { path: { id: kase.id } } });
    expect(read.response.status).toBe(200);
    expect(read.data!.stage).toBe(kase.stage);

    // Following the feed (long-poll) finds the case's creation.
    const seen: Schemas['Event'][] = [];
    for (let i = 0; i < 30 && !seen.some((e) => e.caseId === kase.id); i++) {
      const page = await partner.GET('/v1/events', {
        params: {
          query: { ...(cursor ? { after: cursor } : {}), types: 'case.created', wait: 5, limit: 100 },
        },
      });
      expect(page.response.status, JSON.stringify(page.error)).toBe(200);
      seen.push(...page.data!.items);
      cursor = page.data!.nextCursor ?? cursor;
    }
    const created = seen.find((e) => e.caseId === kase.id);
    expect(created).toMatchObject({ type: 'case.created', caseId: kase.id });

    // The webhook arrives signed (the receiver verifies every signature) and names the same event.
    await eventually(
      () => receiver.accepted.some((a) => a.body.data?.caseId === kase.id),
      'the signed webhook of the referral',
      150,
    );
    const delivered = receiver.accepted.find((a) => a.body.data?.caseId === kase.id)!;
    expect(delivered.body.type).toBe('case.created');
    expect(delivered.body.data.id).toBe(created!.id);
    expect(receiver.badSignatures).toBe(0);

    // The partner loads records it already holds: NDJSON, one typed line each, a report per line.
    const lines: (Schemas['ImportPersonLine'] | Schemas['ImportCaseLine'])[] = [
      {
        type: 'person',
        externalId: `${key}-P-1`,
        givenName: 'Imported',
        familyName: 'Child',
        dateOfBirth: '2010-05-01',
        sex: 'male',
        region: 'north',
      },
      {
        type: 'case',
        externalId: `${key}-C-1`,
        personExternalId: `${key}-P-1`,
        courtOrgId: court,
        intakeKind: 'arrest',
        offenceDate: '2026-10-01T10:00:00Z',
        intakeAt: '2026-10-01T12:00:00Z',
        agency: 'Police North',
        detained: false,
        charges: [{ code: 'PC-1', description: 'Theft' }],
      },
      // A child born in the future: reported, by field, and nothing else changes.
      {
        type: 'person',
        externalId: `${key}-P-2`,
        givenName: 'Imported',
        familyName: 'Later',
        dateOfBirth: '2099-01-01',
        sex: 'female',
      },
    ];
    const imported = await partner.POST('/v1/imports', {
      body: lines as never,
      bodySerializer: (body: unknown) => (body as unknown[]).map((l) => JSON.stringify(l)).join('\n'),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(imported.response.status, JSON.stringify(imported.error)).toBe(201);
    expect(imported.data).toMatchObject({ status: 'completed', lines: 3, created: 2, errors: 1 });
    // POST answers with the lines in error (first page); the whole report is GET's.
    expect(imported.data!.report).toEqual({
      items: [
        {
          line: 3,
          type: 'person',
          externalId: `${key}-P-2`,
          outcome: 'error',
          resourceId: null,
          problems: [{ path: 'dateOfBirth', message: expect.any(String) }],
        },
      ],
      nextCursor: null,
    });
    const report = await partner.GET('/v1/imports/{id}', {
      params: { path: { id: imported.data!.id }, query: { outcome: 'created' } },
    });
    expect(report.response.status, JSON.stringify(report.error)).toBe(200);
    const createdLines: Schemas['ImportLineReport'][] = report.data!.report.items;
    expect(createdLines.map((r) => [r.line, r.type, r.externalId, r.outcome])).toEqual([
      [1, 'person', `${key}-P-1`, 'created'],
      [2, 'case', `${key}-C-1`, 'created'],
    ]);
    const importedCase = await partner.GET('/v1/cases/{id}', {
      params: { path: { id: createdLines[1].resourceId! } },
    });
    expect(importedCase.response.status, JSON.stringify(importedCase.error)).toBe(200);
    expect(importedCase.data).toMatchObject({ personId: createdLines[0].resourceId, courtOrgId: court });

    // Errors are typed too: a case the partner may not see is a Problem.
    const missing = await partner.GET('/v1/cases/{id}', {
      params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(missing.response.status).toBe(404);
    const problem: Schemas['Problem'] | undefined = missing.error;
    expect(problem?.status).toBe(404);
    expect(missing.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  }, 240_000);
});
