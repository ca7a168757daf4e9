import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';
import { supervisions } from './supervision.js';

/**
 * What one organisation hands to another about a case: the case itself (to another court), a
 * supervision (to another probation office), or a social-services referral (to a service provider).
 */
export const HANDOVER_KINDS = ['case_transfer', 'supervision_transfer', 'referral'] as const;
export type HandoverKind = (typeof HANDOVER_KINDS)[number];

/**
 * Transfers: sent -> accepted | declined | withdrawn. Referrals: sent -> accepted | declined |
 * withdrawn; accepted -> in_progress -> completed (with an outcome). Withdrawn: by the sending side
 * while still pending (its time, author and reason in respondedAt, respondedBy, responseNote).
 */
export const HANDOVER_STATUSES = [
  'sent',
  'accepted',
  'declined',
  'in_progress',
  'completed',
  'withdrawn',
] as const;
export type HandoverStatus = (typeof HANDOVER_STATUSES)[number];

/** While a handover is in one of these, its receiving organisation is related to it (src/access/facts.ts). */
export const RECEIVING_STATUSES: Record<HandoverKind, readonly HandoverStatus[]> = {
  case_transfer: ['sent'],
  supervision_transfer: ['sent'],
  referral: ['sent', 'accepted', 'in_progress'],
};

export const handovers = pgTable(
  'handovers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: HANDOVER_KINDS }).notNull(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    supervisionId: uuid('supervision_id').references(() => supervisions.id),
    fromOrgId: text('from_org_id').notNull(),
    toOrgId: text('to_org_id').notNull(),
    status: text('status', { enum: HANDOVER_STATUSES }).notNull().default('sent'),
    /** Why it is sent (transfers) or what is asked (referrals: the service). */
    reason: text('reason').notNull(),
    /** Referrals: the sensitive category the referral belongs to (its content is disclosed as records are). */
    category: text('category'),
    /** The receiving side's answer: a decline reason, an acceptance note, a referral's outcome. */
    responseNote: text('response_note'),
    outcome: text('outcome'),
    sentBy: text('sent_by').notNull(),
    sentByRole: text('sent_by_role').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true, precision: 3 }).notNull(),
    respondedBy: text('responded_by'),
    respondedAt: timestamp('responded_at', { withTimezone: true, precision: 3 }),
    startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }),
    completedAt: timestamp('completed_at', { withTimezone: true, precision: 3 }),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('handovers_case_idx').on(t.caseId, t.status),
    index('handovers_to_org_idx').on(t.toOrgId, t.kind, t.status, t.createdAt),
  ],
);
