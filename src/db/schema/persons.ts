import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const SEXES = ['female', 'male', 'other', 'unknown'] as const;

export type Guardian = { name: string; relationship: string; contact?: string };

/**
 * A child, registered once. Personal fields are nullable so that expungement can erase them and
 * leave a tombstone (the id, the expungement time) that keeps de-identified statistics whole.
 */
export const persons = pgTable(
  'persons',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    givenName: text('given_name'),
    familyName: text('family_name'),
    dateOfBirth: date('date_of_birth', { mode: 'string' }),
    sex: text('sex', { enum: SEXES }).notNull().default('unknown'),
    region: text('region'),
    guardians: jsonb('guardians').$type<Guardian[]>().notNull().default([]),
    createdBy: text('created_by').notNull(),
    createdByOrg: text('created_by_org'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    expungedAt: timestamp('expunged_at', { withTimezone: true, precision: 3 }),
    /**
     * The matching keys of the names (src/lib/name-key.ts): kept by the repository on every insert
     * and correction, erased with the names, backfilled by migration 0023.
     */
    givenKey: text('given_key'),
    familyKey: text('family_key'),
    /** The national identity number (Azerbaijani FIN), when known: an exact match key. */
    nationalId: text('national_id'),
    /** Merged into another record of the same child: this one is a redirect to it. */
    mergedInto: uuid('merged_into').references((): AnyPgColumn => persons.id),
    mergedAt: timestamp('merged_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    index('persons_dob_idx').on(t.dateOfBirth),
    // The blocking keys of the match (persons repository, matches): the family name's key, the
    // date of birth (above) and the national identity number, among live records only.
    index('persons_family_key_idx')
      .on(t.familyKey, t.dateOfBirth)
      .where(sql`${t.expungedAt} IS NULL AND ${t.mergedInto} IS NULL`),
    // The date-of-birth block, narrowed by the family key's first letter (a typo elsewhere in the
    // family name is still found; src/modules/persons/repository.ts, matches).
    index('persons_dob_initial_idx')
      .on(t.dateOfBirth, sql`left(${t.familyKey}, 1)`)
      .where(sql`${t.expungedAt} IS NULL AND ${t.mergedInto} IS NULL`),
    uniqueIndex('persons_national_id_live_idx')
      .on(t.nationalId)
      .where(sql`${t.expungedAt} IS NULL AND ${t.mergedInto} IS NULL`),
  ],
);
