import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';
import { persons } from './persons.js';

export const CORRECTED_RESOURCES = ['case', 'person'] as const;
export type CorrectedResource = (typeof CORRECTED_RESOURCES)[number];

/**
 * The history of corrections: one row per field changed, with the value it replaced. Nothing on a
 * case or a child is edited in place without a row here, written in the same transaction as the
 * change and its audit row (whose request id it repeats). `field` is the resource's field name, or
 * `charges.<chargeId>` (added: old null; withdrawn: new null) and `charges.<chargeId>.<field>` for
 * a charge amended. Values and reason are personal data: expungement erases them.
 */
export const corrections = pgTable(
  'corrections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    resourceType: text('resource_type', { enum: CORRECTED_RESOURCES }).notNull(),
    resourceId: uuid('resource_id').notNull(),
    /** The case corrected; null for a child's details (they belong to every case of the child). */
    caseId: uuid('case_id').references(() => cases.id),
    personId: uuid('person_id')
      .notNull()
      .references(() => persons.id),
    field: text('field').notNull(),
    oldValue: jsonb('old_value').$type<unknown>(),
    newValue: jsonb('new_value').$type<unknown>(),
    reason: text('reason').notNull(),
    actorSub: text('actor_sub').notNull(),
    actorRole: text('actor_role').notNull(),
    requestId: text('request_id').notNull(),
    correctedAt: timestamp('corrected_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('corrections_case_idx').on(t.caseId, t.correctedAt, t.id),
    index('corrections_person_idx').on(t.personId, t.correctedAt, t.id),
  ],
);
