import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { createOrg } from './helpers/factories.js';
import { OPERATIONS, buildWorld, callOperation, operationsOf, requestFor } from './helpers/operations.js';

/**
 * Existence must not show through the answer (SPEC 4.2, issue 8): for every operation of the
 * served OpenAPI document, every role, acting outside the resource's court and relationships,
 * gets the same status and the same body for the id of a real resource as for a random id.
 * A new operation that is not in OPERATIONS (tests/helpers/operations.ts) fails the first test.
 */
let h: Harness;
beforeAll(async () => {
  // A webhook target on the loopback (nothing listens there; no delivery matters to this test).
  h = await createHarness({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_POLL_INTERVAL_MS: '60000' });
});
afterAll(async () => h?.close());

/** One caller per role, in organisations of their own: related to nothing of court A. */
async function strangers(): Promise<Record<string, Client>> {
  const court = await createOrg(h, 'court');
  const office = await createOrg(h, 'prosecution');
  const one = (role: string, org: string, extra: Record<string, string> = {}) =>
    h.as({ sub: uid(role), roles: [role], org, ...extra });
  return {
    court_clerk: await one('court_clerk', court),
    judge: await one('judge', court),
    prosecutor: await one('prosecutor', office),
    legal_aid_lawyer: await one('legal_aid_lawyer', uid('legal-aid')),
    probation_officer: await one('probation_officer', uid('probation')),
    social_worker: await one('social_worker', uid('social')),
    auditor: await one('auditor', 'oversight'),
    analyst: await one('analyst', 'statistics'),
    admin: await one('admin', 'ministry'),
    partner_system: await one('partner_system', uid('police'), {
      scope: 'cases:read cases:write arrests:write events:read',
      clientId: uid('client'),
    }),
  };
}

/** What the caller learns from an answer: its status and body, without the per-request fields. */
function answer(res: LightMyRequestResponse) {
  let body: unknown = res.body;
  try {
    body = JSON.parse(res.body);
  } catch {}
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const { requestId: _r, instance: _i, ...rest } = body as Record<string, unknown>;
    body = rest;
  }
  return { status: res.statusCode, body };
}

describe('existence does not show through the answer', () => {
  it('knows every operation of the OpenAPI document', () => {
    const missing = operationsOf(h.app)
      .map((o) => o.id)
      .filter((id) => !(id in OPERATIONS));
    expect(missing, 'operations without an entry in OPERATIONS').toEqual([]);
  });

  it('answers every role the same for a real id it may not see as for a random id, on every operation', async () => {
    const world = await buildWorld(h);
    const callers = await strangers();
    const differences: string[] = [];
    let compared = 0;
    const statuses: Record<number, number> = {};
    for (const op of operationsOf(h.app)) {
      const spec = OPERATIONS[op.id];
      if (!spec || (!spec.resource && !spec.idIn)) continue;
      for (const [role, client] of Object.entries(callers)) {
        if (spec.sees?.includes(role)) continue;
        const request = (id: string) => {
          const { url, body } = requestFor(op, world, id);
          return callOperation(h, client, op, url, body);
        };
        const realId = spec.idIn ? world.person : String(world[spec.resource!]);
        const randomId =
          spec.resource === 'staffSub' || spec.resource === 'court' || spec.resource === 'partnerClient'
            ? uid('nobody')
            : spec.resource === 'alert'
              ? `detained_without_first_hearing:${randomUUID()}:${randomUUID()}`
              : randomUUID();
        const real = answer(await request(realId));
        const random = answer(await request(randomId));
        compared++;
        statuses[real.status] = (statuses[real.status] ?? 0) + 1;
        // A body the schema refuses never reaches the access decision: the comparison would prove nothing.
        if (real.status === 400)
          differences.push(`${op.id} as ${role}: the test's body is invalid: ${JSON.stringify(real.body)}`);
        if (JSON.stringify(real) !== JSON.stringify(random)) {
          differences.push(
            `${op.id} as ${role}: real ${real.status} ${JSON.stringify(real.body)} / random ${random.status} ${JSON.stringify(random.body)}`,
          );
        }
      }
    }
    expect(compared).toBeGreaterThan(400);
    // Both answers occur: roles that may take the action (404) and roles that may not (403).
    expect(statuses[404]).toBeGreaterThan(100);
    expect(statuses[403]).toBeGreaterThan(100);
    expect(differences).toEqual([]);
  }, 240_000);
});
