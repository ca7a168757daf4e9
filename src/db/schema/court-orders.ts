import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';
import type { GranteeType } from './consents.js';

export type OrderGrantee = { type: GranteeType; value: string };

/**
 * A court order recorded on a case that stands in for consent (SPEC 4.3): it opens the listed
 * categories, for the listed purposes, to the listed grantees, for its period.
 */
export const courtOrders = pgTable(
  'court_orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    reference: text('reference').notNull(),
    issuingCourtOrgId: text('issuing_court_org_id').notNull(),
    categories: text('categories').array().notNull(),
    purposes: text('purposes').array().notNull(),
    grantees: jsonb('grantees').$type<OrderGrantee[]>().notNull(),
    validFrom: timestamp('valid_from', { withTimezone: true, precision: 3 }).notNull(),
    validUntil: timestamp('valid_until', { withTimezone: true, precision: 3 }),
    recordedBy: text('recorded_by').notNull(),
    /** Revoked by its issuing court: it no longer stands in for consent from that moment. */
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
    revokedBy: text('revoked_by'),
    revocationReason: text('revocation_reason'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('court_orders_case_idx').on(t.caseId, t.createdAt)],
);
