import { changedAtVersion } from '../../lib/etag.js';
import { keysetAfter, type TimeCursor } from '../../lib/pagination.js';
import { type SQL, and, asc, desc, eq, isNull, max, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { type CaseStage, caseEvents, cases, charges } from '../../db/schema/cases.js';
import { persons } from '../../db/schema/persons.js';

export type CaseRow = typeof cases.$inferSelect;
export type ChargeRow = typeof charges.$inferSelect;
export type CaseCharge = Pick<ChargeRow, 'id' | 'code' | 'description'> & {
  withdrawnAt: Date | string | null;
};
export type CaseChild = { givenName: string | null; familyName: string | null; dateOfBirth: string | null };

export const caseRepository = {
  async insert(tx: Executor, values: typeof cases.$inferInsert): Promise<CaseRow> {
    const [row] = await tx.insert(cases).values(values).returning();
    return row;
  },
  async insertCharges(
    tx: Executor,
    caseId: string,
    list: { code: string; description: string }[],
  ): Promise<ChargeRow[]> {
    return tx
      .insert(charges)
      .values(list.map((c, position) => ({ caseId, code: c.code, description: c.description, position })))
      .returning();
  },
  /** True when the child has cases and every one is sealed or expunged: the child is then invisible. */
  async onlyHiddenCases(tx: Executor, personId: string): Promise<boolean> {
    const rows = await tx
      .select({ sealedAt: cases.sealedAt, expungedAt: cases.expungedAt })
      .from(cases)
      .where(eq(cases.personId, personId));
    return rows.length > 0 && rows.every((r) => r.sealedAt !== null || r.expungedAt !== null);
  },
  async get(tx: Executor, id: string): Promise<CaseRow | null> {
    const [row] = await tx.select().from(cases).where(eq(cases.id, id));
    return row ?? null;
  },
  /** The case with its charges (in order) and its child's identity, in one statement. */
  async getWithDetails(
    tx: Executor,
    id: string,
  ): Promise<{ row: CaseRow; charges: CaseCharge[]; child: CaseChild } | null> {
    const [found] = await tx
      .select({
        row: cases,
        charges: sql<CaseCharge[]>`coalesce((
          SELECT json_agg(json_build_object('id', ch.id, 'code', ch.code, 'description', ch.description,
                                            'withdrawnAt', ch.withdrawn_at)
                          ORDER BY ch.position)
            FROM charges ch WHERE ch.case_id = cases.id), '[]'::json)`,
        child: sql<CaseChild | null>`(
          SELECT json_build_object('givenName', p.given_name, 'familyName', p.family_name,
                                   'dateOfBirth', p.date_of_birth)
            FROM persons p WHERE p.id = cases.person_id)`,
      })
      .from(cases)
      .where(eq(cases.id, id));
    if (!found) return null;
    return {
      row: found.row,
      charges: found.charges,
      child: found.child ?? { givenName: null, familyName: null, dateOfBirth: null },
    };
  },
  async charges(tx: Executor, caseId: string): Promise<ChargeRow[]> {
    return tx.select().from(charges).where(eq(charges.caseId, caseId)).orderBy(asc(charges.position));
  },
  /** Charges still standing (not withdrawn): the ones a disposition decides. */
  async activeCharges(tx: Executor, caseId: string): Promise<ChargeRow[]> {
    return tx
      .select()
      .from(charges)
      .where(and(eq(charges.caseId, caseId), isNull(charges.withdrawnAt)))
      .orderBy(asc(charges.position));
  },
  async chargeById(tx: Executor, id: string): Promise<ChargeRow | null> {
    const [row] = await tx.select().from(charges).where(eq(charges.id, id));
    return row ?? null;
  },
  /** A charge added by a correction, under the id the client chose, after the case's last one. */
  async addCharge(tx: Executor, caseId: string, id: string, code: string, description: string) {
    const [last] = await tx
      .select({ position: max(charges.position) })
      .from(charges)
      .where(eq(charges.caseId, caseId));
    await tx.insert(charges).values({ id, caseId, code, description, position: (last?.position ?? -1) + 1 });
  },
  async updateCharge(
    tx: Executor,
    id: string,
    values: Partial<Pick<ChargeRow, 'code' | 'description' | 'withdrawnAt'>>,
  ) {
    await tx.update(charges).set(values).where(eq(charges.id, id));
  },
  /** The child's cases that are not expunged (their age at the offence follows the date of birth). */
  async ofPerson(tx: Executor, personId: string): Promise<CaseRow[]> {
    return tx
      .select()
      .from(cases)
      .where(and(eq(cases.personId, personId), isNull(cases.expungedAt)))
      .orderBy(asc(cases.createdAt))
      .for('update');
  },
  async child(tx: Executor, personId: string) {
    const [row] = await tx
      .select({
        givenName: persons.givenName,
        familyName: persons.familyName,
        dateOfBirth: persons.dateOfBirth,
      })
      .from(persons)
      .where(eq(persons.id, personId));
    return row ?? { givenName: null, familyName: null, dateOfBirth: null };
  },
  /** Newest first, keyset-paginated on (created_at, id); `visible` is the access module's condition. */
  async list(
    tx: Executor,
    visible: SQL,
    filter: { stage?: CaseStage; personId?: string },
    after: TimeCursor | null,
    limit: number,
  ): Promise<CaseRow[]> {
    return tx
      .select()
      .from(cases)
      .where(
        and(
          visible,
          filter.stage ? eq(cases.stage, filter.stage) : undefined,
          filter.personId ? eq(cases.personId, filter.personId) : undefined,
          keysetAfter(cases.createdAt, cases.id, after, 'desc'),
        ),
      )
      .orderBy(desc(cases.createdAt), desc(cases.id))
      .limit(limit);
  },
  /** Locks the case row for the rest of the transaction, so stage moves on one case happen one at a time. */
  async getForUpdate(tx: Executor, id: string): Promise<CaseRow | null> {
    const [row] = await tx.select().from(cases).where(eq(cases.id, id)).for('update');
    return row ?? null;
  },
  async update(
    tx: Executor,
    row: CaseRow,
    values: Partial<Pick<CaseRow, 'stage' | 'closedReason' | 'courtOrgId'>> & {
      closedAt?: Date | SQL | null;
    },
  ): Promise<CaseRow> {
    const [updated] = await tx
      .update(cases)
      .set({ ...values, version: row.version + 1, updatedAt: new Date() })
      .where(eq(cases.id, row.id))
      .returning();
    return updated;
  },
  async acceptIntake(tx: Executor, row: CaseRow, by: string, at: Date): Promise<CaseRow> {
    const [updated] = await tx
      .update(cases)
      .set({
        intakeStatus: 'accepted',
        intakeAcceptedBy: by,
        intakeAcceptedAt: at,
        version: row.version + 1,
        updatedAt: at,
      })
      .where(eq(cases.id, row.id))
      .returning();
    return updated;
  },
  /** A correction: the fields given, one version more. The caller holds the row's lock. */
  async correct(
    tx: Executor,
    row: CaseRow,
    values: Partial<
      Pick<
        CaseRow,
        | 'intakeKind'
        | 'offenceDate'
        | 'intakeAt'
        | 'agency'
        | 'location'
        | 'detained'
        | 'guardiansNotifiedAt'
        | 'prosecutionOrgId'
        | 'ageAtOffence'
      >
    >,
  ): Promise<CaseRow> {
    return changedAtVersion(
      await tx
        .update(cases)
        .set({ ...values, version: row.version + 1, updatedAt: new Date() })
        .where(and(eq(cases.id, row.id), eq(cases.version, row.version)))
        .returning(),
    );
  },
  async appendEvent(tx: Executor, event: typeof caseEvents.$inferInsert): Promise<void> {
    await tx.insert(caseEvents).values(event);
  },
};
