import { date, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';
import { dispositions } from './dispositions.js';

/** active and revocation_requested keep the officer related to the case; completed and revoked end it. */
export const SUPERVISION_STATUSES = ['active', 'revocation_requested', 'completed', 'revoked'] as const;
export type SupervisionStatus = (typeof SUPERVISION_STATUSES)[number];
export const ACTIVE_SUPERVISION_STATUSES: SupervisionStatus[] = ['active', 'revocation_requested'];

export const supervisions = pgTable(
  'supervisions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    dispositionId: uuid('disposition_id').references(() => dispositions.id),
    officerSub: text('officer_sub').notNull(),
    officerOrgId: text('officer_org_id').notNull(),
    startsOn: date('starts_on', { mode: 'string' }).notNull(),
    endsOn: date('ends_on', { mode: 'string' }).notNull(),
    conditions: jsonb('conditions').$type<string[]>().notNull().default([]),
    status: text('status', { enum: SUPERVISION_STATUSES }).notNull().default('active'),
    endedAt: timestamp('ended_at', { withTimezone: true, precision: 3 }),
    endNote: text('end_note'),
    assignedBy: text('assigned_by').notNull(),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('supervisions_case_idx').on(t.caseId),
    index('supervisions_officer_idx').on(t.officerSub, t.status, t.createdAt),
  ],
);

export const SUPERVISION_ENTRY_KINDS = ['contact', 'violation', 'progress_note', 'condition'] as const;
export const CONTACT_KINDS = [
  'office_visit',
  'home_visit',
  'school_visit',
  'phone',
  'video',
  'other',
] as const;

/** What the officer records during supervision: check-ins, violations, progress notes, added conditions. */
export const supervisionEntries = pgTable(
  'supervision_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    supervisionId: uuid('supervision_id')
      .notNull()
      .references(() => supervisions.id),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    kind: text('kind', { enum: SUPERVISION_ENTRY_KINDS }).notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull(),
    contactKind: text('contact_kind', { enum: CONTACT_KINDS }),
    notes: text('notes').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('supervision_entries_idx').on(t.supervisionId, t.occurredAt, t.id)],
);
