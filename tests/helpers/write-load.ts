import pg from 'pg';
import { expect } from 'vitest';
import { uid } from './app.js';
import { type Outcome, callService } from './service-process.js';

/**
 * Write load for the fault suite: workers registering a child and opening a case with charges,
 * against service processes, while the test breaks something; and the checks that nothing
 * acknowledged was lost and nothing was half-written.
 */

export interface WriteLoad {
  /** Cases acknowledged with 201, with the number of charges each was sent with. */
  acknowledged: Map<string, number>;
  /** Persons acknowledged with 201. */
  persons: string[];
  /** Every answer (status 0: no answer at all, the process died under the request). */
  outcomes: Outcome[];
  /** Resolves once `n` more cases have been acknowledged since the call (bounded by `maxMs`). */
  more(n: number, maxMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** `workers` loops, each picking its target from `bases()` (which may change as processes die). */
export function startWriteLoad(bases: () => string[], token: string, workers = 4): WriteLoad {
  const acknowledged = new Map<string, number>();
  const persons: string[] = [];
  const outcomes: Outcome[] = [];
  let stopped = false;
  let turn = 0;
  const pick = () => {
    const list = bases();
    turn += 1;
    return list[turn % list.length];
  };
  const worker = async () => {
    while (!stopped) {
      const person = await callService(pick(), token, 'POST', '/v1/persons', {
        givenName: uid('Given'),
        familyName: uid('Family'),
        dateOfBirth: '2010-05-01',
        sex: 'female',
        region: 'north',
      });
      outcomes.push(person);
      if (person.status !== 201) {
        // nothing listening any more (killed) or the database away: do not spin
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      persons.push(person.body.id);
      const charges = 1 + (turn % 3);
      const kase = await callService(pick(), token, 'POST', '/v1/cases', {
        personId: person.body.id,
        intakeKind: 'arrest',
        offenceDate: '2026-11-01T10:00:00Z',
        intakeAt: '2026-11-01T12:00:00Z',
        agency: 'Police North',
        detained: false,
        charges: Array.from({ length: charges }, (_, i) => ({ code: `PC-${i + 1}`, description: 'Theft' })),
      });
      outcomes.push(kase);
      if (kase.status === 201) acknowledged.set(kase.body.id, charges);
      else await new Promise((r) => setTimeout(r, 50));
    }
  };
  const running = Array.from({ length: workers }, worker);
  return {
    acknowledged,
    persons,
    outcomes,
    async more(n, maxMs = 120_000) {
      const target = acknowledged.size + n;
      const until = Date.now() + maxMs;
      while (acknowledged.size < target && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(acknowledged.size, 'the load made no progress').toBeGreaterThanOrEqual(target);
    },
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

/** One short-lived connection per query: the checks must not depend on a pool the faults touched. */
export async function queryOnce<T extends pg.QueryResultRow = any>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

/**
 * The invariants every fault test ends with, for the cases and persons in the database:
 * - every acknowledged case is there with all its charges, its intake event on the timeline and its
 *   allowed 'create' audit row; every acknowledged person with its audit row;
 * - nothing half-written: every case in the database (acknowledged or not: an answer lost in the
 *   fault may hide a commit) has charges, its intake event and its audit row;
 * - every allowed 'create' audit row of a case or person has its row.
 */
export async function expectNothingLostOrHalfWritten(url: string, load: WriteLoad) {
  const cases = await queryOnce<{ id: string; charges: number; intake: number; audit: number }>(
    url,
    `SELECT c.id,
            (SELECT count(*)::int FROM charges x WHERE x.case_id = c.id) AS charges,
            (SELECT count(*)::int FROM case_events e WHERE e.case_id = c.id AND e.kind = 'arrest') AS intake,
            (SELECT count(*)::int FROM audit_events a WHERE a.resource_type = 'case' AND a.action = 'create'
               AND a.outcome = 'allowed' AND a.resource_id = c.id::text) AS audit
       FROM cases c`,
  );
  const byId = new Map(cases.map((c) => [c.id, c]));
  for (const [id, charges] of load.acknowledged) {
    const row = byId.get(id);
    expect(row, `acknowledged case ${id} is missing`).toBeDefined();
    expect(row?.charges).toBe(charges);
  }
  for (const c of cases) {
    expect(c.charges, `case ${c.id} without charges`).toBeGreaterThan(0);
    expect(c.intake, `case ${c.id} without its intake event`).toBe(1);
    expect(c.audit, `case ${c.id} without its audit row`).toBe(1);
  }
  const persons = await queryOnce<{ id: string; audit: number }>(
    url,
    `SELECT p.id, (SELECT count(*)::int FROM audit_events a WHERE a.resource_type = 'person'
        AND a.action = 'create' AND a.outcome = 'allowed' AND a.resource_id = p.id::text) AS audit
       FROM persons p`,
  );
  const personIds = new Set(persons.map((p) => p.id));
  for (const id of load.persons) expect(personIds.has(id), `acknowledged person ${id} is missing`).toBe(true);
  for (const p of persons) expect(p.audit, `person ${p.id} without its audit row`).toBe(1);
  for (const type of ['case', 'person']) {
    const orphans = await queryOnce(
      url,
      `SELECT a.resource_id FROM audit_events a
        WHERE a.resource_type = $1 AND a.action = 'create' AND a.outcome = 'allowed'
          AND NOT EXISTS (SELECT 1 FROM ${type === 'case' ? 'cases' : 'persons'} t WHERE t.id::text = a.resource_id)`,
      [type],
    );
    expect(orphans, `${type} audit rows without their change`).toEqual([]);
  }
}

/** Every answer that was not a success is 503 (or 504) problem+json, or no answer (a killed process). */
export function expectOnlyCleanFailures(outcomes: Outcome[], allowNoAnswer: boolean) {
  for (const o of outcomes) {
    if (o.status === 200 || o.status === 201) continue;
    if (o.status === 0 && allowNoAnswer) continue;
    expect([503, 504], `unexpected answer ${o.status}: ${JSON.stringify(o.body)}`).toContain(o.status);
    expect(o.type).toMatch(/^application\/problem\+json/);
    expect(o.body).toMatchObject({ status: o.status });
  }
}
