import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';
import { persons } from './persons.js';

/** Categories of sensitive content (SPEC 4.3): reading any of them needs consent or a court order. */
export const SENSITIVE_CATEGORIES = [
  'health',
  'mental_health',
  'substance_use',
  'sexual_abuse',
  'family_social',
  'education',
  'victim_identity',
] as const;
export type SensitiveCategory = (typeof SENSITIVE_CATEGORIES)[number];

/** What a record is: a plain sensitive record, or one of the social services' own kinds. */
export const RECORD_KINDS = ['record', 'vulnerability_assessment', 'service_referral'] as const;

/**
 * Sensitive records of a case. Every row carries its category so that the access module can gate
 * it; social services assessments and referrals are records too (kind), never a separate store.
 * Content and details are erased by expungement; the row (id, category, times) stays as a tombstone.
 */
export const records = pgTable(
  'records',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    personId: uuid('person_id')
      .notNull()
      .references(() => persons.id),
    category: text('category', { enum: SENSITIVE_CATEGORIES }).notNull(),
    kind: text('kind', { enum: RECORD_KINDS }).notNull().default('record'),
    title: text('title'),
    content: text('content'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    createdBy: text('created_by').notNull(),
    createdByRole: text('created_by_role').notNull(),
    /** When the assessment or referral was made in the world (issue 14); null: when it was recorded. */
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    expungedAt: timestamp('expunged_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [index('records_case_idx').on(t.caseId, t.createdAt), index('records_person_idx').on(t.personId)],
);
