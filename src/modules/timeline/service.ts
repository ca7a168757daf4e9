import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Db } from '../../db/client.js';
import { decodeCursor, pageOf } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { timelineRepository } from './repository.js';
import type { TimelineQuery } from './schemas.js';

export function timelineService(db: Db) {
  return {
    /**
     * Every event of the case in time order, through the same access rule as the case itself.
     * Events of a sensitive category show their kind and time but not their summary; the consent
     * module will decide which categories a caller may open (until then none are).
     */
    async list(ctx: RequestContext, caseId: string, q: z.infer<typeof TimelineQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'timeline:read', {
          resourceType: 'case_timeline',
          resourceId: caseId,
          caseId,
        });
        const c = decodeCursor(q.cursor, 3);
        const after = c ? { occurredAt: String(c[0]), recordedAt: String(c[1]), id: String(c[2]) } : null;
        const rows = await timelineRepository.events(tx, caseId, after, q.limit + 1);
        const page = pageOf(rows, q.limit, (r) => [
          r.occurredAt.toISOString(),
          r.recordedAt.toISOString(),
          r.id,
        ]);
        const withheld = [...new Set(page.items.flatMap((r) => (r.category ? [r.category] : [])))].sort();
        await audit({
          action: 'read',
          resourceType: 'case_timeline',
          resourceId: caseId,
          caseId,
          categoriesWithheld: withheld,
          decision,
          outcome: 'allowed',
        });
        return {
          items: page.items.map((r) => ({
            id: r.id,
            kind: r.kind,
            occurredAt: r.occurredAt,
            actorRole: r.actorRole,
            summary: r.category ? null : r.summary,
            category: r.category,
            withheld: r.category !== null,
            resourceType: r.resourceType,
            resourceId: r.resourceId,
          })),
          nextCursor: page.nextCursor,
          withheldCategories: withheld,
        };
      });
    },
  };
}
