import { date, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
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

export const CONDITION_KINDS = [
  'community_work',
  'schooling',
  'counselling',
  'restorative_meeting',
  'apology',
  'other',
] as const;
export type ConditionKind = (typeof CONDITION_KINDS)[number];

/** pending until recorded; not_done may still become done or waived; done and waived are final. */
export const CONDITION_STATUSES = ['pending', 'done', 'not_done', 'waived'] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];

/**
 * One condition of a diversion programme, tracked to done, not done or waived (by the prosecutor,
 * with a reason), each with the date it happened. Completion needs every one done or waived.
 */
export const diversionConditions = pgTable(
  'diversion_conditions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    diversionId: uuid('diversion_id')
      .notNull()
      .references(() => diversions.id),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    position: integer('position').notNull(),
    kind: text('kind', { enum: CONDITION_KINDS }).notNull(),
    description: text('description').notNull(),
    /** Community work: the hours ordered. */
    hours: integer('hours'),
    dueOn: date('due_on', { mode: 'string' }),
    /** Restorative meeting: when the victim consented to it (required before it is done). */
    victimConsentedAt: timestamp('victim_consented_at', { withTimezone: true, precision: 3 }),
    status: text('status', { enum: CONDITION_STATUSES }).notNull().default('pending'),
    /** When the status was reached in the world (done on, found not done on, waived on). */
    statusAt: timestamp('status_at', { withTimezone: true, precision: 3 }),
    /** Reason for not done or waived; an optional note for done. */
    note: text('note'),
    recordedBy: text('recorded_by'),
    recordedByRole: text('recorded_by_role'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('diversion_conditions_diversion_idx').on(t.diversionId, t.position)],
);
