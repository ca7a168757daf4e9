import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';
import { facilities } from './facilities.js';
import { persons } from './persons.js';

export const CUSTODY_KINDS = ['pre_trial', 'sentenced'] as const;

/** Support arranged for a child leaving detention (indicator 11). */
export const AFTERCARE_KINDS = [
  'education',
  'employment',
  'housing',
  'family_support',
  'health',
  'mentoring',
  'other',
] as const;

/**
 * A period a child spends detained. The partial unique index makes "one open episode per child"
 * hold even when two requests race, across every case of the child.
 */
export const custodyEpisodes = pgTable(
  'custody_episodes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    personId: uuid('person_id')
      .notNull()
      .references(() => persons.id),
    kind: text('kind', { enum: CUSTODY_KINDS }).notNull(),
    /** The place as written when recorded (kept for compatibility); `facilityId` names it in the registry. */
    facility: text('facility').notNull(),
    facilityId: uuid('facility_id').references(() => facilities.id),
    startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }).notNull(),
    releasedAt: timestamp('released_at', { withTimezone: true, precision: 3 }),
    releaseReason: text('release_reason'),
    /** Recorded at release: whether aftercare was arranged (null: not recorded), and what kind. */
    aftercareProvided: boolean('aftercare_provided'),
    aftercareKind: text('aftercare_kind', { enum: AFTERCARE_KINDS }),
    createdBy: text('created_by').notNull(),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('custody_case_idx').on(t.caseId, t.startedAt),
    uniqueIndex('custody_one_open_per_child').on(t.personId).where(sql`${t.releasedAt} is null`),
  ],
);
