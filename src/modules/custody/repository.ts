import { keysetAfter } from '../../lib/pagination.js';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { changedAtVersion } from '../../lib/etag.js';
import { custodyEpisodes } from '../../db/schema/custody.js';

export type CustodyRow = typeof custodyEpisodes.$inferSelect;

export const custodyRepository = {
  /** Null when the child already has an open episode (the partial unique index refused it). */
  async insert(tx: Executor, values: typeof custodyEpisodes.$inferInsert): Promise<CustodyRow | null> {
    const [row] = await tx.insert(custodyEpisodes).values(values).onConflictDoNothing().returning();
    return row ?? null;
  },
  async get(tx: Executor, id: string): Promise<CustodyRow | null> {
    const [row] = await tx.select().from(custodyEpisodes).where(eq(custodyEpisodes.id, id));
    return row ?? null;
  },
  /** The same row, locked until the transaction ends (taken after the case lock: see caseLifecycle.lockWith). */
  async getForUpdate(tx: Executor, id: string): Promise<CustodyRow | null> {
    const [row] = await tx.select().from(custodyEpisodes).where(eq(custodyEpisodes.id, id)).for('update');
    return row ?? null;
  },
  async openForPerson(tx: Executor, personId: string): Promise<CustodyRow | null> {
    const [row] = await tx
      .select()
      .from(custodyEpisodes)
      .where(and(eq(custodyEpisodes.personId, personId), isNull(custodyEpisodes.releasedAt)));
    return row ?? null;
  },
  async openForCase(tx: Executor, caseId: string): Promise<CustodyRow | null> {
    const [row] = await tx
      .select()
      .from(custodyEpisodes)
      .where(and(eq(custodyEpisodes.caseId, caseId), isNull(custodyEpisodes.releasedAt)));
    return row ?? null;
  },
  async end(
    tx: Executor,
    row: CustodyRow,
    releasedAt: Date,
    releaseReason: string,
    aftercare: { provided: boolean; kind?: CustodyRow['aftercareKind'] } | undefined,
  ): Promise<CustodyRow> {
    return changedAtVersion(
      await tx
        .update(custodyEpisodes)
        .set({
          releasedAt,
          releaseReason,
          aftercareProvided: aftercare?.provided ?? null,
          aftercareKind: aftercare?.kind ?? null,
          version: row.version + 1,
          updatedAt: new Date(),
        })
        .where(and(eq(custodyEpisodes.id, row.id), eq(custodyEpisodes.version, row.version)))
        .returning(),
    );
  },
  async listForCase(
    tx: Executor,
    caseId: string,
    after: { at: Date; id: string } | null,
    limit: number,
  ): Promise<CustodyRow[]> {
    return tx
      .select()
      .from(custodyEpisodes)
      .where(
        and(
          eq(custodyEpisodes.caseId, caseId),
          keysetAfter(custodyEpisodes.startedAt, custodyEpisodes.id, after, 'desc'),
        ),
      )
      .orderBy(desc(custodyEpisodes.startedAt), desc(custodyEpisodes.id))
      .limit(limit);
  },
};
