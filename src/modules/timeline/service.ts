import type { z } from 'zod';
import { authorize, disclosureAudit } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Db } from '../../db/client.js';
import type { SensitiveCategory } from '../../db/schema/records.js';
import { badRequest } from '../../lib/errors.js';
import { decodeCursor, isCursorInstant, pageOf } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { timelineRepository } from './repository.js';
import type { TimelineQuery } from './schemas.js';

export function timelineService(db: Db) {
  return {
    /**
     * Every event of the case in the order it happened (occurredAt, then recordedAt), through the same access rule as the case itself.
     * Events of a sensitive category show their kind and time but not their summary, unless the
     * caller may open that category (consent, court order or break-glass, as for the records).
     */
    async list(ctx: RequestContext, caseId: string, q: z.infer<typeof TimelineQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'timeline:read', {
          resourceType: 'case_timeline',
          resourceId: caseId,
          caseId,
        });
        const c = decodeCursor(q.cursor, 3);
        const after = c ? { occurredAt: String(c[0]), recordedAt: String(c[1]), seq: Number(c[2]) } : null;
        if (c && (!isCursorInstant(c[0]) || !isCursorInstant(c[1]) || typeof c[2] !== 'number' || c[2] < 0)) {
          throw badRequest('The cursor is not valid', [
            { path: 'querystring.cursor', message: 'not a cursor from this API' },
          ]);
        }
        const rows = await timelineRepository.events(tx, caseId, after, q.limit + 1);
        const page = pageOf(rows, q.limit, (r) => [
          r.occurredAt.toISOString(),
          r.recordedAt.toISOString(),
          r.seq,
        ]);
        const present = [
          ...new Set(page.items.flatMap((r) => (r.category ? [r.category] : []))),
        ].sort() as SensitiveCategory[];
        const opened = present.length
          ? await authorize(tx, ctx, 'record:read', {
              resourceType: 'case_timeline',
              resourceId: caseId,
              caseId,
              categories: present,
            })
          : null;
        const disclosed = new Set<string>(opened?.disclosure?.disclosed ?? []);
        const withheld = present.filter((c) => !disclosed.has(c));
        await audit({
          action: 'read',
          resourceType: 'case_timeline',
          resourceId: caseId,
          caseId,
          decision,
          ...(opened ? disclosureAudit(opened) : {}),
          categoriesWithheld: withheld,
          outcome: 'allowed',
        });
        return {
          items: page.items.map((r) => ({
            id: r.id,
            kind: r.kind,
            occurredAt: r.occurredAt,
            recordedAt: r.recordedAt,
            actorRole: r.actorRole,
            summary: r.category && !disclosed.has(r.category) ? null : r.summary,
            category: r.category,
            withheld: r.category !== null && !disclosed.has(r.category),
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
