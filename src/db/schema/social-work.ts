import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';

export const SOCIAL_WORK_STATUSES = ['active', 'ended'] as const;

/** The social worker the court assigns to a case; related to it while active. */
export const socialWorkAssignments = pgTable(
  'social_work_assignments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    socialWorkerSub: text('social_worker_sub').notNull(),
    orgId: text('org_id').notNull(),
    status: text('status', { enum: SOCIAL_WORK_STATUSES }).notNull().default('active'),
    assignedBy: text('assigned_by').notNull(),
    /** When the assignment began in the world (true dates, issue 14); default the database clock. */
    assignedAt: timestamp('assigned_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true, precision: 3 }),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('social_work_case_idx').on(t.caseId, t.status),
    index('social_work_worker_idx').on(t.socialWorkerSub, t.status),
  ],
);
