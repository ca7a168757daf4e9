import { keysetAfter } from '../../lib/pagination.js';
import { and, desc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { dispositions } from '../../db/schema/dispositions.js';

export type DispositionRow = typeof dispositions.$inferSelect;

export const dispositionRepository = {
  async insert(tx: Executor, values: typeof dispositions.$inferInsert): Promise<DispositionRow> {
    const [row] = await tx.insert(dispositions).values(values).returning();
    return row;
  },
  async get(tx: Executor, id: string): Promise<DispositionRow | null> {
    const [row] = await tx.select().from(dispositions).where(eq(dispositions.id, id));
    return row ?? null;
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
          keysetAfter(dispositions.decidedAt, dispositions.id, after, 'desc'),
        ),
      )
      .orderBy(desc(dispositions.decidedAt), desc(dispositions.id))
      .limit(limit);
  },
};
