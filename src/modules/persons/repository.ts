import { changedAtVersion } from '../../lib/etag.js';
import { and, eq, sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../db/client.js';
import { persons } from '../../db/schema/persons.js';

export type PersonRow = typeof persons.$inferSelect;

export const personRepository = {
  async insert(tx: Executor, values: typeof persons.$inferInsert): Promise<PersonRow> {
    const [row] = await tx.insert(persons).values(values).returning();
    return row;
  },
  async get(tx: Executor, id: string): Promise<PersonRow | null> {
    const [row] = await tx.select().from(persons).where(eq(persons.id, id));
    return row ?? null;
  },
  async getForUpdate(tx: Executor, id: string): Promise<PersonRow | null> {
    const [row] = await tx.select().from(persons).where(eq(persons.id, id)).for('update');
    return row ?? null;
  },
  /** A correction: the fields given, one version more. The caller holds the row's lock. */
  async correct(
    tx: Executor,
    row: PersonRow,
    values: Partial<
      Pick<PersonRow, 'givenName' | 'familyName' | 'dateOfBirth' | 'sex' | 'region' | 'guardians'>
    >,
  ): Promise<PersonRow> {
    return changedAtVersion(
      await tx
        .update(persons)
        .set({ ...values, version: row.version + 1 })
        .where(and(eq(persons.id, row.id), eq(persons.version, row.version)))
        .returning(),
    );
  },
  /**
   * Likely matches by trigram similarity of the full name, boosted by an equal date of birth.
   * Expunged children and children whose every case is sealed are never candidates.
   */
  async matches(
    tx: Executor,
    q: { name: string; dateOfBirth?: string; limit: number },
  ): Promise<{ id: string; score: number; sameDob: boolean; birthYear: number | null }[]> {
    const dob = q.dateOfBirth ?? null;
    const result = await tx.execute(sql`
      SELECT p.id,
             similarity(coalesce(p.given_name, '') || ' ' || coalesce(p.family_name, ''), ${q.name}) AS score,
             -- coalesce: without a date of birth to compare, the comparison is NULL, not false (issue 14)
             coalesce(p.date_of_birth = ${dob}::date, false) AS same_dob,
             extract(year FROM p.date_of_birth)::int AS birth_year
        FROM persons p
       WHERE p.expunged_at IS NULL
         AND (
           (coalesce(p.given_name, '') || ' ' || coalesce(p.family_name, '')) % ${q.name}
           OR (p.date_of_birth = ${dob}::date
               AND similarity(coalesce(p.given_name, '') || ' ' || coalesce(p.family_name, ''), ${q.name}) > 0.1)
         )
         AND (NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id)
              OR EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id AND c.sealed_at IS NULL AND c.expunged_at IS NULL))
       ORDER BY same_dob DESC, score DESC, p.id
       LIMIT ${q.limit}`);
    return rowsOf<{ id: string; score: number | string; same_dob: boolean; birth_year: number | null }>(
      result,
    ).map((r) => ({
      id: r.id,
      score: Math.round(Number(r.score) * 1000) / 1000,
      sameDob: r.same_dob,
      birthYear: r.birth_year,
    }));
  },
};
