import { and, desc, eq, isNull, lt, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { type SensitiveCategory, records } from '../../db/schema/records.js';

export type RecordRow = typeof records.$inferSelect;

export const recordRepository = {
  async insert(tx: Executor, values: typeof records.$inferInsert): Promise<RecordRow> {
    const [row] = await tx.insert(records).values(values).returning();
    return row;
  },
  async get(tx: Executor, id: string): Promise<RecordRow | null> {
    const [row] = await tx.select().from(records).where(eq(records.id, id));
    return row ?? null;
  },
  /** Newest first, keyset-paginated on (created_at, id); expunged tombstones are left out. */
  async listForCase(
    tx: Executor,
    caseId: string,
    filter: { category?: SensitiveCategory },
    after: { createdAt: Date; id: string } | null,
    limit: number,
  ): Promise<RecordRow[]> {
    return tx
      .select()
      .from(records)
      .where(
        and(
          eq(records.caseId, caseId),
          isNull(records.expungedAt),
          filter.category ? eq(records.category, filter.category) : undefined,
          after
            ? or(
                lt(records.createdAt, after.createdAt),
                and(eq(records.createdAt, after.createdAt), lt(records.id, after.id)),
              )
            : undefined,
        ),
      )
      .orderBy(desc(records.createdAt), desc(records.id))
      .limit(limit);
  },
};
