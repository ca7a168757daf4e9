import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';

/**
 * requested: the child needs a lawyer and nobody is named yet (asked by the clerk, by the child, or
 * at intake of a detained child); assigned: waiting for the lawyer (or, when only an organisation is
 * named, for one of its lawyers); accepted: the lawyer is related to the case; declined, withdrawn,
 * completed: nobody is any more.
 */
export const LEGAL_AID_STATUSES = [
  'requested',
  'assigned',
  'accepted',
  'declined',
  'withdrawn',
  'completed',
] as const;
export type LegalAidStatus = (typeof LEGAL_AID_STATUSES)[number];
export const OPEN_LEGAL_AID_STATUSES = ['requested', 'assigned', 'accepted'] as const;

/** Who asked for legal aid: the clerk, the child (through the clerk or the court), or intake of a detained child. */
export const LEGAL_AID_REQUEST_SOURCES = ['clerk', 'child', 'intake_detention'] as const;

export const legalAidAssignments = pgTable(
  'legal_aid_assignments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    /** The lawyer (staff directory `sub`); null while the assignment waits at an organisation. */
    lawyerSub: text('lawyer_sub'),
    /** Null while only requested. */
    legalAidOrgId: text('legal_aid_org_id'),
    status: text('status', { enum: LEGAL_AID_STATUSES }).notNull().default('assigned'),
    requestSource: text('request_source', { enum: LEGAL_AID_REQUEST_SOURCES }).notNull().default('clerk'),
    requestedBy: text('requested_by').notNull(),
    /** When legal aid was asked for; `assignedAt - requestedAt` is the wait the indicators measure. */
    requestedAt: timestamp('requested_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    assignedBy: text('assigned_by'),
    assignedAt: timestamp('assigned_at', { withTimezone: true, precision: 3 }),
    respondedAt: timestamp('responded_at', { withTimezone: true, precision: 3 }),
    endedAt: timestamp('ended_at', { withTimezone: true, precision: 3 }),
    endReason: text('end_reason'),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('legal_aid_case_idx').on(t.caseId, t.status),
    index('legal_aid_lawyer_idx').on(t.lawyerSub, t.status),
    index('legal_aid_org_idx').on(t.legalAidOrgId, t.status),
  ],
);
