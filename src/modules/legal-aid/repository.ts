import { type TimeCursor, keysetAfter } from '../../lib/pagination.js';
import { and, asc, desc, eq, gt, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { changedAtVersion } from '../../lib/etag.js';
import { cases, charges } from '../../db/schema/cases.js';
import { custodyEpisodes } from '../../db/schema/custody.js';
import { hearings } from '../../db/schema/hearings.js';
import { OPEN_LEGAL_AID_STATUSES, legalAidAssignments } from '../../db/schema/legal-aid.js';
import { persons } from '../../db/schema/persons.js';

export type LegalAidRow = typeof legalAidAssignments.$inferSelect;
type Keyset = TimeCursor | null;

/** On a lawyer's worklist: addressed to them or their organisation, not yet ended. */
const ON_WORKLIST = ['assigned', 'accepted'] as const;

export const legalAidRepository = {
  async insert(tx: Executor, values: typeof legalAidAssignments.$inferInsert): Promise<LegalAidRow> {
    const [row] = await tx.insert(legalAidAssignments).values(values).returning();
    return row;
  },
  async get(tx: Executor, id: string): Promise<LegalAidRow | null> {
    const [row] = await tx.select().from(legalAidAssignments).where(eq(legalAidAssignments.id, id));
    return row ?? null;
  },
  /** The same row, locked until the transaction ends (taken after the case lock: see caseLifecycle.lockWith). */
  async getForUpdate(tx: Executor, id: string): Promise<LegalAidRow | null> {
    const [row] = await tx
      .select()
      .from(legalAidAssignments)
      .where(eq(legalAidAssignments.id, id))
      .for('update');
    return row ?? null;
  },
  async openForCase(tx: Executor, caseId: string): Promise<LegalAidRow | null> {
    const [row] = await tx
      .select()
      .from(legalAidAssignments)
      .where(
        and(
          eq(legalAidAssignments.caseId, caseId),
          inArray(legalAidAssignments.status, OPEN_LEGAL_AID_STATUSES),
        ),
      );
    return row ?? null;
  },
  /**
   * The case's last assignment when it was declined and nothing followed it: the request it answered
   * is still waiting, so a new assignment carries its request time (issue 14: the wait is measured
   * from the original request, not from the re-assignment).
   */
  async declinedLast(tx: Executor, caseId: string): Promise<LegalAidRow | null> {
    const [row] = await tx
      .select()
      .from(legalAidAssignments)
      .where(eq(legalAidAssignments.caseId, caseId))
      .orderBy(
        desc(
          sql`coalesce(${legalAidAssignments.respondedAt}, ${legalAidAssignments.assignedAt}, ${legalAidAssignments.requestedAt})`,
        ),
        desc(legalAidAssignments.id),
      )
      .limit(1);
    return row?.status === 'declined' ? row : null;
  },
  async allOpenForCase(tx: Executor, caseId: string): Promise<LegalAidRow[]> {
    return tx
      .select()
      .from(legalAidAssignments)
      .where(
        and(
          eq(legalAidAssignments.caseId, caseId),
          inArray(legalAidAssignments.status, OPEN_LEGAL_AID_STATUSES),
        ),
      );
  },
  async update(
    tx: Executor,
    row: LegalAidRow,
    values: Partial<
      Pick<
        LegalAidRow,
        | 'status'
        | 'lawyerSub'
        | 'legalAidOrgId'
        | 'assignedBy'
        | 'assignedAt'
        | 'respondedAt'
        | 'endedAt'
        | 'endReason'
      >
    >,
  ): Promise<LegalAidRow> {
    return changedAtVersion(
      await tx
        .update(legalAidAssignments)
        .set({ ...values, version: row.version + 1, updatedAt: new Date() })
        .where(and(eq(legalAidAssignments.id, row.id), eq(legalAidAssignments.version, row.version)))
        .returning(),
    );
  },
  /** A case's assignments, newest first. */
  async listForCase(tx: Executor, caseId: string, after: Keyset, limit: number): Promise<LegalAidRow[]> {
    return tx
      .select()
      .from(legalAidAssignments)
      .where(
        and(
          eq(legalAidAssignments.caseId, caseId),
          keysetAfter(legalAidAssignments.requestedAt, legalAidAssignments.id, after, 'desc'),
        ),
      )
      .orderBy(desc(legalAidAssignments.requestedAt), desc(legalAidAssignments.id))
      .limit(limit);
  },
  /**
   * A lawyer's open assignments: addressed to them, or waiting at their organisation for a lawyer.
   * Sealed, expunged and closed cases drop out.
   */
  async worklist(
    tx: Executor,
    lawyer: { sub: string; org: string | null },
    status: (typeof ON_WORKLIST)[number] | undefined,
    after: Keyset,
    limit: number,
  ): Promise<LegalAidRow[]> {
    const mine = or(
      eq(legalAidAssignments.lawyerSub, lawyer.sub),
      lawyer.org
        ? and(isNull(legalAidAssignments.lawyerSub), eq(legalAidAssignments.legalAidOrgId, lawyer.org))
        : undefined,
    );
    const rows = await tx
      .select({ a: legalAidAssignments })
      .from(legalAidAssignments)
      .innerJoin(cases, eq(cases.id, legalAidAssignments.caseId))
      .where(
        and(
          mine,
          status ? eq(legalAidAssignments.status, status) : inArray(legalAidAssignments.status, ON_WORKLIST),
          ne(cases.stage, 'closed'),
          isNull(cases.sealedAt),
          isNull(cases.expungedAt),
          keysetAfter(legalAidAssignments.assignedAt, legalAidAssignments.id, after, 'desc'),
        ),
      )
      .orderBy(desc(legalAidAssignments.assignedAt), desc(legalAidAssignments.id))
      .limit(limit);
    return rows.map((r) => r.a);
  },
  /** Case essentials for a page of the worklist, in four queries whatever the page size. */
  async essentials(tx: Executor, caseIds: string[], now: Date) {
    if (caseIds.length === 0) return { kases: [], charges: [], hearings: [], custody: [] };
    const kases = await tx
      .select({
        id: cases.id,
        stage: cases.stage,
        givenName: persons.givenName,
        familyName: persons.familyName,
        dateOfBirth: persons.dateOfBirth,
      })
      .from(cases)
      .innerJoin(persons, eq(persons.id, cases.personId))
      .where(inArray(cases.id, caseIds));
    const chargeRows = await tx
      .select({ caseId: charges.caseId, code: charges.code, description: charges.description })
      .from(charges)
      .where(and(inArray(charges.caseId, caseIds), isNull(charges.withdrawnAt)))
      .orderBy(asc(charges.position));
    const hearingRows = await tx
      .select()
      .from(hearings)
      .where(
        and(
          inArray(hearings.caseId, caseIds),
          eq(hearings.status, 'scheduled'),
          gt(hearings.scheduledAt, now),
        ),
      )
      .orderBy(asc(hearings.scheduledAt));
    const custodyRows = await tx
      .select()
      .from(custodyEpisodes)
      .where(and(inArray(custodyEpisodes.caseId, caseIds), isNull(custodyEpisodes.releasedAt)));
    return { kases, charges: chargeRows, hearings: hearingRows, custody: custodyRows };
  },
};
