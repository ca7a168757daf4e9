import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { corrections } from '../../db/schema/corrections.js';
import { type TimeCursor, keysetAfter } from '../../lib/pagination.js';

export type CorrectionRow = typeof corrections.$inferSelect;

export const correctionRepository = {
  async insert(tx: Executor, rows: (typeof corrections.$inferInsert)[]): Promise<CorrectionRow[]> {
    if (rows.length === 0) return [];
    return tx.insert(corrections).values(rows).returning();
  },
  /** Oldest first, keyset-paginated on (corrected_at, id). */
  async list(
    tx: Executor,
    of: { caseId: string } | { personId: string },
    after: TimeCursor | null,
    limit: number,
  ): Promise<CorrectionRow[]> {
    return tx
      .select()
      .from(corrections)
      .where(
        and(
          'caseId' in of
            ? eq(corrections.caseId, of.caseId)
            : and(eq(corrections.personId, of.personId), isNull(corrections.caseId)),
          keysetAfter(corrections.correctedAt, corrections.id, after, 'asc'),
        ),
      )
      .orderBy(asc(corrections.correctedAt), asc(corrections.id))
      .limit(limit);
  },
};
