import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import { visibleCasesConditionAs } from '../../access/scope.js';
import type { Config } from '../../config.js';
import { type Db, rowsOf } from '../../db/client.js';
import { caseEvents } from '../../db/schema/cases.js';
import { badRequest } from '../../lib/errors.js';
import { decodeCursor, encodeCursor, isCursorUuid } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { refusedConflict } from '../cases/lifecycle.js';
import { caseRepository } from '../cases/repository.js';
import { SEALING_RULES, describeSealingRule, eligibleCases } from './eligibility.js';
import { sealingRepository } from './repository.js';
import type { EligibleListQuery, ExpungeRequest, SealRequest } from './schemas.js';

function decodeEligibleCursor(cursor: string | undefined) {
  const c = decodeCursor(cursor, 2);
  if (!c) return null;
  if (typeof c[0] !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(c[0]) || !isCursorUuid(c[1])) {
    throw badRequest('The cursor is not valid', [
      { path: 'querystring.cursor', message: 'not a cursor from this API' },
    ]);
  }
  return { since: c[0], caseId: c[1] };
}

export function sealingService(db: Db, config: Config) {
  return {
    /**
     * The caller's court's closed cases that the configured rules make eligible for sealing, for a
     * clerk or judge to decide on (issue 13). Rule 1 by authorize(); rule 2 by the same condition as
     * case lists, acting only as court (no case of another court, never a sealed one). Audited as
     * a search; deciding is sealing (or not), one case at a time, under a court order.
     */
    async eligible(ctx: RequestContext, q: z.infer<typeof EligibleListQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'sealing:eligible', {
          resourceType: 'sealing_eligibility',
        });
        const after = decodeEligibleCursor(q.cursor);
        const visible = visibleCasesConditionAs(ctx.caller, ['court_clerk', 'judge']);
        const rows = visible
          ? await eligibleCases(tx, config, visible, { rule: q.rule, after, limit: q.limit + 1 })
          : [];
        const [{ today }] = rowsOf<{ today: string }>(
          await tx.execute(sql`select to_char((now() at time zone 'UTC')::date, 'YYYY-MM-DD') as today`),
        );
        await audit({
          action: 'search',
          resourceType: 'sealing_eligibility',
          resourceId: ctx.caller.org,
          decision,
          outcome: 'allowed',
        });
        const items = rows.slice(0, q.limit);
        const last = items[items.length - 1];
        return {
          evaluatedOn: today,
          rules: SEALING_RULES.map((rule) => ({
            rule,
            enabled:
              (rule === 'diverted_or_dismissed'
                ? config.SEALING_DIVERTED_DISMISSED_MONTHS
                : config.SEALING_AFTER_MAJORITY_YEARS) > 0,
            description: describeSealingRule(rule, config),
          })),
          items: items.map((r) => ({
            caseId: r.case_id,
            personId: r.person_id,
            closedAt: r.closed_at,
            outcome: r.outcome as 'diverted' | 'dismissed' | null,
            eligibleSince: r.eligible_since,
            rules: r.rules,
          })),
          nextCursor: rows.length > q.limit ? encodeCursor([last.eligible_since, last.case_id]) : null,
        };
      });
    },

    /**
     * SPEC 4.6: the owning court's clerk seals a case under a court order. From then on the case
     * answers 404 to everyone but that court acting with the order (Court-Order-Reference header).
     */
    async seal(ctx: RequestContext, caseId: string, input: z.infer<typeof SealRequest>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'case:seal', {
          resourceType: 'case',
          resourceId: caseId,
          caseId,
          courtOrderReference: input.orderReference,
        });
        const at = new Date();
        const row = await sealingRepository.seal(tx, caseId, input.orderReference, at);
        // A stored Idempotency-Key response would hand the sealed case, its child or their records back to a retry.
        if (row) await sealingRepository.forgetReplays(tx, { caseId, personId: row.personId });
        if (!row) {
          // The one shape of every 409 about a case (issue 14): where it stands, plus the rule's field.
          const kase = (await caseRepository.get(tx, caseId))!;
          throw refusedConflict(
            'The case is already sealed',
            decision,
            { action: 'update', resourceType: 'case', resourceId: caseId, caseId },
            kase,
            { currentStatus: 'sealed' },
          );
        }
        await tx.insert(caseEvents).values({
          caseId,
          kind: 'sealed',
          occurredAt: at,
          actorSub: ctx.caller.sub,
          actorRole: decision.role,
          summary: 'Case sealed by court order',
          resourceType: 'case',
          resourceId: caseId,
        });
        await audit({
          action: 'update',
          resourceType: 'case',
          resourceId: caseId,
          caseId,
          decision,
          outcome: 'allowed',
        });
        return { id: row.id, sealedAt: row.sealedAt!, sealedOrderRef: row.sealedOrderRef! };
      });
    },

    /**
     * Erases the case's personal data and sensitive content and leaves a tombstone. The child's
     * identity goes too unless another case of theirs is still live. Audit rows hold only ids and
     * stay as they are.
     */
    async expunge(ctx: RequestContext, caseId: string, input: z.infer<typeof ExpungeRequest>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'case:expunge', {
          resourceType: 'case',
          resourceId: caseId,
          caseId,
          courtOrderReference: input.orderReference,
        });
        const at = new Date();
        const row = await sealingRepository.eraseCase(tx, caseId, input.orderReference, at);
        const personErased = !(await sealingRepository.hasOtherLiveCase(tx, row.personId, caseId));
        if (personErased) await sealingRepository.erasePerson(tx, row.personId, at);
        await sealingRepository.forgetReplays(tx, { caseId, personId: row.personId });
        await audit({
          action: 'delete',
          resourceType: 'case',
          resourceId: caseId,
          caseId,
          personId: row.personId,
          decision,
          outcome: 'allowed',
        });
        return { id: row.id, expungedAt: row.expungedAt!, personErased };
      });
    },
  };
}
