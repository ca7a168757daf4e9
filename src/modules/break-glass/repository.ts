import { keysetAfter, type TimeCursor } from '../../lib/pagination.js';
import { and, desc, eq, gte, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { breakGlassGrants } from '../../db/schema/break-glass.js';

export type BreakGlassRow = typeof breakGlassGrants.$inferSelect;

export const breakGlassRepository = {
  async insert(tx: Executor, values: typeof breakGlassGrants.$inferInsert): Promise<BreakGlassRow> {
    const [row] = await tx.insert(breakGlassGrants).values(values).returning();
    return row;
  },
  async get(tx: Executor, id: string): Promise<BreakGlassRow | null> {
    const [row] = await tx.select().from(breakGlassGrants).where(eq(breakGlassGrants.id, id));
    return row ?? null;
  },
  /** Records the verdict in the statement that checks there is none yet: null when someone was first. */
  async recordVerdict(
    tx: Executor,
    id: string,
    values: Pick<
      BreakGlassRow,
      'reviewVerdict' | 'reviewNote' | 'reviewedBy' | 'reviewedRole' | 'reviewedAt'
    >,
  ): Promise<BreakGlassRow | null> {
    const [row] = await tx
      .update(breakGlassGrants)
      .set(values)
      .where(and(eq(breakGlassGrants.id, id), isNull(breakGlassGrants.reviewVerdict)))
      .returning();
    return row ?? null;
  },
  /** Newest first, with the number of flagged audit rows that name each grant as their basis. */
  async review(
    tx: Executor,
    f: {
      caseId?: string;
      sub?: string;
      from?: Date;
      to?: Date;
      verdict?: 'pending' | 'reviewed' | 'justified' | 'not_justified';
    },
    after: TimeCursor | null,
    limit: number,
  ): Promise<(BreakGlassRow & { reads: number })[]> {
    // Qualified by hand: inside the subquery an unqualified "id" would be the audit row's.
    const reads = sql<number>`(select count(*)::int from audit_events a
      where a.break_glass and a.action = 'read'
        and "break_glass_grants"."id"::text = any(string_to_array(a.basis_id, ',')))`;
    const rows = await tx
      .select({ grant: breakGlassGrants, reads })
      .from(breakGlassGrants)
      .where(
        and(
          f.caseId ? eq(breakGlassGrants.caseId, f.caseId) : undefined,
          f.sub ? eq(breakGlassGrants.sub, f.sub) : undefined,
          f.from ? gte(breakGlassGrants.openedAt, f.from) : undefined,
          f.to ? lte(breakGlassGrants.openedAt, f.to) : undefined,
          f.verdict === 'pending'
            ? isNull(breakGlassGrants.reviewVerdict)
            : f.verdict === 'reviewed'
              ? isNotNull(breakGlassGrants.reviewVerdict)
              : f.verdict
                ? eq(breakGlassGrants.reviewVerdict, f.verdict)
                : undefined,
          keysetAfter(breakGlassGrants.openedAt, breakGlassGrants.id, after, 'desc'),
        ),
      )
      .orderBy(desc(breakGlassGrants.openedAt), desc(breakGlassGrants.id))
      .limit(limit);
    return rows.map((r) => ({ ...r.grant, reads: Number(r.reads) }));
  },
};
