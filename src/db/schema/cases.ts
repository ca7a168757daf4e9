import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { persons } from './persons.js';

export const CASE_STAGES = [
  'intake',
  'diversion',
  'pre_trial',
  'adjudication',
  'disposition',
  'supervision',
  'closed',
] as const;
export type CaseStage = (typeof CASE_STAGES)[number];

export const INTAKE_KINDS = ['arrest', 'referral'] as const;
export const INTAKE_STATUSES = ['accepted', 'pending_acceptance'] as const;

/**
 * A case belongs to one child and is owned by one court (its clerks and judges are related to it).
 * The referring organisation is the partner that submitted it.
 */
export const cases = pgTable(
  'cases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    personId: uuid('person_id')
      .notNull()
      .references(() => persons.id),
    courtOrgId: text('court_org_id').notNull(),
    referringOrgId: text('referring_org_id'),
    referringSub: text('referring_sub'),
    /** The prosecution office the case is referred to; its prosecutors are related to the case. */
    prosecutionOrgId: text('prosecution_org_id'),
    stage: text('stage', { enum: CASE_STAGES }).notNull().default('intake'),
    intakeKind: text('intake_kind', { enum: INTAKE_KINDS }).notNull(),
    offenceDate: timestamp('offence_date', { withTimezone: true, precision: 3 }).notNull(),
    intakeAt: timestamp('intake_at', { withTimezone: true, precision: 3 }).notNull(),
    agency: text('agency').notNull(),
    location: text('location'),
    detained: boolean('detained').notNull().default(false),
    guardiansNotifiedAt: timestamp('guardians_notified_at', { withTimezone: true, precision: 3 }),
    ageAtOffence: integer('age_at_offence').notNull(),
    region: text('region'),
    /**
     * Issue 8.5: a case opened on a child another court holds an open case for waits for the intake
     * rules to accept it; until then its court sees only the child's identity (src/access/decide.ts).
     */
    intakeStatus: text('intake_status', { enum: INTAKE_STATUSES }).notNull().default('accepted'),
    intakeAcceptedBy: text('intake_accepted_by'),
    intakeAcceptedAt: timestamp('intake_accepted_at', { withTimezone: true, precision: 3 }),
    closedReason: text('closed_reason'),
    closedAt: timestamp('closed_at', { withTimezone: true, precision: 3 }),
    sealedAt: timestamp('sealed_at', { withTimezone: true, precision: 3 }),
    sealedOrderRef: text('sealed_order_ref'),
    expungedAt: timestamp('expunged_at', { withTimezone: true, precision: 3 }),
    createdBy: text('created_by').notNull(),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('cases_person_idx').on(t.personId),
    // The children with a sealed or expunged case (few): the match's visibility condition probes
    // this first, and reads a child's other cases only when it finds one (persons repository, matches).
    index('cases_closed_person_idx')
      .on(t.personId)
      .where(sql`${t.sealedAt} IS NOT NULL OR ${t.expungedAt} IS NOT NULL`),
    index('cases_court_idx').on(t.courtOrgId, t.createdAt, t.id),
  ],
);

export const charges = pgTable(
  'charges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    code: text('code').notNull(),
    description: text('description').notNull(),
    position: integer('position').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>(),
    /** A withdrawn charge stays on the record (with its correction history) but is no longer decided. */
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [index('charges_case_idx').on(t.caseId, t.position)],
);

/** What can happen to a case: the kinds of its timeline entries (a closed set; the type system holds every writer to it). */
export const CASE_EVENT_KINDS = [
  // intake
  'arrest',
  'referral',
  'intake_accepted',
  'intake_accepted_elsewhere',
  'cross_court_registration',
  'child_registered_elsewhere',
  'case_corrected',
  'child_corrected',
  'child_records_merged',
  // the stage machine's events (src/modules/cases/stages.ts, STAGE_EVENTS)
  'custody_recorded',
  'legal_aid_recorded',
  'social_work_recorded',
  'diversion_proposed',
  'diversion_accepted',
  'diversion_declined',
  'diversion_started',
  'diversion_condition_recorded',
  'diversion_completed',
  'diversion_failed',
  'hearing_scheduled',
  'hearing_held',
  'hearing_adjourned',
  'hearing_cancelled',
  'disposition_recorded',
  'supervision_started',
  'supervision_recorded',
  'supervision_revoked',
  'transfer_recorded',
  'referral_recorded',
  'case_closed',
  // what the modules record along the path
  'custody_started',
  'custody_ended',
  'custody_incident',
  'family_visit',
  'legal_aid_requested',
  'legal_aid_assigned',
  'legal_aid_accepted',
  'legal_aid_declined',
  'legal_aid_withdrawn',
  'legal_aid_completed',
  'diversion_condition_done',
  'diversion_condition_not_done',
  'diversion_condition_waived',
  'social_worker_assigned',
  'social_worker_assignment_ended',
  'vulnerability_assessment_recorded',
  'service_referral_recorded',
  'supervision_completed',
  'supervision_revocation_requested',
  'supervision_contact',
  'supervision_violation',
  'supervision_progress_note',
  'supervision_condition',
  'referral_sent',
  'referral_accepted',
  'referral_declined',
  'referral_in_progress',
  'referral_completed',
  'referral_withdrawn',
  'case_transfer_sent',
  'case_transfer_accepted',
  'case_transfer_declined',
  'case_transfer_in_progress',
  'case_transfer_completed',
  'case_transfer_withdrawn',
  'supervision_transfer_sent',
  'supervision_transfer_accepted',
  'supervision_transfer_declined',
  'supervision_transfer_in_progress',
  'supervision_transfer_completed',
  'supervision_transfer_withdrawn',
  // records, orders, emergency access, sealing
  'record_added',
  'court_order_recorded',
  'court_order_revoked',
  'break_glass_opened',
  'sealed',
] as const;
export type CaseEventKind = (typeof CASE_EVENT_KINDS)[number];

/**
 * One row per thing that happened to a case: the source of the timeline. Modules append here in
 * the same transaction as their change; `category` marks sensitive events so that the timeline
 * can withhold them with the same rules as records.
 */
export const caseEvents = pgTable(
  'case_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    kind: text('kind', { enum: CASE_EVENT_KINDS }).notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    actorSub: text('actor_sub').notNull(),
    actorRole: text('actor_role').notNull(),
    summary: text('summary').notNull(),
    category: text('category'),
    resourceType: text('resource_type'),
    resourceId: uuid('resource_id'),
    recordedAt: timestamp('recorded_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** Insertion order: breaks ties between events of one transaction (same occurredAt and recordedAt). */
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
  },
  (t) => [
    index('case_events_case_idx').on(t.caseId, t.occurredAt, t.id),
    index('case_events_timeline_idx').on(t.caseId, t.occurredAt, t.recordedAt, t.seq),
  ],
);
