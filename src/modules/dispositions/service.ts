import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import type { DispositionOutcome } from '../../db/schema/dispositions.js';
import { unprocessable } from '../../lib/errors.js';
import { readEventClock } from '../../lib/event-time.js';
import { pageOf, decodeTimeCursor } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { caseLifecycle, readOn, refusedConflict } from '../cases/lifecycle.js';
import { hearingQueries } from '../hearings/service.js';
import { type DispositionRow, dispositionRepository } from './repository.js';
import type { DispositionCreate } from './schemas.js';

const RESOURCE = 'disposition';
/** Orders that restrict the child's liberty: only after a hearing was held (SPEC 6). */
const NEEDS_HEARING: DispositionOutcome[] = ['probation', 'custodial'];

export function dispositionService(db: Db, config: Config) {
  return {
    async create(ctx: RequestContext, caseId: string, input: z.infer<typeof DispositionCreate>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'disposition:write', { resourceType: RESOURCE, caseId });
        const refusal = { action: 'create' as const, resourceType: RESOURCE, caseId };
        const kase = await caseLifecycle.lock(tx, caseId);
        caseLifecycle.check(kase, 'disposition_recorded', decision, refusal);
        const charges = await caseLifecycle.charges(tx, caseId);
        input.chargeOutcomes.forEach((c, i) => {
          if (!charges.some((x) => x.id === c.chargeId)) {
            throw unprocessable('A charge outcome names a charge of another case', [
              { path: `body.chargeOutcomes.${i}.chargeId`, message: 'not a charge of this case' },
            ]);
          }
        });
        const named = input.hearingId === undefined ? null : await hearingQueries.get(tx, input.hearingId);
        if (input.hearingId !== undefined && named?.caseId !== caseId) {
          throw unprocessable('The hearing is not a hearing of this case', [
            { path: 'body.hearingId', message: 'not a hearing of this case' },
          ]);
        }
        // A hearing of this case that is not held is a conflict of state, like a missing one (409).
        if (named && named.status !== 'held') {
          throw refusedConflict('A disposition must name a held hearing', decision, refusal, kase, {
            hearingId: named.id,
            currentStatus: named.status,
          });
        }
        // Re-sentencing (after a revoked supervision) needs a hearing held after the last disposition.
        const [previous] = await dispositionRepository.listForCase(tx, caseId, null, 1);
        const held = (await hearingQueries.held(tx, caseId)).filter(
          (x) => !previous || (x.heldAt && x.heldAt >= previous.decidedAt),
        );
        const outcomes = [input.outcome, ...input.chargeOutcomes.map((c) => c.outcome)];
        if (outcomes.some((o) => NEEDS_HEARING.includes(o)) && held.length === 0) {
          throw refusedConflict(
            previous
              ? 'A new probation or custodial disposition must follow a hearing held after the last disposition'
              : 'A probation or custodial disposition must follow a held hearing',
            decision,
            refusal,
            kase,
          );
        }
        const clock = await readEventClock(tx, config);
        const decidedAt = clock.at(input.decidedAt);
        clock.check({
          path: 'body.decidedAt',
          at: decidedAt,
          notBefore: [
            { at: kase.intakeAt, what: 'the intake' },
            { at: named?.heldAt, what: 'the hearing it names was held' },
            { at: previous?.decidedAt, what: 'the last disposition' },
          ],
        });
        const row = await dispositionRepository.insert(tx, {
          caseId,
          hearingId: input.hearingId ?? null,
          outcome: input.outcome,
          chargeOutcomes: input.chargeOutcomes,
          decidedAt,
          termMonths: input.termMonths ?? null,
          notes: input.notes ?? null,
          createdBy: ctx.caller.sub,
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'disposition_recorded',
          occurredAt: row.decidedAt,
          summary: `Disposition: ${input.outcome.replace('_', ' ')}${input.chargeOutcomes.length ? ', differing per charge' : ''}`,
          resourceType: RESOURCE,
          resourceId: row.id,
        });
        await audit({
          ...refusal,
          resourceId: row.id,
          personId: kase.personId,
          decision,
          outcome: 'allowed',
        });
        return row;
      });
    },

    async get(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, (tx, audit) =>
        readOn(tx, ctx, audit, 'disposition:read', RESOURCE, id, dispositionRepository.get),
      );
    },

    async list(ctx: RequestContext, caseId: string, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'disposition:read', { resourceType: RESOURCE, caseId });
        const c = decodeTimeCursor(q.cursor);
        const rows = await dispositionRepository.listForCase(tx, caseId, c, q.limit + 1);
        await audit({ action: 'search', resourceType: RESOURCE, caseId, decision, outcome: 'allowed' });
        return pageOf(rows, q.limit, (r) => [r.decidedAt.toISOString(), r.id]);
      });
    },
  };
}

const orders = (d: DispositionRow, outcome: DispositionOutcome) =>
  d.outcome === outcome || d.chargeOutcomes.some((c) => c.outcome === outcome);

/**
 * For the supervision and custody modules: the disposition in force (the latest) when it orders
 * probation, or custody. An earlier order replaced by re-sentencing no longer counts.
 */
export const dispositionQueries = {
  async probationOrder(tx: Executor, caseId: string): Promise<DispositionRow | null> {
    const [latest] = await dispositionRepository.listForCase(tx, caseId, null, 1);
    return latest && orders(latest, 'probation') ? latest : null;
  },
  async custodialOrder(tx: Executor, caseId: string): Promise<DispositionRow | null> {
    const [latest] = await dispositionRepository.listForCase(tx, caseId, null, 1);
    return latest && orders(latest, 'custodial') ? latest : null;
  },
};
