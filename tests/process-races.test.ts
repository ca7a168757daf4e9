import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uid } from './helpers/app.js';
import { type TestDatabase, createTestDatabase } from './helpers/database.js';
import {
  type Outcome,
  type ServiceProcess,
  auditVerify,
  callService,
  spawnService,
} from './helpers/service-process.js';
import { type TestIssuer, createTestIssuer } from './helpers/tokens.js';

/**
 * Item 13 of issue 9, lost updates across processes: two service processes (real listening servers,
 * each with its own pool) on one PostgreSQL database, every state-changing command fired at both at
 * once with the same If-Match. tests/concurrency-races.test.ts races inside one process; here the
 * only thing the two sides share is the database. Exactly one shot wins each race, the others get
 * 412 or 409 problem+json, the winner alone leaves its audit row and timeline event, and the stored
 * row is the winner's. PostgreSQL only (spawns processes).
 */
const onPostgres = Boolean(process.env.TEST_DATABASE_URL) && process.env.TEST_BACKEND !== 'pglite';

/** Shots per race, alternating between the two processes. */
const N = 4;
const now = (offsetSeconds = 0) => new Date(Date.now() + offsetSeconds * 1000).toISOString();
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

type Shot = { method?: string; path: string; body: unknown; headers?: Record<string, string> };

