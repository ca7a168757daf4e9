import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';
import { hearings } from './hearings.js';

export const DISPOSITION_OUTCOMES = [
  'dismissed',
  'warning',
  'diversion',
  'community_service',
  'probation',
  'custodial',
  'other',
] as const;
export type DispositionOutcome = (typeof DISPOSITION_OUTCOMES)[number];

export type ChargeOutcome = { chargeId: string; outcome: DispositionOutcome };

/** The court's decision on a case; `chargeOutcomes` lists only charges decided differently. */
export const dispositions = pgTable(
  'dispositions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    hearingId: uuid('hearing_id').references(() => hearings.id),
    outcome: text('outcome', { enum: DISPOSITION_OUTCOMES }).notNull(),
    chargeOutcomes: jsonb('charge_outcomes').$type<ChargeOutcome[]>().notNull().default([]),
    decidedAt: timestamp('decided_at', { withTimezone: true, precision: 3 }).notNull(),
    termMonths: integer('term_months'),
    notes: text('notes'),
    createdBy: text('created_by').notNull(),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('dispositions_case_idx').on(t.caseId, t.decidedAt)],
);
