import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Db } from '../../db/client.js';
import type { DiversionStatus } from '../../db/schema/diversion.js';
import { pageOf, decodeTimeCursor } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { authorizeOn, caseLifecycle, refusedConflict } from '../cases/lifecycle.js';
import type { StageEvent } from '../cases/stages.js';
import { type DiversionRow, diversionRepository } from './repository.js';
import type { DiversionPropose } from './schemas.js';

const RESOURCE = 'diversion';

/** The diversion's own statuses, beside the case's stage machine which each step also passes. */
const STEPS = {
  accept: { from: ['proposed'], to: 'accepted', event: 'diversion_accepted', summary: 'Diversion accepted' },
  decline: { from: ['proposed'], to: 'declined', event: 'diversion_declined', summary: 'Diversion declined' },
  start: {
    from: ['accepted'],
    to: 'in_progress',
    event: 'diversion_started',
    summary: 'Diversion programme started',
  },
  complete: {
    from: ['in_progress'],
    to: 'completed',
    event: 'diversion_completed',
    summary: 'Diversion completed; case closed as diverted',
  },
  fail: {
    from: ['accepted', 'in_progress'],
    to: 'failed',
    event: 'diversion_failed',
    summary: 'Diversion failed; case back to the court path',
  },
} as const satisfies Record<
  string,
  { from: readonly DiversionStatus[]; to: DiversionStatus; event: StageEvent; summary: string }
>;
export type DiversionStep = keyof typeof STEPS;

export function diversionService(db: Db) {
  return {
    async propose(ctx: RequestContext, caseId: string, input: z.infer<typeof DiversionPropose>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'diversion:write', { resourceType: RESOURCE, caseId });
        const refusal = { action: 'create' as const, resourceType: RESOURCE, caseId };
        const kase = await caseLifecycle.lock(tx, caseId);
        caseLifecycle.check(kase, 'diversion_proposed', decision, refusal);
        const open = await diversionRepository.openForCase(tx, caseId);
        if (open) {
          throw refusedConflict('The case already has an open diversion', decision, refusal, {
            openDiversionId: open.id,
          });
        }
        const row = await diversionRepository.insert(tx, {
          caseId,
          provider: input.provider,
          conditions: input.conditions,
          proposedBy: ctx.caller.sub,
          proposedByRole: decision.role,
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'diversion_proposed',
          summary: `Diversion proposed with ${input.conditions.length} condition(s)`,
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

    async step(
      ctx: RequestContext,
      id: string,
      step: DiversionStep,
      note: string | undefined,
      ifMatch?: string,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row: seen, decision } = await authorizeOn(
          tx,
          ctx,
          'diversion:write',
          RESOURCE,
          id,
          diversionRepository.get,
        );
        const refusal = {
          action: 'update' as const,
          resourceType: RESOURCE,
          resourceId: id,
          caseId: seen.caseId,
        };
        const rule = STEPS[step];
        const { kase, row } = await caseLifecycle.lockWith(
          tx,
          seen.caseId,
          id,
          diversionRepository.getForUpdate,
          ifMatch,
        );
        if (!(rule.from as readonly string[]).includes(row.status)) {
          throw refusedConflict(
            `A diversion that is ${row.status} cannot become ${rule.to}`,
            decision,
            refusal,
            {
              currentStatus: row.status,
              currentStage: kase.stage,
            },
          );
        }
        caseLifecycle.check(kase, rule.event, decision, refusal);
        const now = new Date();
        const values: Partial<DiversionRow> =
          step === 'accept' || step === 'decline'
            ? { decidedAt: now }
            : step === 'start'
              ? { startedAt: now }
              : { endedAt: now };
        const updated = await diversionRepository.update(tx, row, {
          ...values,
          status: rule.to,
          ...(note ? { outcomeNote: note } : {}),
        });
        await caseLifecycle.record(
          tx,
          kase,
          decision,
          ctx.caller.sub,
          { event: rule.event, summary: rule.summary, resourceType: RESOURCE, resourceId: row.id },
          { closedReason: 'diverted' },
        );
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return updated;
      });
    },

    async list(ctx: RequestContext, caseId: string, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'diversion:read', { resourceType: RESOURCE, caseId });
        const c = decodeTimeCursor(q.cursor);
        const rows = await diversionRepository.listForCase(tx, caseId, c, q.limit + 1);
        await audit({ action: 'search', resourceType: RESOURCE, caseId, decision, outcome: 'allowed' });
        return pageOf(rows, q.limit, (r) => [r.createdAt.toISOString(), r.id]);
      });
    },
  };
}
