import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { caseEvents } from '../../db/schema/cases.js';
import { conflict, forbidden, unprocessable } from '../../lib/errors.js';
import { pageOf, decodeTimeCursor } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { breakGlassRepository } from './repository.js';
import { authorizeOn } from '../cases/lifecycle.js';
import type { BreakGlassOpen, BreakGlassQuery, BreakGlassVerdict } from './schemas.js';

export function breakGlassService(db: Db, config: Config) {
  return {
    /** Rule 5: a user related to the case opens a short window on its sensitive records. */
    async open(ctx: RequestContext, caseId: string, input: z.infer<typeof BreakGlassOpen>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'break_glass:open', {
          resourceType: 'break_glass',
          caseId,
        });
        const minutes = input.minutes ?? config.BREAK_GLASS_MINUTES;
        if (minutes > config.BREAK_GLASS_MINUTES) {
          throw unprocessable(`Break-glass lasts at most ${config.BREAK_GLASS_MINUTES} minutes`, [
            { path: 'body.minutes', message: `at most ${config.BREAK_GLASS_MINUTES}` },
          ]);
        }
        const openedAt = new Date();
        const row = await breakGlassRepository.insert(tx, {
          caseId,
          sub: ctx.caller.sub,
          role: decision.role,
          orgId: ctx.caller.org,
          reason: input.reason,
          openedAt,
          expiresAt: new Date(openedAt.getTime() + minutes * 60_000),
        });
        await tx.insert(caseEvents).values({
          caseId,
          kind: 'break_glass_opened',
          actorSub: ctx.caller.sub,
          actorRole: decision.role,
          summary: 'Emergency access to sensitive records opened',
          resourceType: 'break_glass',
          resourceId: row.id,
        });
        await audit({
          action: 'execute',
          resourceType: 'break_glass',
          resourceId: row.id,
          caseId,
          decision,
          breakGlass: true,
          outcome: 'allowed',
        });
        return row;
      });
    },

    /**
     * A reviewer's verdict on a grant (issue 14): an auditor for any case, a judge of the court that
     * owns it; never on one's own grant. Once: the statement that records it checks there is none yet.
     */
    async recordVerdict(ctx: RequestContext, id: string, input: z.infer<typeof BreakGlassVerdict>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row, decision } = await authorizeOn(
          tx,
          ctx,
          'break_glass:review',
          'break_glass',
          id,
          breakGlassRepository.get,
        );
        const refusal = {
          action: 'update' as const,
          resourceType: 'break_glass',
          resourceId: id,
          caseId: row.caseId,
        };
        if (row.sub === ctx.caller.sub) {
          throw forbidden('Nobody reviews their own emergency access').withAudit({
            ...refusal,
            decision,
            outcome: 'denied',
            reason: 'own grant',
          });
        }
        const reviewed = await breakGlassRepository.recordVerdict(tx, id, {
          reviewVerdict: input.verdict,
          reviewNote: input.note,
          reviewedBy: ctx.caller.sub,
          reviewedRole: decision.role,
          reviewedAt: new Date(),
        });
        if (!reviewed) {
          throw conflict('The grant has already been reviewed', {
            currentStatus: 'reviewed',
            reviewVerdict: row.reviewVerdict,
          }).withAudit({ ...refusal, decision, outcome: 'denied', reason: 'already reviewed' });
        }
        await audit({ ...refusal, decision, outcome: 'allowed' });
        return reviewed;
      });
    },

    async review(ctx: RequestContext, q: z.infer<typeof BreakGlassQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'break_glass:list', { resourceType: 'break_glass' });
        const after = decodeTimeCursor(q.cursor);
        const rows = await breakGlassRepository.review(
          tx,
          {
            caseId: q.caseId,
            sub: q.sub,
            from: q.from ? new Date(q.from) : undefined,
            to: q.to ? new Date(q.to) : undefined,
            verdict: q.verdict,
          },
          after,
          q.limit + 1,
        );
        await audit({
          action: 'search',
          resourceType: 'break_glass',
          caseId: q.caseId ?? null,
          decision,
          outcome: 'allowed',
        });
        const page = pageOf(rows, q.limit, (r) => [r.openedAt.toISOString(), r.id]);
        const now = new Date();
        return {
          ...page,
          items: page.items.map((r) => ({ ...r, active: r.openedAt <= now && now < r.expiresAt })),
        };
      });
    },
  };
}
