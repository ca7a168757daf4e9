import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { dispositions } from '../../db/schema/dispositions.js';

export type DispositionRow = typeof dispositions.$inferSelect;

export const dispositionRepository = {
  async insert(tx: Executor, values: typeof dispositions.$inferInsert): Promise<DispositionRow> {
    const [row] = await tx.insert(dispositions).values(values).returning();
    return row;
  },
  async listForCase(
    tx: Executor,
    caseId: string,
    after: { at: Date; id: string } | null,
    limit: number,
  ): Promise<DispositionRow[]> {
    return tx
      .select()
      .from(dispositions)
      .where(
        and(
          eq(dispositions.caseId, caseId),
          after
            ? or(
                lt(dispositions.decidedAt, after.at),
                and(eq(dispositions.decidedAt, after.at), lt(dispositions.id, after.id)),
              )
            : undefined,
        ),
      )
      .orderBy(desc(dispositions.decidedAt), desc(dispositions.id))
      .limit(limit);
  },
};
