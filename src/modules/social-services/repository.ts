import { keysetAfter } from '../../lib/pagination.js';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { changedAtVersion } from '../../lib/etag.js';
import { records } from '../../db/schema/records.js';
import { socialWorkAssignments } from '../../db/schema/social-work.js';

export type SocialWorkRow = typeof socialWorkAssignments.$inferSelect;
const KINDS = ['vulnerability_assessment', 'service_referral'] as const;
type Kind = (typeof KINDS)[number];

/** Metadata only: the content of these records is read through the records module and its consent rules. */
const meta = {
  id: records.id,
  caseId: records.caseId,
  kind: records.kind,
  category: records.category,
  occurredAt: records.occurredAt,
  createdAt: records.createdAt,
  createdBy: records.createdBy,
};

export const socialServicesRepository = {
  async insertAssignment(
    tx: Executor,
    values: typeof socialWorkAssignments.$inferInsert,
  ): Promise<SocialWorkRow> {
    const [row] = await tx.insert(socialWorkAssignments).values(values).returning();
    return row;
  },
  async getAssignment(tx: Executor, id: string): Promise<SocialWorkRow | null> {
    const [row] = await tx.select().from(socialWorkAssignments).where(eq(socialWorkAssignments.id, id));
    return row ?? null;
  },
  /** The same row, locked until the transaction ends (taken after the case lock: see caseLifecycle.lockWith). */
  async getAssignmentForUpdate(tx: Executor, id: string): Promise<SocialWorkRow | null> {
    const [row] = await tx
      .select()
      .from(socialWorkAssignments)
      .where(eq(socialWorkAssignments.id, id))
      .for('update');
    return row ?? null;
  },
  async activeAssignment(tx: Executor, caseId: string, sub: string): Promise<SocialWorkRow | null> {
    const [row] = await tx
      .select()
      .from(socialWorkAssignments)
      .where(
        and(
          eq(socialWorkAssignments.caseId, caseId),
          eq(socialWorkAssignments.socialWorkerSub, sub),
          eq(socialWorkAssignments.status, 'active'),
        ),
      );
    return row ?? null;
  },
  async activeForCase(tx: Executor, caseId: string): Promise<SocialWorkRow[]> {
    return tx
      .select()
      .from(socialWorkAssignments)
      .where(and(eq(socialWorkAssignments.caseId, caseId), eq(socialWorkAssignments.status, 'active')));
  },
  async endAssignment(tx: Executor, row: SocialWorkRow, endedAt: Date = new Date()): Promise<SocialWorkRow> {
    return changedAtVersion(
      await tx
        .update(socialWorkAssignments)
        .set({ status: 'ended', endedAt, version: row.version + 1, updatedAt: new Date() })
        .where(and(eq(socialWorkAssignments.id, row.id), eq(socialWorkAssignments.version, row.version)))
        .returning(),
    );
  },
  /** A sensitive record of one of the social services' kinds; returns its metadata only. */
  async insertRecord(tx: Executor, values: typeof records.$inferInsert & { kind: Kind }) {
    const [row] = await tx.insert(records).values(values).returning(meta);
    return row as typeof row & { kind: Kind };
  },
  async listRecords(
    tx: Executor,
    caseId: string,
    kind: Kind | undefined,
    after: { at: Date; id: string } | null,
    limit: number,
  ) {
    const rows = await tx
      .select(meta)
      .from(records)
      .where(
        and(
          eq(records.caseId, caseId),
          kind ? eq(records.kind, kind) : inArray(records.kind, KINDS),
          keysetAfter(records.createdAt, records.id, after, 'desc'),
        ),
      )
      .orderBy(desc(records.createdAt), desc(records.id))
      .limit(limit);
    return rows as ((typeof rows)[number] & { kind: Kind })[];
  },
};
