import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';

/**
 * Alerts themselves are never stored: GET /v1/alerts computes them from the case data at the
 * database clock (src/modules/alerts). What is stored is who acknowledged one occurrence of an
 * alert (rule, subject, the time its clock started) and why, so that a new occurrence of the same
 * rule on the same subject shows up again. The note is free text: expungement erases it.
 */
export const alertAcknowledgements = pgTable(
  'alert_acknowledgements',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    rule: text('rule').notNull(),
    subjectId: uuid('subject_id').notNull(),
    since: timestamp('since', { withTimezone: true, precision: 3 }).notNull(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    note: text('note'),
    acknowledgedBy: text('acknowledged_by').notNull(),
    acknowledgedByRole: text('acknowledged_by_role').notNull(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('alert_ack_subject_idx').on(t.rule, t.subjectId, t.since, t.acknowledgedAt),
    index('alert_ack_case_idx').on(t.caseId),
  ],
);

/**
 * What the alert watcher last saw (src/modules/alerts/watcher.ts): one row per occurrence it raised
 * as an `alert.raised` event, closed with `cleared_at` when it wrote `alert.cleared`. Only the
 * events depend on it; GET /v1/alerts never reads it.
 */
export const alertStates = pgTable(
  'alert_states',
  {
    rule: text('rule').notNull(),
    caseId: uuid('case_id').notNull(),
    subjectId: uuid('subject_id').notNull(),
    since: timestamp('since', { withTimezone: true, precision: 3 }).notNull(),
    raisedAt: timestamp('raised_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    clearedAt: timestamp('cleared_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    uniqueIndex('alert_states_open_idx')
      .on(t.rule, t.caseId, t.subjectId, t.since)
      .where(sql`${t.clearedAt} is null`),
  ],
);
