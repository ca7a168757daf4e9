import { sql } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { createStaff } from './helpers/case-path.js';
import { courtWithCase, createOrg } from './helpers/factories.js';

/**
 * Lost updates: every command fired several times at once, through two app instances on one
 * database (on PGlite both share the one embedded database). Exactly one may succeed; the others get
 * 412 (stale If-Match) or 409 (no longer allowed after the winner); the winner alone leaves a
 * timeline event and an allowed audit row.
 */
let h: Harness;
let second: FastifyInstance;
beforeAll(async () => {
  h = await createHarness();
  second = await h.secondInstance();
});
afterAll(async () => h?.close());

const N = 8;
const count = async (table: string, where: string) =>
  rowsOf<{ n: number }>(
    await h.testDb.database.db.execute(sql.raw(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`)),
  )[0].n;
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

type Shot = { method?: 'POST' | 'PUT'; url: string; body: unknown; headers?: Record<string, string> };

/** Fires the shots at once, alternating between the two instances; each carries a request id of the run. */
async function race(client: Client, shots: Shot[]) {
  const run = uid('race');
  const responses = await Promise.all(
    shots.map((s, i) =>
      (i % 2 === 0 ? h.app : second).inject({
        method: s.method ?? 'POST',
        url: s.url,
        payload: s.body as object,
        headers: { authorization: `Bearer ${client.token}`, 'x-request-id': `${run}-${i}`, ...s.headers },
      }),
    ),
  );
  return { run, responses };
}

/** One winner, the rest 409/412 problem+json, one allowed audit row for the whole run. */
async function expectOneWinner(
  { run, responses }: { run: string; responses: LightMyRequestResponse[] },
  winStatus = 200,
  loserStatuses = [409, 412],
) {
  const statuses = responses.map((r) => r.statusCode);
  expect(
    statuses.filter((s) => s === winStatus),
    statuses.join(','),
  ).toHaveLength(1);
  for (const r of responses.filter((x) => x.statusCode !== winStatus)) {
    expect(loserStatuses).toContain(r.statusCode);
    expect(r.headers['content-type']).toContain('application/problem+json');
  }
  expect(await count('audit_events', `request_id LIKE '${run}-%' AND outcome = 'allowed'`)).toBe(1);
  return responses.find((r) => r.statusCode === winStatus) as LightMyRequestResponse;
}

const holdBody = {
  heldAt: new Date().toISOString(),
  outcome: 'Facts established',
  attendees: ['child'],
  childFriendlyCourtroom: true,
};

async function scheduledHearing() {
  const { clerk, kase } = await courtWithCase(h);
  const res = await clerk.post(`/v1/cases/${kase.id}/hearings`, {
    scheduledAt: inDays(2),
    // listed before holdBody.heldAt: a hearing is not held before it was listed (issue 14)
    listedAt: '2026-11-02T09:00:00Z',
    purpose: 'review',
  });
  expect(res.statusCode).toBe(201);
  return { clerk, kase, hearing: res.json() };
}

describe('hearings', () => {
  it('holds once under the same If-Match: one 200, the rest 412, one hearing_held event', async () => {
    const { clerk, kase, hearing } = await scheduledHearing();
    const shot = { url: `/v1/hearings/${hearing.id}/hold`, body: holdBody, headers: { 'if-match': '"1"' } };
    const result = await race(clerk, Array(N).fill(shot));
    await expectOneWinner(result, 200, [412]);
    expect(await count('case_events', `case_id = '${kase.id}' AND kind = 'hearing_held'`)).toBe(1);
    expect(await count('hearings', `id = '${hearing.id}' AND version = 2`)).toBe(1);
  });

  it('holds once without If-Match: the others find it held (409)', async () => {
    const { clerk, kase, hearing } = await scheduledHearing();
    const result = await race(
      clerk,
      Array(N).fill({ url: `/v1/hearings/${hearing.id}/hold`, body: holdBody }),
    );
    await expectOneWinner(result);
    expect(result.responses.filter((r) => r.statusCode === 409)).toHaveLength(N - 1);
    expect(await count('case_events', `case_id = '${kase.id}' AND kind = 'hearing_held'`)).toBe(1);
  });

  it('adjourns once: one replacement hearing', async () => {
    const { clerk, kase, hearing } = await scheduledHearing();
    const shots = Array.from({ length: N }, (_, i) => ({
      url: `/v1/hearings/${hearing.id}/adjourn`,
      body: { newScheduledAt: inDays(5 + i), reason: 'lawyer unavailable' },
    }));
    await expectOneWinner(await race(clerk, shots));
    expect(await count('hearings', `adjourned_from_id = '${hearing.id}'`)).toBe(1);
    expect(await count('case_events', `case_id = '${kase.id}' AND kind = 'hearing_adjourned'`)).toBe(1);
  });

  it('adjourn, cancel and hold against each other: exactly one of them happens', async () => {
    const { clerk, kase, hearing } = await scheduledHearing();
    const shots = Array.from({ length: N }, (_, i) =>
      i % 3 === 0
        ? { url: `/v1/hearings/${hearing.id}/cancel`, body: { reason: 'withdrawn' } }
        : i % 3 === 1
          ? { url: `/v1/hearings/${hearing.id}/adjourn`, body: { newScheduledAt: inDays(9), reason: 'x' } }
          : { url: `/v1/hearings/${hearing.id}/hold`, body: holdBody },
    );
    await expectOneWinner(await race(clerk, shots));
    expect(
      await count(
        'case_events',
        `case_id = '${kase.id}' AND kind IN ('hearing_held', 'hearing_adjourned', 'hearing_cancelled')`,
      ),
    ).toBe(1);
    expect(await count('hearings', `adjourned_from_id = '${hearing.id}'`)).toBeLessThanOrEqual(1);
  });
});

describe('custody', () => {
  it('ends an episode once: the release time of the winner stays', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const episode = (
      await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
        kind: 'pre_trial',
        facility: 'North centre',
        startedAt: '2026-11-01T12:30:00Z',
      })
    ).json();
    const shots = Array.from({ length: N }, (_, i) => ({
      url: `/v1/custody-episodes/${episode.id}/end`,
      body: { releasedAt: `2026-11-0${2 + (i % 7)}T10:00:00.000Z`, releaseReason: 'bail' },
      headers: { 'if-match': '"1"' },
    }));
    const winner = await expectOneWinner(await race(clerk, shots));
    const stored = rowsOf<{ released_at: Date }>(
      await h.testDb.database.db.execute(
        sql.raw(`SELECT released_at FROM custody_episodes WHERE id = '${episode.id}'`),
      ),
    )[0];
    expect(new Date(stored.released_at).toISOString()).toBe(winner.json().releasedAt);
    expect(await count('case_events', `case_id = '${kase.id}' AND kind = 'custody_ended'`)).toBe(1);
  });
});

describe('diversion', () => {
  it('accepts once, and accept against decline: one outcome', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const d = (
      await clerk.post(`/v1/cases/${kase.id}/diversions`, {
        provider: 'Mediation',
        conditions: ['apologise'],
      })
    ).json();
    const shots = Array.from({ length: N }, (_, i) => ({
      url: `/v1/diversions/${d.id}/${i % 2 === 0 ? 'accept' : 'decline'}`,
      body: i % 2 === 0 ? {} : { reason: 'family declines' },
    }));
    await expectOneWinner(await race(clerk, shots));
    expect(
      await count(
        'case_events',
        `case_id = '${kase.id}' AND kind IN ('diversion_accepted', 'diversion_declined')`,
      ),
    ).toBe(1);
  });
});

describe('legal aid', () => {
  it('two lawyers of the organisation take up one queued assignment: one of them gets it', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const org = await createOrg(h, 'legal_aid');
    const lawyers = await Promise.all(
      Array.from({ length: 4 }, () => createStaff(h, 'legal_aid_lawyer', { org })),
    );
    const a = (await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { legalAidOrgId: org })).json();
    const run = uid('race');
    const responses = await Promise.all(
      [...lawyers, ...lawyers].map((l, i) =>
        (i % 2 === 0 ? h.app : second).inject({
          method: 'POST',
          url: `/v1/legal-aid/assignments/${a.id}/accept`,
          payload: {},
          headers: { authorization: `Bearer ${l.token}`, 'x-request-id': `${run}-${i}` },
        }),
      ),
    );
    // the others find it taken by a colleague: addressed to someone else now, so 404 as for any
    // assignment that is not theirs (what they would get had they come after the winner)
    const winner = await expectOneWinner({ run, responses }, 200, [404, 409]);
    const lawyerSub = winner.json().lawyerSub;
    expect(lawyers.map((l) => l.sub)).toContain(lawyerSub);
    expect(await count('legal_aid_assignments', `id = '${a.id}' AND lawyer_sub = '${lawyerSub}'`)).toBe(1);
    expect(await count('case_events', `case_id = '${kase.id}' AND kind = 'legal_aid_accepted'`)).toBe(1);
  });

  it('withdraw against complete on an accepted assignment: one', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const a = (
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
    ).json();
    const accepted = await lawyer.post(`/v1/legal-aid/assignments/${a.id}/accept`, {});
    expect(accepted.statusCode).toBe(200);
    const shots = Array.from({ length: N }, (_, i) => ({
      url: `/v1/legal-aid/assignments/${a.id}/${i % 2 === 0 ? 'withdraw' : 'complete'}`,
      body: i % 2 === 0 ? { reason: 'conflict of interest' } : {},
      headers: { 'if-match': String(accepted.headers.etag) },
    }));
    await expectOneWinner(await race(clerk, shots));
  });
});

describe('supervision', () => {
  async function underSupervision() {
    const { clerk, kase } = await courtWithCase(h);
    const officer = await createStaff(h, 'probation_officer');
    const hearing = (
      await clerk.post(`/v1/cases/${kase.id}/hearings`, {
        scheduledAt: inDays(1),
        listedAt: '2026-11-02T09:00:00Z',
        purpose: 'adjudication',
      })
    ).json();
    expect((await clerk.post(`/v1/hearings/${hearing.id}/hold`, holdBody)).statusCode).toBe(200);
    const disposition = await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
      outcome: 'probation',
      decidedAt: new Date().toISOString(),
      hearingId: hearing.id,
      termMonths: 6,
    });
    expect(disposition.statusCode).toBe(201);
    const s = await clerk.post(`/v1/cases/${kase.id}/supervisions`, {
      officerSub: officer.sub,
      startsOn: new Date().toISOString().slice(0, 10),
      endsOn: '2027-05-06',
      conditions: ['curfew 21:00'],
    });
    expect(s.statusCode).toBe(201);
    return { clerk, kase, officer, supervision: s.json() };
  }

  it('complete against revocation request: one; then revoke once', async () => {
    const { clerk, kase, officer, supervision } = await underSupervision();
    const shots = Array.from({ length: N }, (_, i) =>
      i % 4 === 0
        ? { url: `/v1/supervisions/${supervision.id}/complete`, body: {} }
        : {
            url: `/v1/supervisions/${supervision.id}/revocation-request`,
            body: { reason: 'missed contacts' },
          },
    );
    // a completed supervision ends the officer's relation to the case: later requests get 404
    const winner = await expectOneWinner(await race(officer, shots), 200, [404, 409]);
    expect(
      await count(
        'case_events',
        `case_id = '${kase.id}' AND kind IN ('supervision_completed', 'supervision_revocation_requested')`,
      ),
    ).toBe(1);
    if (winner.json().status === 'revocation_requested') {
      const revokes = Array(N).fill({
        url: `/v1/supervisions/${supervision.id}/revoke`,
        body: { reason: 'r' },
      });
      await expectOneWinner(await race(clerk, revokes));
      expect(await count('case_events', `case_id = '${kase.id}' AND kind = 'supervision_revoked'`)).toBe(1);
    }
  });

  it('conditions added at once are all kept (no lost append)', async () => {
    const { officer, supervision } = await underSupervision();
    const shots = Array.from({ length: N }, (_, i) => ({
      url: `/v1/supervisions/${supervision.id}/conditions`,
      body: { condition: `condition ${i}` },
    }));
    const { responses } = await race(officer, shots);
    expect(responses.map((r) => r.statusCode)).toEqual(Array(N).fill(201));
    const after = await officer.get(`/v1/supervisions/${supervision.id}`);
    expect(after.json().conditions).toHaveLength(1 + N);
    expect(after.headers.etag).toBe(`"${1 + N}"`);
  });
});

describe('social work', () => {
  it('ends an assignment once', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const worker = await createStaff(h, 'social_worker');
    const a = (
      await clerk.post(`/v1/cases/${kase.id}/social-work-assignments`, { socialWorkerSub: worker.sub })
    ).json();
    const shots = Array(N).fill({ url: `/v1/social-work-assignments/${a.id}/end`, body: {} });
    await expectOneWinner(await race(clerk, shots));
    expect(
      await count('case_events', `case_id = '${kase.id}' AND kind = 'social_worker_assignment_ended'`),
    ).toBe(1);
  });
});

describe('cases', () => {
  it('closes once under the same If-Match', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const shots = Array(N).fill({
      url: `/v1/cases/${kase.id}/close`,
      body: { reason: 'no further action' },
      headers: { 'if-match': `"${kase.version ?? 1}"` },
    });
    await expectOneWinner(await race(clerk, shots));
    expect(await count('case_events', `case_id = '${kase.id}' AND kind = 'case_closed'`)).toBe(1);
  });
});

describe('staff directory (defect 3)', () => {
  const admin = () => h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });

  it('creates a new member once: no 500, no silent overwrite', async () => {
    const client = await admin();
    const org = await createOrg(h, 'probation');
    const sub = uid('officer');
    const shots = Array.from({ length: N }, (_, i) => ({
      method: 'PUT' as const,
      url: `/v1/staff/${sub}`,
      body: { displayName: `Officer ${i}`, orgId: org, roles: ['probation_officer'] },
    }));
    const result = await race(client, shots);
    const winner = await expectOneWinner(result, 201, [428]);
    // the losers are answered as if they had come after the winner: the member exists, so a
    // replacement needs If-Match (428), never a silent overwrite
    expect(result.responses.filter((r) => r.statusCode === 428)).toHaveLength(N - 1);
    const stored = (await client.get(`/v1/staff/${sub}`)).json();
    expect(stored.displayName).toBe(winner.json().displayName);
    expect(await count('staff', `sub = '${sub}' AND version = 1`)).toBe(1);
  });

  it('replaces once under the same If-Match', async () => {
    const client = await admin();
    const org = await createOrg(h, 'probation');
    const sub = uid('officer');
    const body = { displayName: 'First', orgId: org, roles: ['probation_officer'] };
    expect((await client.put(`/v1/staff/${sub}`, body)).statusCode).toBe(201);
    const shots = Array.from({ length: N }, (_, i) => ({
      method: 'PUT' as const,
      url: `/v1/staff/${sub}`,
      body: { ...body, displayName: `Replaced ${i}` },
      headers: { 'if-match': '"1"' },
    }));
    const result = await race(client, shots);
    const winner = await expectOneWinner(result, 200);
    expect(result.responses.filter((r) => r.statusCode === 412)).toHaveLength(N - 1);
    expect((await client.get(`/v1/staff/${sub}`)).json().displayName).toBe(winner.json().displayName);
    expect(await count('staff', `sub = '${sub}' AND version = 2`)).toBe(1);
  });
});

describe('consents', () => {
  it('revokes once', async () => {
    const { clerk, person } = await courtWithCase(h);
    const c = await clerk.post(`/v1/persons/${person.id}/consents`, {
      grantor: { kind: 'guardian', name: 'A Guardian' },
      grantee: { type: 'role', value: 'social_worker' },
      categories: ['education'],
      purposes: ['social_services'],
      validFrom: new Date().toISOString(),
      validUntil: inDays(30),
      evidenceReference: 'form 12',
    });
    expect(c.statusCode, c.body).toBe(201);
    const shots = Array(N).fill({ url: `/v1/consents/${c.json().id}/revoke`, body: {} });
    await expectOneWinner(await race(clerk, shots));
  });
});

describe('court orders', () => {
  it('revokes once, with or without If-Match', async () => {
    const { clerk, kase } = await courtWithCase(h);
    const order = await clerk.post(`/v1/cases/${kase.id}/court-orders`, {
      reference: uid('ORDER'),
      categories: ['health'],
      purposes: ['legal_defence'],
      grantees: [{ type: 'role', value: 'judge' }],
    });
    expect(order.statusCode, order.body).toBe(201);
    const shots = Array.from({ length: N }, (_, i) => ({
      url: `/v1/court-orders/${order.json().id}/revoke`,
      body: { reason: 'order lifted on appeal' },
      headers: (i % 2 === 0 ? { 'if-match': '"1"' } : {}) as Record<string, string>,
    }));
    await expectOneWinner(await race(clerk, shots));
    expect(await count('case_events', `case_id = '${kase.id}' AND kind = 'court_order_revoked'`)).toBe(1);
  });
});
