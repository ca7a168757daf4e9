import { asc, eq, gt } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { partnerClients } from '../../db/schema/partner-clients.js';

export type PartnerClientRow = typeof partnerClients.$inferSelect;

export const partnerClientRepository = {
  async insert(tx: Executor, values: typeof partnerClients.$inferInsert): Promise<PartnerClientRow | null> {
    const [row] = await tx.insert(partnerClients).values(values).onConflictDoNothing().returning();
    return row ?? null;
  },
  async get(tx: Executor, clientId: string): Promise<PartnerClientRow | null> {
    const [row] = await tx.select().from(partnerClients).where(eq(partnerClients.clientId, clientId));
    return row ?? null;
  },
  async list(tx: Executor, after: string | null, limit: number): Promise<PartnerClientRow[]> {
    return tx
      .select()
      .from(partnerClients)
      .where(after ? gt(partnerClients.clientId, after) : undefined)
      .orderBy(asc(partnerClients.clientId))
      .limit(limit);
  },
  async remove(tx: Executor, clientId: string): Promise<boolean> {
    const rows = await tx
      .delete(partnerClients)
      .where(eq(partnerClients.clientId, clientId))
      .returning({ id: partnerClients.clientId });
    return rows.length > 0;
  },
};