describe.skipIf(!onPostgres)(
  'two service processes racing every command on one database',
  // process-level: budgets of minutes, so that they hold on two loaded cores
  { timeout: 300_000 },
  () => {
    let testDb: TestDatabase;
    let issuer: TestIssuer;
    let pool: pg.Pool;
    let a: ServiceProcess;
    let b: ServiceProcess;
    let dataDir: string;
    let admin: string;
    const query = async <T extends pg.QueryResultRow = any>(text: string, values: unknown[] = []) =>
      (await pool.query<T>(text, values)).rows;
    const count = async (table: string, where: string, values: unknown[] = []) =>
      (await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, values))[0].n;

    beforeAll(async () => {
      testDb = await createTestDatabase();
      issuer = await createTestIssuer();
      pool = new pg.Pool({ connectionString: testDb.url!, max: 2 });
      dataDir = mkdtempSync(join(tmpdir(), 'jj-races-'));
      // one after the other: the first applies the migrations
      a = await spawnService(testDb.url!, issuer, { DATA_DIR: dataDir });
      b = await spawnService(testDb.url!, issuer, { DATA_DIR: dataDir });
      admin = await issuer.sign({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
    }, 240_000);
    afterAll(async () => {
      await a?.kill('SIGTERM');
      await b?.kill('SIGTERM');
      await pool?.end();
      await testDb?.drop();
    });

    const on = (token: string) => ({
      token,
      call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
        callService(a.base, token, method, path, body, headers),
    });
    type Actor = ReturnType<typeof on>;

    const ok = (o: Outcome, status = 201) => {
      expect(o.status, JSON.stringify(o.body)).toBe(status);
      return o;
    };

    async function org(kind: string) {
      const id = uid(kind);
      ok(await on(admin).call('POST', '/v1/organizations', { id, name: `Org ${id}`, kind, region: 'north' }));
      return id;
    }
    async function staff(role: 'legal_aid_lawyer' | 'probation_officer', kind: string) {
      const orgId = await org(kind);
      const sub = uid(role);
      ok(
        await on(admin).call('PUT', `/v1/staff/${sub}`, {
          displayName: `Staff ${sub}`,
          orgId,
          roles: [role],
          juvenileSpecialised: true,
        }),
      );
      return Object.assign(on(await issuer.sign({ sub, roles: [role], org: orgId })), { sub });
    }
    async function courtWithCase() {
      const court = await org('court');
      const clerk = on(await issuer.sign({ sub: uid('clerk'), roles: ['court_clerk'], org: court }));
      const person = ok(
        await clerk.call('POST', '/v1/persons', {
          givenName: uid('Given'),
          familyName: uid('Family'),
          dateOfBirth: '2010-05-01',
          sex: 'female',
          region: 'north',
          guardians: [{ name: 'A Guardian', relationship: 'mother' }],
        }),
      ).body;
      const kase = ok(
        await clerk.call('POST', '/v1/cases', {
          personId: person.id,
          intakeKind: 'arrest',
          offenceDate: '2026-11-01T10:00:00Z',
          intakeAt: '2026-11-01T12:00:00Z',
          agency: 'Police North',
          detained: false,
          charges: [{ code: 'PC-1', description: 'Theft' }],
        }),
      ).body;
      return { clerk, person, kase };
    }
    async function heldHearing(clerk: Actor, caseId: string) {
      const hearing = ok(
        await clerk.call('POST', `/v1/cases/${caseId}/hearings`, {
          scheduledAt: inDays(1),
          listedAt: '2026-11-02T09:00:00Z',
          purpose: 'adjudication',
        }),
      ).body;
      ok(await clerk.call('POST', `/v1/hearings/${hearing.id}/hold`, holdBody()), 200);
      return hearing;
    }
    const holdBody = () => ({
      heldAt: now(-60),
      outcome: 'Facts established',
      attendees: ['child'],
      childFriendlyCourtroom: true,
    });

    /** Fires the shots at once, alternating between the two processes, each with a request id of the run. */
    async function race(actor: Actor, shots: Shot[]) {
      const run = uid('race');
      const outcomes = await Promise.all(
        shots.map((s, i) =>
          callService((i % 2 === 0 ? a : b).base, actor.token, s.method ?? 'POST', s.path, s.body, {
            'x-request-id': `${run}-${i}`,
            ...s.headers,
          }),
        ),
      );
      return { run, outcomes };
    }

    /** One winner, the others refused with problem+json; the winner's allowed audit row alone. */
    async function oneWinner(
      { run, outcomes }: { run: string; outcomes: Outcome[] },
      win = 200,
      losers = [409, 412],
    ) {
      const statuses = outcomes.map((o) => o.status);
      expect(
        statuses.filter((s) => s === win),
        statuses.join(','),
      ).toHaveLength(1);
      for (const o of outcomes.filter((x) => x.status !== win)) {
        expect(losers, statuses.join(',')).toContain(o.status);
        expect(o.type).toMatch(/^application\/problem\+json/);
        expect(o.body.status).toBe(o.status);
      }
      expect(await count('audit_events', `request_id LIKE $1 AND outcome = 'allowed'`, [`${run}-%`])).toBe(1);
      return outcomes.find((o) => o.status === win) as Outcome;
    }
    const events = (caseId: string, kinds: string[]) =>
      count('case_events', 'case_id = $1 AND kind = ANY($2)', [caseId, kinds]);
    const ifMatch = (etag: string | number) => ({
      'if-match': typeof etag === 'number' ? `"${etag}"` : etag,
    });

    it('hearings: hold, adjourn and cancel under the same If-Match', async () => {
      for (const step of ['hold', 'adjourn', 'cancel'] as const) {
        const { clerk, kase } = await courtWithCase();
        const hearing = ok(
          await clerk.call('POST', `/v1/cases/${kase.id}/hearings`, {
            scheduledAt: inDays(2),
            listedAt: '2026-11-02T09:00:00Z',
            purpose: 'review',
          }),
        ).body;
        const body = (i: number) =>
          step === 'hold'
            ? { ...holdBody(), outcome: `Outcome ${i}` }
            : step === 'adjourn'
              ? { newScheduledAt: inDays(5 + i), reason: `reason ${i}` }
              : { reason: `withdrawn ${i}` };
        const result = await race(
          clerk,
          Array.from({ length: N }, (_, i) => ({
            path: `/v1/hearings/${hearing.id}/${step}`,
            body: body(i),
            headers: ifMatch(1),
          })),
        );
        const winner = await oneWinner(result, 200, [412]);
        const [row] = await query('SELECT version, status FROM hearings WHERE id = $1', [hearing.id]);
        expect(row.version).toBe(2);
        expect(row.status).toBe({ hold: 'held', adjourn: 'adjourned', cancel: 'cancelled' }[step]);
        if (step !== 'adjourn') expect(winner.body.status).toBe(row.status);
        expect(await count('hearings', 'adjourned_from_id = $1', [hearing.id])).toBe(
          step === 'adjourn' ? 1 : 0,
        );
        expect(await events(kase.id, ['hearing_held', 'hearing_adjourned', 'hearing_cancelled'])).toBe(1);
      }
    });

    it('custody: ending an episode keeps the winner’s release time', async () => {
      const { clerk, kase } = await courtWithCase();
      const episode = ok(
        await clerk.call('POST', `/v1/cases/${kase.id}/custody-episodes`, {
          kind: 'pre_trial',
          facility: 'North centre',
          startedAt: '2026-11-01T12:30:00Z',
        }),
      ).body;
      const result = await race(
        clerk,
        Array.from({ length: N }, (_, i) => ({
          path: `/v1/custody-episodes/${episode.id}/end`,
          body: { releasedAt: `2026-11-0${2 + i}T10:00:00.000Z`, releaseReason: 'bail' },
          headers: ifMatch(1),
        })),
      );
      const winner = await oneWinner(result, 200, [412]);
      const [row] = await query('SELECT released_at, version FROM custody_episodes WHERE id = $1', [
        episode.id,
      ]);
      expect(new Date(row.released_at).toISOString()).toBe(winner.body.releasedAt);
      expect(row.version).toBe(2);
      expect(await events(kase.id, ['custody_ended'])).toBe(1);
    });

    it('dispositions: recorded once for a case', async () => {
      const { clerk, kase } = await courtWithCase();
      const hearing = await heldHearing(clerk, kase.id);
      const result = await race(
        clerk,
        Array.from({ length: N }, (_, i) => ({
          path: `/v1/cases/${kase.id}/dispositions`,
          body: { outcome: 'warning', decidedAt: now(-30), hearingId: hearing.id, notes: `decision ${i}` },
        })),
      );
      const winner = await oneWinner(result, 201, [409]);
      const rows = await query('SELECT id FROM dispositions WHERE case_id = $1', [kase.id]);
      expect(rows.map((r) => r.id)).toEqual([winner.body.id]);
      expect(await events(kase.id, ['disposition_recorded'])).toBe(1);
    });

    it('supervision: revocation request, then revoke, each once under the same If-Match', async () => {
      const { clerk, kase } = await courtWithCase();
      const officer = await staff('probation_officer', 'probation');
      const hearing = await heldHearing(clerk, kase.id);
      ok(
        await clerk.call('POST', `/v1/cases/${kase.id}/dispositions`, {
          outcome: 'probation',
          decidedAt: now(-30),
          hearingId: hearing.id,
          termMonths: 6,
        }),
      );
      const supervision = ok(
        await clerk.call('POST', `/v1/cases/${kase.id}/supervisions`, {
          officerSub: officer.sub,
          startsOn: now().slice(0, 10),
          endsOn: '2027-05-06',
          conditions: ['curfew 21:00'],
        }),
      );
      const requested = await oneWinner(
        await race(
          officer,
          Array.from({ length: N }, (_, i) => ({
            path: `/v1/supervisions/${supervision.body.id}/revocation-request`,
            body: { reason: `missed contacts ${i}` },
            headers: ifMatch(String(supervision.etag)),
          })),
        ),
        200,
        [412],
      );
      expect(requested.body.status).toBe('revocation_requested');
      const revoked = await oneWinner(
        await race(
          clerk,
          Array.from({ length: N }, (_, i) => ({
            path: `/v1/supervisions/${supervision.body.id}/revoke`,
            body: { reason: `revoked ${i}` },
            headers: ifMatch(String(requested.etag)),
          })),
        ),
        200,
        [412],
      );
      const [row] = await query('SELECT status, version FROM supervisions WHERE id = $1', [
        supervision.body.id,
      ]);
      expect(row.status).toBe(revoked.body.status);
      expect(`"${row.version}"`).toBe(revoked.etag);
      expect(await events(kase.id, ['supervision_revocation_requested'])).toBe(1);
      expect(await events(kase.id, ['supervision_revoked'])).toBe(1);
    });

    it('diversion: accept against decline, then start, each once under the same If-Match', async () => {
      const { clerk, kase } = await courtWithCase();
      const proposed = ok(
        await clerk.call('POST', `/v1/cases/${kase.id}/diversions`, {
          provider: 'Mediation',
          conditions: ['apologise'],
        }),
      );
      const decided = await oneWinner(
        await race(
          clerk,
          Array.from({ length: N }, (_, i) => ({
            path: `/v1/diversions/${proposed.body.id}/${i % 2 === 0 ? 'accept' : 'decline'}`,
            body: i % 2 === 0 ? {} : { reason: 'family declines' },
            headers: ifMatch(String(proposed.etag)),
          })),
        ),
        200,
        [412],
      );
      expect(await events(kase.id, ['diversion_accepted', 'diversion_declined'])).toBe(1);
      if (decided.body.status === 'accepted') {
        await oneWinner(
          await race(
            clerk,
            Array.from({ length: N }, () => ({
              path: `/v1/diversions/${proposed.body.id}/start`,
              body: {},
              headers: ifMatch(String(decided.etag)),
            })),
          ),
          200,
          [412],
        );
        expect(await events(kase.id, ['diversion_started'])).toBe(1);
      }
      const [row] = await query('SELECT version FROM diversions WHERE id = $1', [proposed.body.id]);
      expect(row.version).toBe(decided.body.status === 'accepted' ? 3 : 2);
    });

    it('legal aid: accept once, then withdraw against complete once', async () => {
      const { clerk, kase } = await courtWithCase();
      const lawyer = await staff('legal_aid_lawyer', 'legal_aid');
      const assignment = ok(
        await clerk.call('POST', `/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub }),
      );
      const accepted = await oneWinner(
        await race(
          lawyer,
          Array.from({ length: N }, () => ({
            path: `/v1/legal-aid/assignments/${assignment.body.id}/accept`,
            body: {},
            headers: ifMatch(String(assignment.etag)),
          })),
        ),
        200,
        [412],
      );
      const ended = await oneWinner(
        await race(
          clerk,
          Array.from({ length: N }, (_, i) => ({
            path: `/v1/legal-aid/assignments/${assignment.body.id}/${i % 2 === 0 ? 'withdraw' : 'complete'}`,
            body: i % 2 === 0 ? { reason: 'conflict of interest' } : {},
            headers: ifMatch(String(accepted.etag)),
          })),
        ),
        200,
        [412],
      );
      const [row] = await query('SELECT status, version FROM legal_aid_assignments WHERE id = $1', [
        assignment.body.id,
      ]);
      expect(row.status).toBe(ended.body.status);
      expect(row.version).toBe(3);
      expect(await events(kase.id, ['legal_aid_accepted'])).toBe(1);
    });

    it('cases: a correction (PATCH) keeps the winner’s value, then close once', async () => {
      const { clerk, kase } = await courtWithCase();
      const corrected = await oneWinner(
        await race(
          clerk,
          Array.from({ length: N }, (_, i) => ({
            method: 'PATCH',
            path: `/v1/cases/${kase.id}`,
            body: { reason: 'race', agency: `Police ${i}` },
            headers: ifMatch(1),
          })),
        ),
        200,
        [412],
      );
      const [row] = await query('SELECT agency, version FROM cases WHERE id = $1', [kase.id]);
      expect(row.agency).toBe(corrected.body.agency);
      expect(`"${row.version}"`).toBe(corrected.etag);
      expect(await count('corrections', 'case_id = $1', [kase.id])).toBe(1);

      await oneWinner(
        await race(
          clerk,
          Array.from({ length: N }, (_, i) => ({
            path: `/v1/cases/${kase.id}/close`,
            body: { reason: `no further action ${i}` },
            headers: ifMatch(String(corrected.etag)),
          })),
        ),
        200,
        [412],
      );
      expect(await events(kase.id, ['case_closed'])).toBe(1);
    });

    it('consents: revoked once', async () => {
      const { clerk, person } = await courtWithCase();
      const consent = ok(
        await clerk.call('POST', `/v1/persons/${person.id}/consents`, {
          grantor: { kind: 'guardian', name: 'A Guardian' },
          grantee: { type: 'role', value: 'social_worker' },
          categories: ['education'],
          purposes: ['social_services'],
          validFrom: now(-60),
          validUntil: inDays(30),
          evidenceReference: 'form 12',
        }),
      );
      await oneWinner(
        await race(
          clerk,
          Array.from({ length: N }, () => ({ path: `/v1/consents/${consent.body.id}/revoke`, body: {} })),
        ),
        200,
        [409],
      );
      const [row] = await query('SELECT revoked_at FROM consents WHERE id = $1', [consent.body.id]);
      expect(row.revoked_at).not.toBeNull();
    });

    it('leaves every change with its audit row, and a chain that verifies', async () => {
      // every case, hearing and episode the races made has its allowed 'create' audit row, and every
      // such row its resource (a replacement hearing is the adjourn's change, audited as that)
      for (const [table, type, own] of [
        ['cases', 'case', 'true'],
        ['hearings', 'hearing', 'adjourned_from_id IS NULL'],
        ['custody_episodes', 'custody_episode', 'true'],
      ]) {
        const missing = await query(
          `SELECT t.id FROM ${table} t WHERE ${own} AND NOT EXISTS (SELECT 1 FROM audit_events e
           WHERE e.resource_type = $1 AND e.action = 'create' AND e.outcome = 'allowed' AND e.resource_id = t.id::text)`,
          [type],
        );
        expect(missing, table).toEqual([]);
        const orphans = await query(
          `SELECT e.resource_id FROM audit_events e WHERE e.resource_type = $1 AND e.action = 'create'
           AND e.outcome = 'allowed' AND NOT EXISTS (SELECT 1 FROM ${table} t WHERE t.id::text = e.resource_id)`,
          [type],
        );
        expect(orphans, table).toEqual([]);
      }
      expect(await count('cases', 'true')).toBeGreaterThanOrEqual(8);
      const verified = await auditVerify(testDb.url!, dataDir);
      expect(verified.code, JSON.stringify(verified.report)).toBe(0);
      expect(verified.report).toMatchObject({ ok: true });
    });
  },
);
