import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
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
