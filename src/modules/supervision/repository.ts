import { keysetAfter } from '../../lib/pagination.js';
import { and, asc, desc, eq, inArray, isNull, max } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { changedAtVersion } from '../../lib/etag.js';
import { cases } from '../../db/schema/cases.js';
import { persons } from '../../db/schema/persons.js';
import {
  ACTIVE_SUPERVISION_STATUSES,
  type SUPERVISION_ENTRY_KINDS,
  supervisionEntries,
  supervisions,
} from '../../db/schema/supervision.js';

export type SupervisionRow = typeof supervisions.$inferSelect;
export type SupervisionEntryRow = typeof supervisionEntries.$inferSelect;
type Keyset = { at: Date; id: string } | null;

export const supervisionRepository = {
  async insert(tx: Executor, values: typeof supervisions.$inferInsert): Promise<SupervisionRow> {
    const [row] = await tx.insert(supervisions).values(values).returning();
    return row;
  },
  async get(tx: Executor, id: string): Promise<SupervisionRow | null> {
    const [row] = await tx.select().from(supervisions).where(eq(supervisions.id, id));
    return row ?? null;
  },
  /** The same row, locked until the transaction ends (taken after the case lock: see caseLifecycle.lockWith). */
  async getForUpdate(tx: Executor, id: string): Promise<SupervisionRow | null> {
    const [row] = await tx.select().from(supervisions).where(eq(supervisions.id, id)).for('update');
    return row ?? null;
  },
  async activeForCase(tx: Executor, caseId: string): Promise<SupervisionRow | null> {
    const [row] = await tx
      .select()
      .from(supervisions)
      .where(and(eq(supervisions.caseId, caseId), inArray(supervisions.status, ACTIVE_SUPERVISION_STATUSES)));
    return row ?? null;
  },
  async update(
    tx: Executor,
    row: SupervisionRow,
    values: Partial<
      Pick<SupervisionRow, 'status' | 'endedAt' | 'endNote' | 'conditions' | 'officerSub' | 'officerOrgId'>
    >,
  ): Promise<SupervisionRow> {
    return changedAtVersion(
      await tx
        .update(supervisions)
        .set({ ...values, version: row.version + 1, updatedAt: new Date() })
        .where(and(eq(supervisions.id, row.id), eq(supervisions.version, row.version)))
        .returning(),
    );
  },
  async insertEntry(
    tx: Executor,
    values: typeof supervisionEntries.$inferInsert,
  ): Promise<SupervisionEntryRow> {
    const [row] = await tx.insert(supervisionEntries).values(values).returning();
    return row;
  },
  async entries(
    tx: Executor,
    supervisionId: string,
    kind: (typeof SUPERVISION_ENTRY_KINDS)[number] | undefined,
    after: Keyset,
    limit: number,
  ): Promise<SupervisionEntryRow[]> {
    return tx
      .select()
      .from(supervisionEntries)
      .where(
        and(
          eq(supervisionEntries.supervisionId, supervisionId),
          kind ? eq(supervisionEntries.kind, kind) : undefined,
          keysetAfter(supervisionEntries.occurredAt, supervisionEntries.id, after, 'asc'),
        ),
      )
      .orderBy(asc(supervisionEntries.occurredAt), asc(supervisionEntries.id))
      .limit(limit);
  },
  /** The officer's active supervisions (sealed cases drop out), newest first, with what a caseload shows. */
  async caseload(tx: Executor, officerSub: string, after: Keyset, limit: number) {
    const lastContact = tx
      .select({
        supervisionId: supervisionEntries.supervisionId,
        at: max(supervisionEntries.occurredAt).as('last_contact_at'),
      })
      .from(supervisionEntries)
      .where(eq(supervisionEntries.kind, 'contact'))
      .groupBy(supervisionEntries.supervisionId)
      .as('last_contact');
    return tx
      .select({
        s: supervisions,
        stage: cases.stage,
        givenName: persons.givenName,
        familyName: persons.familyName,
        lastContactAt: lastContact.at,
      })
      .from(supervisions)
      .innerJoin(cases, eq(cases.id, supervisions.caseId))
      .innerJoin(persons, eq(persons.id, cases.personId))
      .leftJoin(lastContact, eq(lastContact.supervisionId, supervisions.id))
      .where(
        and(
          eq(supervisions.officerSub, officerSub),
          inArray(supervisions.status, ACTIVE_SUPERVISION_STATUSES),
          isNull(cases.sealedAt),
          isNull(cases.expungedAt),
          keysetAfter(supervisions.createdAt, supervisions.id, after, 'desc'),
        ),
      )
      .orderBy(desc(supervisions.createdAt), desc(supervisions.id))
      .limit(limit);
  },
};
