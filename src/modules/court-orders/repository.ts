import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { courtOrders } from '../../db/schema/court-orders.js';

export type CourtOrderRow = typeof courtOrders.$inferSelect;

export const courtOrderRepository = {
  async insert(tx: Executor, values: typeof courtOrders.$inferInsert): Promise<CourtOrderRow> {
    const [row] = await tx.insert(courtOrders).values(values).returning();
    return row;
  },
  async get(tx: Executor, id: string): Promise<CourtOrderRow | null> {
    const [row] = await tx.select().from(courtOrders).where(eq(courtOrders.id, id));
    return row ?? null;
  },
  /** Revokes in the statement that checks it is not revoked yet: null when someone was first. */
  async revoke(
    tx: Executor,
    row: CourtOrderRow,
    values: { revokedAt: Date; revokedBy: string; revocationReason: string },
  ): Promise<CourtOrderRow | null> {
    const [updated] = await tx
      .update(courtOrders)
      .set({ ...values, version: row.version + 1 })
      .where(
        and(eq(courtOrders.id, row.id), isNull(courtOrders.revokedAt), eq(courtOrders.version, row.version)),
      )
      .returning();
    return updated ?? null;
  },
  async listForCase(tx: Executor, caseId: string): Promise<CourtOrderRow[]> {
    return tx
      .select()
      .from(courtOrders)
      .where(eq(courtOrders.caseId, caseId))
      .orderBy(asc(courtOrders.createdAt), asc(courtOrders.id));
  },
};
