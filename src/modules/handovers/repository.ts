import { and, asc, eq, inArray, isNull, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { cases } from '../../db/schema/cases.js';
import { type HandoverKind, handovers } from '../../db/schema/handovers.js';
import { changedAtVersion } from '../../lib/etag.js';
import { type TimeCursor, keysetAfter } from '../../lib/pagination.js';

export type HandoverRow = typeof handovers.$inferSelect;

export const handoverRepository = {
  async insert(tx: Executor, values: typeof handovers.$inferInsert): Promise<HandoverRow> {
    const [row] = await tx.insert(handovers).values(values).returning();
    return row;
  },
  async get(tx: Executor, id: string): Promise<HandoverRow | null> {
    const [row] = await tx.select().from(handovers).where(eq(handovers.id, id));
    return row ?? null;
  },
  async getForUpdate(tx: Executor, id: string): Promise<HandoverRow | null> {
    const [row] = await tx.select().from(handovers).where(eq(handovers.id, id)).for('update');
    return row ?? null;
  },
  /** A transfer still waiting for its answer (one at a time per case, or per supervision). */
  async pending(tx: Executor, kind: HandoverKind, caseId: string, supervisionId: string | null) {
    const [row] = await tx
      .select()
      .from(handovers)
      .where(
        and(
          eq(handovers.kind, kind),
          eq(handovers.caseId, caseId),
          supervisionId ? eq(handovers.supervisionId, supervisionId) : undefined,
          eq(handovers.status, 'sent'),
        ),
      );
    return row ?? null;
  },
  async update(
    tx: Executor,
    row: HandoverRow,
    values: Partial<
      Pick<
        HandoverRow,
        'status' | 'responseNote' | 'outcome' | 'respondedBy' | 'respondedAt' | 'startedAt' | 'completedAt'
      >
    >,
  ): Promise<HandoverRow> {
    return changedAtVersion(
      await tx
        .update(handovers)
        .set({ ...values, version: row.version + 1, updatedAt: new Date() })
        .where(and(eq(handovers.id, row.id), eq(handovers.version, row.version)))
        .returning(),
    );
  },
  /**
   * The receiving organisation's worklist: handovers of the kinds asked for, addressed to it and
   * still relating it, on cases that are neither sealed nor expunged (the SQL twin of decide()).
   */
  async incoming(
    tx: Executor,
    orgId: string,
    kinds: readonly HandoverKind[],
    after: TimeCursor | null,
    limit: number,
  ): Promise<HandoverRow[]> {
    return tx
      .select({ h: handovers })
      .from(handovers)
      .innerJoin(cases, eq(cases.id, handovers.caseId))
      .where(
        and(
          eq(handovers.toOrgId, orgId),
          inArray(handovers.kind, kinds as HandoverKind[]),
          or(
            eq(handovers.status, 'sent'),
            and(eq(handovers.kind, 'referral'), inArray(handovers.status, ['accepted', 'in_progress'])),
          ),
          isNull(cases.sealedAt),
          isNull(cases.expungedAt),
          keysetAfter(handovers.createdAt, handovers.id, after, 'asc'),
        ),
      )
      .orderBy(asc(handovers.createdAt), asc(handovers.id))
      .limit(limit)
      .then((rows) => rows.map((r) => r.h));
  },
};
