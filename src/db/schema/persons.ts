import { sql } from 'drizzle-orm';
import { date, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

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
  },
  (t) => [
    index('persons_name_trgm_idx').using(
      'gin',
      sql`(coalesce(${t.givenName}, '') || ' ' || coalesce(${t.familyName}, '')) gin_trgm_ops`,
    ),
    index('persons_dob_idx').on(t.dateOfBirth),
  ],
);
