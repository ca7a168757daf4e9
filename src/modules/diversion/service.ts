import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import type { DiversionStatus } from '../../db/schema/diversion.js';
import { type TimeBound, readEventClock } from '../../lib/event-time.js';
import { unprocessable } from '../../lib/errors.js';
import { pageOf, decodeTimeCursor } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { authorizeOn, caseLifecycle, readOn, refusedConflict } from '../cases/lifecycle.js';
import type { StageEvent } from '../cases/stages.js';
import { type ConditionRow, type DiversionRow, diversionRepository } from './repository.js';
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

/** The diversion as shown: its conditions, each with where it stands, in the order proposed. */
export async function withConditions(tx: Executor, rows: DiversionRow[]) {
  const conditions = await diversionRepository.conditionsOf(
    tx,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ ...r, conditions: conditions.filter((c) => c.diversionId === r.id) }));
}

/** Plain text is a condition of kind `other`; community work needs its hours, and only it has hours. */
function conditionRows(
  input: z.infer<typeof DiversionPropose>['conditions'],
  diversion: DiversionRow,
): Omit<
  ConditionRow,
  | 'id'
  | 'version'
  | 'createdAt'
  | 'updatedAt'
  | 'status'
  | 'statusAt'
  | 'note'
  | 'recordedBy'
  | 'recordedByRole'
>[] {
  return input.map((c, position) => {
    const structured = typeof c === 'string' ? { kind: 'other' as const, description: c } : c;
    const path = `body.conditions.${position}.hours`;
    if (structured.kind === 'community_work' && structured.hours === undefined)
      throw unprocessable('Community work needs its hours', [
        { path, message: 'required for community_work' },
      ]);
    if (structured.kind !== 'community_work' && structured.hours !== undefined)
      throw unprocessable('Only community work has hours', [{ path, message: 'only for community_work' }]);
    return {
      diversionId: diversion.id,
      caseId: diversion.caseId,
      position,
      kind: structured.kind,
      description: structured.description,
      hours: structured.hours ?? null,
      dueOn: structured.dueOn ?? null,
      victimConsentedAt: structured.victimConsentedAt ? new Date(structured.victimConsentedAt) : null,
    };
  });
}

/** The last step of a diversion: the next one may not precede it. */
const lastStep = (row: DiversionRow): TimeBound =>
  row.startedAt
    ? { at: row.startedAt, what: 'the programme started' }
    : row.decidedAt
      ? { at: row.decidedAt, what: 'the diversion was accepted' }
      : { at: row.proposedAt, what: 'the diversion was proposed' };

export function diversionService(db: Db, config: Config) {
  return {
    async propose(ctx: RequestContext, caseId: string, input: z.infer<typeof DiversionPropose>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'diversion:write', { resourceType: RESOURCE, caseId });
        const refusal = { action: 'create' as const, resourceType: RESOURCE, caseId };
        const kase = await caseLifecycle.lock(tx, caseId);
        caseLifecycle.check(kase, 'diversion_proposed', decision, refusal);
        const open = await diversionRepository.openForCase(tx, caseId);
        if (open) {
          throw refusedConflict('The case already has an open diversion', decision, refusal, kase, {
            openDiversionId: open.id,
          });
        }
        const clock = await readEventClock(tx, config);
        const proposedAt = clock.at(input.occurredAt);
        clock.check({
          path: 'body.occurredAt',
          at: proposedAt,
          notBefore: [{ at: kase.intakeAt, what: 'the intake' }],
        });
        const row = await diversionRepository.insert(tx, {
          caseId,
          proposedAt,
          provider: input.provider,
          proposedBy: ctx.caller.sub,
          proposedByRole: decision.role,
        });
        await diversionRepository.insertConditions(tx, conditionRows(input.conditions, row));
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'diversion_proposed',
          occurredAt: proposedAt,
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
        return (await withConditions(tx, [row]))[0];
      });
    },

    async step(
      ctx: RequestContext,
      id: string,
      step: DiversionStep,
      note: string | undefined,
      ifMatch?: string,
      occurredAt?: string,
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
            kase,
            { currentStatus: row.status },
          );
        }
        caseLifecycle.check(kase, rule.event, decision, refusal);
        if (step === 'complete') {
          // Completion means every condition was met or waived by the prosecutor (capability 10).
          const open = await diversionRepository.openConditions(tx, row.id);
          if (open.length > 0) {
            throw refusedConflict(
              'Every condition must be done or waived before the diversion completes',
              decision,
              refusal,
              kase,
              {
                currentStatus: row.status,
                openItems: open.map((c) => ({
                  resourceType: 'diversion_condition',
                  id: c.id,
                  status: c.status,
                })),
              },
            );
          }
        }
        const clock = await readEventClock(tx, config);
        const at = clock.at(occurredAt);
        clock.check({ path: 'body.occurredAt', at, notBefore: [lastStep(row)] });
        const values: Partial<DiversionRow> =
          step === 'accept' || step === 'decline'
            ? { decidedAt: at }
            : step === 'start'
              ? { startedAt: at }
              : { endedAt: at };
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
          {
            event: rule.event,
            occurredAt: at,
            summary: rule.summary,
            resourceType: RESOURCE,
            resourceId: row.id,
          },
          { closedReason: 'diverted' },
        );
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return (await withConditions(tx, [updated]))[0];
      });
    },

    async get(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const row = await readOn(tx, ctx, audit, 'diversion:read', RESOURCE, id, diversionRepository.get);
        return (await withConditions(tx, [row]))[0];
      });
    },

    async list(ctx: RequestContext, caseId: string, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'diversion:read', { resourceType: RESOURCE, caseId });
        const c = decodeTimeCursor(q.cursor);
        const rows = await diversionRepository.listForCase(tx, caseId, c, q.limit + 1);
        await audit({ action: 'search', resourceType: RESOURCE, caseId, decision, outcome: 'allowed' });
        const page = pageOf(rows, q.limit, (r) => [r.createdAt.toISOString(), r.id]);
        return { ...page, items: await withConditions(tx, page.items) };
      });
    },
  };
}

/** For closing a case: a proposed diversion is a decision still owed to the child (409 until declined). */
export const diversionQueries = {
  open: (tx: Executor, caseId: string) => diversionRepository.openForCase(tx, caseId),
};
