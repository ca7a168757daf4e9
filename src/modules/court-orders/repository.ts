import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { courtOrders } from '../../db/schema/court-orders.js';

export type CourtOrderRow = typeof courtOrders.$inferSelect;

export const courtOrderRepository = {
  async insert(tx: Executor, values: typeof courtOrders.$inferInsert): Promise<CourtOrderRow> {
    const [row] = await tx.insert(courtOrders).values(values).returning();
    return row;
  },
  async listForCase(tx: Executor, caseId: string): Promise<CourtOrderRow[]> {
    return tx
      .select()
      .from(courtOrders)
      .where(eq(courtOrders.caseId, caseId))
      .orderBy(asc(courtOrders.createdAt), asc(courtOrders.id));
  },
};
