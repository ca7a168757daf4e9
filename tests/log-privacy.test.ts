import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { type Harness, createHarness, testConfig, uid } from './helpers/app.js';

/**
 * Defect 4 of issue 9: personal data in logs. One app logs at `trace` into memory while a script
 * runs every kind of operation, searches by name and date of birth, and provokes errors (validation,
 * unknown fields, 404s, 401s, and a database error whose parameters are names and guardians). The
 * log is then searched for every name, date of birth, address and note that was sent: none.
 */
let h: Harness;
let app: FastifyInstance;
const lines: string[] = [];
beforeAll(async () => {
  h = await createHarness();
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  app = await buildApp(testConfig(h.issuer, { LOG_LEVEL: 'trace' }), {
    database: h.testDb.database,
    logStream: sink,
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await h?.close();
});

/** Values that must never be logged; each is unique to this run so a hit cannot be a coincidence. */
const tag = uid('x').replace(/[^a-z0-9]/gi, '');
const personal = {
  givenName: `Aminata${tag}`,
  familyName: `Diallo${tag}`,
  guardian: `Fatou${tag} Diallo`,
  guardianAddress: `12 Rue des Lilas ${tag}`,
  caseLocation: `7 Market Street ${tag}`,
  dateOfBirth: '2011-02-17',
  otherDateOfBirth: '2010-09-23',
  note: `Met the child at home, ${tag} was upset`,
  recordContent: `Diagnosis ${tag}`,
  hearingOutcome: `Facts established ${tag}`,
  staffName: `Officer ${tag}`,
  releaseReason: `Released to aunt ${tag}`,
};

describe('logs of a scripted run', () => {
  it('hold no name, date of birth, address or note that was sent', async () => {
    const as = async (roles: string[], org: string, sub = uid(roles[0])) => {
      const token = await h.issuer.sign({ sub, roles, org });
      return (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, headers = {}) =>
        app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${token}`, ...headers },
          ...(body === undefined ? {} : { payload: body as object }),
        });
    };
    const admin = await as(['admin'], 'ministry');
    const court = uid('court');
    const probation = uid('probation');
    expect(
      (await admin('POST', '/v1/organizations', { id: court, name: 'Court', kind: 'court' })).statusCode,
    ).toBe(201);
    expect(
      (await admin('POST', '/v1/organizations', { id: probation, name: 'Probation', kind: 'probation' }))
        .statusCode,
    ).toBe(201);
    const officerSub = uid('officer');
    const staff = await admin('PUT', `/v1/staff/${officerSub}`, {
      displayName: personal.staffName,
      orgId: probation,
      roles: ['probation_officer'],
      juvenileSpecialised: true,
    });
    expect(staff.statusCode).toBe(201);
    const clerk = await as(['court_clerk'], court);
    const officer = await as(['probation_officer'], probation, officerSub);

    // registration and the personal searches (query strings with names and a date of birth)
    const personBody = {
      givenName: personal.givenName,
      familyName: personal.familyName,
      dateOfBirth: personal.dateOfBirth,
      sex: 'female',
      guardians: [{ name: personal.guardian, relationship: 'mother', contact: personal.guardianAddress }],
    };
    const person = await clerk('POST', '/v1/persons', personBody);
    expect(person.statusCode).toBe(201);
    const personId = person.json().id;
    const q = `givenName=${encodeURIComponent(personal.givenName)}&familyName=${encodeURIComponent(
      personal.familyName,
    )}&dateOfBirth=${personal.dateOfBirth}`;
    expect((await clerk('GET', `/v1/persons/matches?${q}`)).statusCode).toBe(200);
    expect(
      (await clerk('GET', `/v1/persons/matches?${q.replace(personal.dateOfBirth, '2011-13-45')}`)).statusCode,
    ).toBe(400);
    // unauthenticated and unknown-route requests with the same query
    expect((await app.inject({ method: 'GET', url: `/v1/persons/matches?${q}` })).statusCode).toBe(401);
    expect((await clerk('GET', `/v1/nowhere?${q}`)).statusCode).toBe(404);
    expect((await clerk('GET', `/v1/persons/${personId}`)).statusCode).toBe(200);

    // the case path, with free text everywhere
    const kase = await clerk('POST', '/v1/cases', {
      personId,
      intakeKind: 'arrest',
      offenceDate: '2026-11-01T10:00:00Z',
      intakeAt: '2026-11-01T12:00:00Z',
      agency: 'Police North',
      location: personal.caseLocation,
      detained: true,
      charges: [{ code: 'PC-1', description: 'Theft' }],
    });
    expect(kase.statusCode, kase.body).toBe(201);
    const caseId = kase.json().id;
    const episode = await clerk('POST', `/v1/cases/${caseId}/custody-episodes`, {
      kind: 'pre_trial',
      facility: 'North centre',
      startedAt: '2026-11-01T12:30:00Z',
    });
    expect(episode.statusCode).toBe(201);
    expect(
      (
        await clerk('POST', `/v1/custody-episodes/${episode.json().id}/end`, {
          releasedAt: '2026-11-02T10:00:00Z',
          releaseReason: personal.releaseReason,
        })
      ).statusCode,
    ).toBe(200);
    const hearing = await clerk('POST', `/v1/cases/${caseId}/hearings`, {
      scheduledAt: '2026-12-01T09:00:00Z',
      purpose: 'adjudication',
      location: personal.caseLocation,
    });
    expect(hearing.statusCode).toBe(201);
    const hold = {
      heldAt: new Date().toISOString(),
      outcome: personal.hearingOutcome,
      attendees: [personal.guardian],
      childFriendlyCourtroom: true,
    };
    expect((await clerk('POST', `/v1/hearings/${hearing.json().id}/hold`, hold)).statusCode).toBe(200);
    // a refused command (409) and a stale one (412) carrying the same text
    expect((await clerk('POST', `/v1/hearings/${hearing.json().id}/hold`, hold)).statusCode).toBe(409);
    expect(
      (
        await clerk(
          'POST',
          `/v1/hearings/${hearing.json().id}/cancel`,
          { reason: personal.note },
          { 'if-match': '"1"' },
        )
      ).statusCode,
    ).toBe(412);
    const disposition = await clerk('POST', `/v1/cases/${caseId}/dispositions`, {
      outcome: 'probation',
      decidedAt: new Date().toISOString(),
      hearingId: hearing.json().id,
      termMonths: 6,
      notes: personal.note,
    });
    expect(disposition.statusCode, disposition.body).toBe(201);
    const supervision = await clerk('POST', `/v1/cases/${caseId}/supervisions`, {
      officerSub,
      // not before the probation disposition decided just now (true dates, issue 14)
      startsOn: new Date().toISOString().slice(0, 10),
      endsOn: '2027-05-06',
      conditions: [`stay with ${personal.guardian}`],
    });
    expect(supervision.statusCode, supervision.body).toBe(201);
    const sid = supervision.json().id;
    expect(
      (
        await officer('POST', `/v1/supervisions/${sid}/contacts`, {
          occurredAt: new Date().toISOString(),
          kind: 'home_visit',
          notes: personal.note,
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (await officer('POST', `/v1/supervisions/${sid}/progress-notes`, { notes: personal.note })).statusCode,
    ).toBe(201);
    expect((await officer('GET', `/v1/supervisions/${sid}/entries`)).statusCode).toBe(200);
    expect(
      (
        await clerk('POST', `/v1/cases/${caseId}/records`, {
          category: 'health',
          title: personal.recordContent,
          content: personal.recordContent,
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (
        await clerk('POST', `/v1/persons/${personId}/consents`, {
          grantor: { kind: 'guardian', name: personal.guardian },
          grantee: { type: 'role', value: 'social_worker' },
          categories: ['health'],
          purposes: ['social_services'],
          validFrom: new Date().toISOString(),
          validUntil: '2027-11-01T00:00:00Z',
          evidenceReference: 'form 12',
        })
      ).statusCode,
    ).toBe(201);
    expect((await clerk('GET', `/v1/cases/${caseId}/timeline`)).statusCode).toBe(200);
    expect((await clerk('GET', `/v1/cases/${caseId}`)).statusCode).toBe(200);

    // bad input carrying personal data: invalid fields, fields that may not be set, a stranger's 404
    expect(
      (
        await clerk('POST', '/v1/persons', {
          ...personBody,
          dateOfBirth: personal.otherDateOfBirth.replace('-09-', '-19-'),
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (await clerk('POST', '/v1/persons', { ...personBody, nickname: personal.givenName })).statusCode,
    ).toBe(422);
    const stranger = await as(['court_clerk'], uid('court'));
    expect((await stranger('GET', `/v1/cases/${caseId}`)).statusCode).toBe(404);
    expect(
      (
        await stranger('POST', `/v1/cases/${caseId}/records`, {
          category: 'health',
          title: 't',
          content: personal.recordContent,
        })
      ).statusCode,
    ).toBe(404);

    // a database error whose query parameters are names, a date of birth and guardians
    const db = h.testDb.database.db;
    await db.execute(sql.raw('ALTER TABLE persons RENAME TO persons_moved_away'));
    try {
      const failed = await clerk('POST', '/v1/persons', {
        ...personBody,
        dateOfBirth: personal.otherDateOfBirth,
      });
      expect(failed.statusCode).toBe(500);
      const search = await clerk('GET', `/v1/persons/matches?${q}`);
      expect(search.statusCode).toBe(500);
    } finally {
      await db.execute(sql.raw('ALTER TABLE persons_moved_away RENAME TO persons'));
    }

    const log = lines.join('');
    // the log did record the run: requests by route, and the database error with its SQLSTATE
    expect(log).toContain('"route":"/v1/persons/matches"');
    expect(log).toContain(
      '/v1/persons/matches?givenName=[redacted]&familyName=[redacted]&dateOfBirth=[redacted]',
    );
    expect(log).toMatch(/"code":"42P01"/);
    expect(log).toContain('insert into \\"persons\\"');
    for (const [what, value] of Object.entries(personal)) {
      const hits = log.split('\n').filter((l) => l.includes(value) || l.includes(encodeURIComponent(value)));
      expect(hits, `${what} appears in the log`).toEqual([]);
    }
  });
});
