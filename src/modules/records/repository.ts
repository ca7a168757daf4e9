import { keysetAfter, type TimeCursor } from '../../lib/pagination.js';
import { and, desc, eq, isNull } from 'drizzle-orm';
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
    after: TimeCursor | null,
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
          keysetAfter(records.createdAt, records.id, after, 'desc'),
        ),
      )
      .orderBy(desc(records.createdAt), desc(records.id))
      .limit(limit);
  },
};
