import { changedAtVersion } from '../../lib/etag.js';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../db/client.js';
import { cases } from '../../db/schema/cases.js';
import { consents } from '../../db/schema/consents.js';
import { custodyEpisodes } from '../../db/schema/custody.js';
import { persons } from '../../db/schema/persons.js';
import { records } from '../../db/schema/records.js';
import { nameKey, personNameKeys } from '../../lib/name-key.js';

export type PersonRow = typeof persons.$inferSelect;

/** Live: not expunged, not merged into another record (the national identity number is unique among these). */
const live = sql`${persons.expungedAt} IS NULL AND ${persons.mergedInto} IS NULL`;

export const personRepository = {
  /** Registers a child with the matching keys of the names (src/lib/name-key.ts). */
  async insert(
    tx: Executor,
    values: Omit<typeof persons.$inferInsert, 'givenKey' | 'familyKey'>,
  ): Promise<PersonRow> {
    const [row] = await tx
      .insert(persons)
      .values({
        ...values,
        ...personNameKeys({ givenName: values.givenName ?? null, familyName: values.familyName ?? null }),
      })
      .returning();
    return row;
  },
  /** The live record holding a national identity number, if any (other than `exceptId`). */
  async withNationalId(tx: Executor, nationalId: string, exceptId?: string): Promise<string | null> {
    const [row] = await tx
      .select({ id: persons.id })
      .from(persons)
      .where(and(eq(persons.nationalId, nationalId), live));
    return row && row.id !== exceptId ? row.id : null;
  },
  async get(tx: Executor, id: string): Promise<PersonRow | null> {
    const [row] = await tx.select().from(persons).where(eq(persons.id, id));
    return row ?? null;
  },
  /**
   * Where a merged record went: the live record at the end of its merges (a survivor merged in turn
   * is followed), with the time of the first merge. Null for a record that was not merged.
   */
  async survivorOf(tx: Executor, id: string): Promise<{ survivorId: string; mergedAt: Date } | null> {
    const [row] = await tx
      .select({ mergedInto: persons.mergedInto, mergedAt: persons.mergedAt })
      .from(persons)
      .where(eq(persons.id, id));
    if (!row?.mergedInto || !row.mergedAt) return null;
    let survivorId = row.mergedInto;
    for (let hops = 0; hops < 20; hops++) {
      const [next] = await tx
        .select({ mergedInto: persons.mergedInto })
        .from(persons)
        .where(eq(persons.id, survivorId));
      if (!next?.mergedInto) break;
      survivorId = next.mergedInto;
    }
    return { survivorId, mergedAt: row.mergedAt };
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
      Pick<
        PersonRow,
        'givenName' | 'familyName' | 'dateOfBirth' | 'sex' | 'region' | 'guardians' | 'nationalId'
      >
    >,
  ): Promise<PersonRow> {
    // The matching keys follow the names they are made of.
    const keys = personNameKeys({
      givenName: values.givenName !== undefined ? values.givenName : row.givenName,
      familyName: values.familyName !== undefined ? values.familyName : row.familyName,
    });
    return changedAtVersion(
      await tx
        .update(persons)
        .set({ ...values, ...keys, version: row.version + 1 })
        .where(and(eq(persons.id, row.id), eq(persons.version, row.version)))
        .returning(),
    );
  },
  /**
   * Likely matches (capability 12). Candidates come from the blocking keys only, each an index:
   * the same national identity number, the same family-name key (any spelling or script of the
   * name), or the same date of birth and first letter of the family key with a similar full key
   * (trigram similarity of the keys at least `MATCH_DOB_SIMILARITY`, which lets a typo in the rest
   * of the family name through; index persons_dob_initial_idx). The score is the trigram
   * similarity of the full keys. Candidates are live records only, and a child whose every case is
   * sealed or expunged never is one: the SQL form of `isMatchCandidate` (src/access/decide.ts).
   * That condition first probes the small index of children with a sealed or expunged case
   * (cases_closed_person_idx: one index page for most candidates, where reading each candidate's
   * cases cost a heap page per case, 75 of 97 ms of a cold match with 66 candidates at a million
   * cases), and reads the child's open cases only for a child found there.
   */
  async matches(
    tx: Executor,
    q: { givenName: string; familyName: string; dateOfBirth?: string; nationalId?: string; limit: number },
  ): Promise<
    { id: string; score: number; sameDob: boolean; sameNationalId: boolean; birthYear: number | null }[]
  > {
    const dob = q.dateOfBirth ?? null;
    const nid = q.nationalId ?? null;
    const familyKey = nameKey(q.familyName);
    const fullKey = `${nameKey(q.givenName)} ${familyKey}`;
    const full = sql`(coalesce(p.given_key, '') || ' ' || coalesce(p.family_key, ''))`;
    const result = await tx.execute(sql`
      SELECT p.id,
             similarity(${full}, ${fullKey}) AS score,
             coalesce(p.date_of_birth = ${dob}::date, false) AS same_dob,
             coalesce(p.national_id = ${nid}::text, false) AS same_nid,
             extract(year FROM p.date_of_birth)::int AS birth_year
        FROM persons p
       WHERE p.expunged_at IS NULL AND p.merged_into IS NULL
         AND (p.family_key = ${familyKey}
              OR p.national_id = ${nid}::text
              OR (p.date_of_birth = ${dob}::date AND left(p.family_key, 1) = ${familyKey.slice(0, 1)}
                  AND similarity(${full}, ${fullKey}) >= ${MATCH_DOB_SIMILARITY}))
         AND (NOT EXISTS (SELECT FROM cases c
                           WHERE c.person_id = p.id AND (c.sealed_at IS NOT NULL OR c.expunged_at IS NOT NULL))
              OR EXISTS (SELECT FROM cases c
                          WHERE c.person_id = p.id AND c.sealed_at IS NULL AND c.expunged_at IS NULL))
       ORDER BY same_nid DESC, same_dob DESC, score DESC, p.id
       LIMIT ${q.limit}`);
    return rowsOf<{
      id: string;
      score: number | string;
      same_dob: boolean;
      same_nid: boolean;
      birth_year: number | null;
    }>(result).map((r) => ({
      id: r.id,
      score: Math.round(Number(r.score) * 1000) / 1000,
      sameDob: r.same_dob,
      sameNationalId: r.same_nid,
      birthYear: r.birth_year,
    }));
  },

  /** Whether a record has a sealed or expunged case (a merge would move or join sealed records). */
  async hasSealedCase(tx: Executor, personId: string): Promise<boolean> {
    const [row] = await tx
      .select({ id: cases.id })
      .from(cases)
      .where(
        and(
          eq(cases.personId, personId),
          sql`(${cases.sealedAt} IS NOT NULL OR ${cases.expungedAt} IS NOT NULL)`,
        ),
      )
      .limit(1);
    return Boolean(row);
  },

  /** Whether both records have an open custody episode (one child is in one place at a time). */
  async bothInCustody(tx: Executor, a: string, b: string): Promise<boolean> {
    const rows = await tx
      .selectDistinct({ personId: custodyEpisodes.personId })
      .from(custodyEpisodes)
      .where(and(inArray(custodyEpisodes.personId, [a, b]), isNull(custodyEpisodes.releasedAt)));
    return rows.length === 2;
  },

  /**
   * Merges `merged` into `survivor` (both locked by the caller, versions checked): the merged record
   * becomes a redirect (merged_into, one version more, its national identity number handed to the
   * survivor if it had none), and its cases, custody episodes, consents and records move to the
   * survivor. Returns the survivor as it is after the merge and the ids of the cases moved.
   */
  async merge(
    tx: Executor,
    merged: PersonRow,
    survivor: PersonRow,
    at: Date,
  ): Promise<{ survivor: PersonRow; movedCaseIds: string[] }> {
    changedAtVersion(
      await tx
        .update(persons)
        .set({ mergedInto: survivor.id, mergedAt: at, nationalId: null, version: merged.version + 1 })
        .where(and(eq(persons.id, merged.id), eq(persons.version, merged.version)))
        .returning(),
    );
    const moved = await tx
      .update(cases)
      .set({ personId: survivor.id, version: sql`${cases.version} + 1`, updatedAt: at })
      .where(eq(cases.personId, merged.id))
      .returning({ id: cases.id });
    await tx
      .update(custodyEpisodes)
      .set({ personId: survivor.id })
      .where(eq(custodyEpisodes.personId, merged.id));
    await tx.update(consents).set({ personId: survivor.id }).where(eq(consents.personId, merged.id));
    await tx.update(records).set({ personId: survivor.id }).where(eq(records.personId, merged.id));
    const after = changedAtVersion(
      await tx
        .update(persons)
        .set({ nationalId: survivor.nationalId ?? merged.nationalId, version: survivor.version + 1 })
        .where(and(eq(persons.id, survivor.id), eq(persons.version, survivor.version)))
        .returning(),
    );
    return { survivor: after, movedCaseIds: moved.map((r) => r.id) };
  },
};

/** The least trigram similarity of the full keys for a candidate found by its date of birth alone. */
export const MATCH_DOB_SIMILARITY = 0.3;
