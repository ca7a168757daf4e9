import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Db, Executor } from '../../db/client.js';
import type { DispositionOutcome } from '../../db/schema/dispositions.js';
import { unprocessable } from '../../lib/errors.js';
import { pageOf, decodeTimeCursor } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { caseLifecycle, refusedConflict } from '../cases/lifecycle.js';
import { hearingQueries } from '../hearings/service.js';
import { type DispositionRow, dispositionRepository } from './repository.js';
import type { DispositionCreate } from './schemas.js';

const RESOURCE = 'disposition';
/** Orders that restrict the child's liberty: only after a hearing was held (SPEC 6). */
const NEEDS_HEARING: DispositionOutcome[] = ['probation', 'custodial'];

export function dispositionService(db: Db) {
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
        const held = await hearingQueries.held(tx, caseId);
        if (input.hearingId !== undefined && !held.some((x) => x.id === input.hearingId)) {
          throw unprocessable('The hearing is not a held hearing of this case', [
            { path: 'body.hearingId', message: 'not a held hearing of this case' },
          ]);
        }
        const outcomes = [input.outcome, ...input.chargeOutcomes.map((c) => c.outcome)];
        if (outcomes.some((o) => NEEDS_HEARING.includes(o)) && held.length === 0) {
          throw refusedConflict(
            'A probation or custodial disposition must follow a held hearing',
            decision,
            refusal,
            {
              currentStage: kase.stage,
            },
          );
        }
        const row = await dispositionRepository.insert(tx, {
          caseId,
          hearingId: input.hearingId ?? null,
          outcome: input.outcome,
          chargeOutcomes: input.chargeOutcomes,
          decidedAt: new Date(input.decidedAt),
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

/** For the supervision module: the latest disposition that orders probation, if any. */
export const dispositionQueries = {
  async probationOrder(tx: Executor, caseId: string): Promise<DispositionRow | null> {
    const rows = await dispositionRepository.listForCase(tx, caseId, null, 20);
    return (
      rows.find(
        (d) => d.outcome === 'probation' || d.chargeOutcomes.some((c) => c.outcome === 'probation'),
      ) ?? null
    );
  },
};
