import { keysetAfter } from '../../lib/pagination.js';
import { and, asc, desc, eq, inArray, notInArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { changedAtVersion } from '../../lib/etag.js';
import { diversionConditions, diversions } from '../../db/schema/diversion.js';

export type DiversionRow = typeof diversions.$inferSelect;
export type ConditionRow = typeof diversionConditions.$inferSelect;

export const diversionRepository = {
  async insert(tx: Executor, values: typeof diversions.$inferInsert): Promise<DiversionRow> {
    const [row] = await tx.insert(diversions).values(values).returning();
    return row;
  },
  async get(tx: Executor, id: string): Promise<DiversionRow | null> {
    const [row] = await tx.select().from(diversions).where(eq(diversions.id, id));
    return row ?? null;
  },
  /** The same row, locked until the transaction ends (taken after the case lock: see caseLifecycle.lockWith). */
  async getForUpdate(tx: Executor, id: string): Promise<DiversionRow | null> {
    const [row] = await tx.select().from(diversions).where(eq(diversions.id, id)).for('update');
    return row ?? null;
  },
  async openForCase(tx: Executor, caseId: string): Promise<DiversionRow | null> {
    const [row] = await tx
      .select()
      .from(diversions)
      .where(
        and(
          eq(diversions.caseId, caseId),
          inArray(diversions.status, ['proposed', 'accepted', 'in_progress']),
        ),
      );
    return row ?? null;
  },
  async update(
    tx: Executor,
    row: DiversionRow,
    values: Partial<Pick<DiversionRow, 'status' | 'decidedAt' | 'startedAt' | 'endedAt' | 'outcomeNote'>>,
  ): Promise<DiversionRow> {
    return changedAtVersion(
      await tx
        .update(diversions)
        .set({ ...values, version: row.version + 1, updatedAt: new Date() })
        .where(and(eq(diversions.id, row.id), eq(diversions.version, row.version)))
        .returning(),
    );
  },
  async listForCase(
    tx: Executor,
    caseId: string,
    after: { at: Date; id: string } | null,
    limit: number,
  ): Promise<DiversionRow[]> {
    return tx
      .select()
      .from(diversions)
      .where(
        and(eq(diversions.caseId, caseId), keysetAfter(diversions.createdAt, diversions.id, after, 'desc')),
      )
      .orderBy(desc(diversions.createdAt), desc(diversions.id))
      .limit(limit);
  },
  async insertConditions(
    tx: Executor,
    values: (typeof diversionConditions.$inferInsert)[],
  ): Promise<ConditionRow[]> {
    return tx.insert(diversionConditions).values(values).returning();
  },
  async conditionsOf(tx: Executor, diversionIds: string[]): Promise<ConditionRow[]> {
    if (diversionIds.length === 0) return [];
    return tx
      .select()
      .from(diversionConditions)
      .where(inArray(diversionConditions.diversionId, diversionIds))
      .orderBy(asc(diversionConditions.position));
  },
  /** Conditions neither done nor waived: what stands between a diversion and its completion. */
  async openConditions(tx: Executor, diversionId: string): Promise<ConditionRow[]> {
    return tx
      .select()
      .from(diversionConditions)
      .where(
        and(
          eq(diversionConditions.diversionId, diversionId),
          notInArray(diversionConditions.status, ['done', 'waived']),
        ),
      )
      .orderBy(asc(diversionConditions.position));
  },
  async condition(tx: Executor, id: string): Promise<ConditionRow | null> {
    const [row] = await tx.select().from(diversionConditions).where(eq(diversionConditions.id, id));
    return row ?? null;
  },
  async conditionForUpdate(tx: Executor, id: string): Promise<ConditionRow | null> {
    const [row] = await tx
      .select()
      .from(diversionConditions)
      .where(eq(diversionConditions.id, id))
      .for('update');
    return row ?? null;
  },
  async updateCondition(
    tx: Executor,
    row: ConditionRow,
    values: Partial<
      Pick<
        ConditionRow,
        'status' | 'statusAt' | 'note' | 'victimConsentedAt' | 'recordedBy' | 'recordedByRole'
      >
    >,
  ): Promise<ConditionRow> {
    return changedAtVersion(
      await tx
        .update(diversionConditions)
        .set({ ...values, version: row.version + 1, updatedAt: new Date() })
        .where(and(eq(diversionConditions.id, row.id), eq(diversionConditions.version, row.version)))
        .returning(),
    );
  },
};
