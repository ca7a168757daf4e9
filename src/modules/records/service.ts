import type { z } from 'zod';
import { type Allowed, authorize, authorizeRole, disclosureAudit } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import { assertWritable, shapeFor } from '../../access/properties.js';
import type { Db, Executor } from '../../db/client.js';
import { caseEvents } from '../../db/schema/cases.js';
import type { SensitiveCategory } from '../../db/schema/records.js';
import { notFound } from '../../lib/errors.js';
import { pageOf, decodeTimeCursor } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { type RecordRow, recordRepository } from './repository.js';
import type { RecordCreate, RecordListQuery } from './schemas.js';

/** A record as the caller may see it: the role's allowlist, content only for disclosed categories. */
function viewOf(decision: Allowed, row: RecordRow) {
  const disclosed = decision.disclosure?.disclosed.includes(row.category) ?? false;
  return { id: row.id, ...shapeFor('record', decision.role, row, { disclosed }), withheld: !disclosed };
}

export function recordService(db: Db) {
  /**
   * The record is looked up first because its case and category are what the decision needs;
   * a missing record is refused (and audited) like a record of an unrelated case.
   */
  async function load(tx: Executor, id: string): Promise<RecordRow> {
    const row = await recordRepository.get(tx, id);
    if (!row) {
      throw notFound('record').withAudit({
        action: 'read',
        resourceType: 'record',
        resourceId: id,
        reason: 'record not found',
      });
    }
    return row;
  }

  return {
    async create(ctx: RequestContext, caseId: string, input: z.infer<typeof RecordCreate>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'record:create', {
          resourceType: 'record',
          caseId,
        });
        assertWritable('record', decision.role, Object.keys(input));
        const facts = await tx.query.cases.findFirst({ where: (c, { eq }) => eq(c.id, caseId) });
        if (!facts) throw notFound('case');
        const row = await recordRepository.insert(tx, {
          caseId,
          personId: facts.personId,
          category: input.category,
          kind: input.kind ?? 'record',
          title: input.title,
          content: input.content,
          details: input.details ?? null,
          createdBy: ctx.caller.sub,
          createdByRole: decision.role,
        });
        // The timeline shows that a record exists, under its category, never its content.
        await tx.insert(caseEvents).values({
          caseId,
          kind: 'record_added',
          actorSub: ctx.caller.sub,
          actorRole: decision.role,
          summary: `Sensitive record added (${row.category})`,
          category: row.category,
          resourceType: 'record',
          resourceId: row.id,
        });
        await audit({
          action: 'create',
          resourceType: 'record',
          resourceId: row.id,
          caseId,
          personId: row.personId,
          decision,
          outcome: 'allowed',
        });
        // The author supplied the content; echoing it back discloses nothing new.
        return {
          ...shapeFor('record', decision.role, row, { disclosed: true }),
          id: row.id,
          withheld: false,
        };
      });
    },

    async get(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        // The role first: a role that may not read records gets 403 whether or not the id exists.
        authorizeRole(ctx, 'record:read', { resourceType: 'record', resourceId: id });
        const row = await load(tx, id);
        const decision = await authorize(tx, ctx, 'record:read', {
          resourceType: 'record',
          resourceId: id,
          caseId: row.caseId,
          categories: [row.category],
        });
        if (row.expungedAt) throw notFound('record');
        await audit({
          action: 'read',
          resourceType: 'record',
          resourceId: id,
          caseId: row.caseId,
          personId: row.personId,
          decision,
          ...disclosureAudit(decision),
          outcome: 'allowed',
        });
        return { ...viewOf(decision, row), categoriesWithheld: decision.disclosure?.withheld ?? [] };
      });
    },

    async list(ctx: RequestContext, caseId: string, q: z.infer<typeof RecordListQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        // Relationship first (404 for an unrelated or sealed case, before any record is read)...
        await authorize(tx, ctx, 'record:read', { resourceType: 'record', caseId, categories: [] });
        const after = decodeTimeCursor(q.cursor);
        const rows = await recordRepository.listForCase(tx, caseId, q, after, q.limit + 1);
        const page = pageOf(rows, q.limit, (r) => [r.createdAt.toISOString(), r.id]);
        // ...then the categories of this page, each decided on its own.
        const categories = [...new Set(page.items.map((r) => r.category))] as SensitiveCategory[];
        const decision = await authorize(tx, ctx, 'record:read', {
          resourceType: 'record',
          caseId,
          categories,
        });
        await audit({
          action: 'read',
          resourceType: 'record',
          caseId,
          personId: page.items[0]?.personId ?? null,
          decision,
          ...disclosureAudit(decision),
          outcome: 'allowed',
        });
        return {
          items: page.items.map((r) => viewOf(decision, r)),
          nextCursor: page.nextCursor,
          categoriesWithheld: decision.disclosure?.withheld ?? [],
        };
      });
    },
  };
}
