import { boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';

export const HEARING_STATUSES = ['scheduled', 'held', 'adjourned', 'cancelled'] as const;
export type HearingStatus = (typeof HEARING_STATUSES)[number];

/** An adjourned hearing stays as it was and points at the hearing that replaces it. */
export const hearings = pgTable(
  'hearings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    purpose: text('purpose').notNull(),
    scheduledAt: timestamp('scheduled_at', { withTimezone: true, precision: 3 }).notNull(),
    /** When the hearing was set down (the scheduling decision), as reported; a hold may not precede it. */
    listedAt: timestamp('listed_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    location: text('location'),
    childFriendlyCourtroom: boolean('child_friendly_courtroom').notNull().default(false),
    status: text('status', { enum: HEARING_STATUSES }).notNull().default('scheduled'),
    heldAt: timestamp('held_at', { withTimezone: true, precision: 3 }),
    outcome: text('outcome'),
    attendees: jsonb('attendees').$type<string[]>().notNull().default([]),
    adjournedToId: uuid('adjourned_to_id'),
    adjournedFromId: uuid('adjourned_from_id'),
    reason: text('reason'),
    createdBy: text('created_by').notNull(),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('hearings_case_idx').on(t.caseId, t.scheduledAt)],
);
