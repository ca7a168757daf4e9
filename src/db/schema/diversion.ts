import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';

export const DIVERSION_STATUSES = [
  'proposed',
  'accepted',
  'declined',
  'in_progress',
  'completed',
  'failed',
] as const;
export type DiversionStatus = (typeof DIVERSION_STATUSES)[number];

/** A programme offered instead of the court path; completing it closes the case as diverted. */
export const diversions = pgTable(
  'diversions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    status: text('status', { enum: DIVERSION_STATUSES }).notNull().default('proposed'),
    provider: text('provider').notNull(),
    conditions: jsonb('conditions').$type<string[]>().notNull().default([]),
    proposedBy: text('proposed_by').notNull(),
    proposedByRole: text('proposed_by_role').notNull(),
    /** When the programme was offered, as reported; acceptance may not precede it. */
    proposedAt: timestamp('proposed_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    decidedAt: timestamp('decided_at', { withTimezone: true, precision: 3 }),
    startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }),
    endedAt: timestamp('ended_at', { withTimezone: true, precision: 3 }),
    outcomeNote: text('outcome_note'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('diversions_case_idx').on(t.caseId, t.createdAt)],
);
