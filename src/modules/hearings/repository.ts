import { keysetAfter } from '../../lib/pagination.js';
import { and, asc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { changedAtVersion } from '../../lib/etag.js';
import { hearings } from '../../db/schema/hearings.js';

export type HearingRow = typeof hearings.$inferSelect;

export const hearingRepository = {
  async insert(tx: Executor, values: typeof hearings.$inferInsert): Promise<HearingRow> {
    const [row] = await tx.insert(hearings).values(values).returning();
    return row;
  },
  async get(tx: Executor, id: string): Promise<HearingRow | null> {
    const [row] = await tx.select().from(hearings).where(eq(hearings.id, id));
    return row ?? null;
  },
  /** The same row, locked until the transaction ends (taken after the case lock: see caseLifecycle.lockWith). */
  async getForUpdate(tx: Executor, id: string): Promise<HearingRow | null> {
    const [row] = await tx.select().from(hearings).where(eq(hearings.id, id)).for('update');
    return row ?? null;
  },
  async update(
    tx: Executor,
    row: HearingRow,
    values: Partial<
      Pick<
        HearingRow,
        'status' | 'heldAt' | 'outcome' | 'attendees' | 'childFriendlyCourtroom' | 'adjournedToId' | 'reason'
      >
    >,
  ): Promise<HearingRow> {
    return changedAtVersion(
      await tx
        .update(hearings)
        .set({ ...values, version: row.version + 1, updatedAt: new Date() })
        .where(and(eq(hearings.id, row.id), eq(hearings.version, row.version)))
        .returning(),
    );
  },
  async listForCase(
    tx: Executor,
    caseId: string,
    after: { at: Date; id: string } | null,
    limit: number,
  ): Promise<HearingRow[]> {
    return tx
      .select()
      .from(hearings)
      .where(and(eq(hearings.caseId, caseId), keysetAfter(hearings.scheduledAt, hearings.id, after, 'asc')))
      .orderBy(asc(hearings.scheduledAt), asc(hearings.id))
      .limit(limit);
  },
  async scheduledForCase(tx: Executor, caseId: string): Promise<HearingRow[]> {
    return tx
      .select()
      .from(hearings)
      .where(and(eq(hearings.caseId, caseId), eq(hearings.status, 'scheduled')));
  },
  async heldForCase(tx: Executor, caseId: string): Promise<HearingRow[]> {
    return tx
      .select()
      .from(hearings)
      .where(and(eq(hearings.caseId, caseId), eq(hearings.status, 'held')));
  },
};
