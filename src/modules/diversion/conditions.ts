import type { z } from 'zod';
import type { RequestContext } from '../../access/caller.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { readEventClock } from '../../lib/event-time.js';
import type { ConditionStatus } from '../../db/schema/diversion.js';
import { unprocessable } from '../../lib/errors.js';
import { withTransaction } from '../../lib/transaction.js';
import { authorizeOn, caseLifecycle, readOn, refusedConflict } from '../cases/lifecycle.js';
import { diversionRepository } from './repository.js';
import type { ConditionDone, ConditionRefusal } from './schemas.js';

const RESOURCE = 'diversion_condition';

/** What can be recorded about a condition, declared as data: from which statuses, by which action. */
export const CONDITION_STEPS = {
  done: { from: ['pending', 'not_done'], to: 'done', action: 'diversion:write', label: 'done' },
  'not-done': { from: ['pending'], to: 'not_done', action: 'diversion:write', label: 'not done' },
  waive: { from: ['pending', 'not_done'], to: 'waived', action: 'diversion:waive', label: 'waived' },
} as const satisfies Record<
  string,
  {
    from: readonly ConditionStatus[];
    to: ConditionStatus;
    action: 'diversion:write' | 'diversion:waive';
    label: string;
  }
>;
export type ConditionStep = keyof typeof CONDITION_STEPS;

type StepInput = z.infer<typeof ConditionDone> | z.infer<typeof ConditionRefusal>;

/**
 * Diversion conditions (capability 10 of issue 14): each recorded as done, not done, or waived by
 * the prosecutor with a reason, on the date it happened, while the programme runs (accepted or in
 * progress). Completion of the diversion needs every condition done or waived (see service.ts).
 */
export function diversionConditionService(db: Db, config: Config) {
  return {
    /** One condition, with its ETag, through the same access decision as its diversion. */
    async get(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, (tx, audit) =>
        readOn(tx, ctx, audit, 'diversion:read', RESOURCE, id, diversionRepository.condition),
      );
    },

    async record(ctx: RequestContext, id: string, step: ConditionStep, input: StepInput, ifMatch?: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const rule = CONDITION_STEPS[step];
        const { row, decision } = await authorizeOn(
          tx,
          ctx,
          rule.action,
          RESOURCE,
          id,
          diversionRepository.condition,
        );
        const refusal = {
          action: 'update' as const,
          resourceType: RESOURCE,
          resourceId: id,
          caseId: row.caseId,
        };
        // Re-read under the case's lock and the condition's own: status and If-Match are checked there.
        const { kase, row: condition } = await caseLifecycle.lockWith(
          tx,
          row.caseId,
          id,
          diversionRepository.conditionForUpdate,
          ifMatch,
        );
        const diversion = await diversionRepository.get(tx, condition.diversionId);
        if (!diversion || (diversion.status !== 'accepted' && diversion.status !== 'in_progress')) {
          throw refusedConflict(
            `Conditions are recorded while the diversion runs, not when it is ${diversion?.status}`,
            decision,
            refusal,
            kase,
            { currentStatus: diversion?.status ?? null },
          );
        }
        if (!(rule.from as readonly string[]).includes(condition.status)) {
          throw refusedConflict(
            `A condition that is ${condition.status} cannot become ${rule.to}`,
            decision,
            refusal,
            kase,
            { currentStatus: condition.status },
          );
        }
        caseLifecycle.check(kase, 'diversion_condition_recorded', decision, refusal);

        // True dates (the rule of src/lib/event-time.ts): not after the database clock, not before
        // the diversion was accepted; the victim's consent not after the meeting.
        const clock = await readEventClock(tx, config);
        const occurredAt = clock.at(input.occurredAt);
        clock.check({
          path: 'body.occurredAt',
          at: occurredAt,
          notBefore: [{ at: diversion.decidedAt, what: 'the diversion was accepted' }],
        });
        let victimConsentedAt = condition.victimConsentedAt;
        if ('victimConsentedAt' in input && input.victimConsentedAt) {
          victimConsentedAt = new Date(input.victimConsentedAt);
          clock.check({
            path: 'body.victimConsentedAt',
            at: victimConsentedAt,
            notAfter: [{ at: occurredAt, what: 'the meeting' }],
          });
        }
        if (rule.to === 'done' && condition.kind === 'restorative_meeting' && !victimConsentedAt) {
          throw unprocessable('A restorative meeting takes place only with the victim’s consent', [
            { path: 'body.victimConsentedAt', message: 'required: when the victim consented' },
          ]);
        }
        const note = 'reason' in input ? input.reason : 'note' in input ? (input.note ?? null) : null;
        const updated = await diversionRepository.updateCondition(tx, condition, {
          status: rule.to,
          statusAt: occurredAt,
          note,
          victimConsentedAt,
          recordedBy: ctx.caller.sub,
          recordedByRole: decision.role,
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'diversion_condition_recorded',
          kind: `diversion_condition_${rule.to}`,
          summary: `Diversion condition (${condition.kind.replace('_', ' ')}) ${rule.label}`,
          occurredAt,
          resourceType: RESOURCE,
          resourceId: id,
        });
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return updated;
      });
    },
  };
}
