import { boolean, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';
import { custodyEpisodes } from './custody.js';

/** What a place of detention is (UNODC/UNICEF indicators 7, 12, 13 are counted per facility). */
export const FACILITY_KINDS = [
  'police_station',
  'pre_trial_centre',
  'juvenile_detention_centre',
  'correctional_institution',
  'other',
] as const;

/**
 * The registry of places where children are detained. No personal data: these rows are shown to
 * every professional role and counted by the indicators.
 */
export const facilities = pgTable(
  'facilities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    kind: text('kind', { enum: FACILITY_KINDS }).notNull(),
    region: text('region').notNull(),
    /** Children are wholly separated from adults (indicator 7). */
    separatedFromAdults: boolean('separated_from_adults').notNull(),
    /** A complaints mechanism operates for the children held there (indicator 13). */
    complaintsMechanism: boolean('complaints_mechanism').notNull(),
    capacity: integer('capacity'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('facilities_region_idx').on(t.region, t.name)],
);

export const VISITOR_RELATIONSHIPS = ['parent', 'guardian', 'sibling', 'other_family'] as const;

/** A visit of the family to a detained child (indicator 8). The visitor is named by relationship only. */
export const familyVisits = pgTable(
  'family_visits',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    custodyEpisodeId: uuid('custody_episode_id')
      .notNull()
      .references(() => custodyEpisodes.id),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull(),
    visitorRelationship: text('visitor_relationship', { enum: VISITOR_RELATIONSHIPS }).notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('family_visits_episode_idx').on(t.custodyEpisodeId, t.occurredAt, t.id)],
);

export const INCIDENT_KINDS = [
  'death',
  'self_harm',
  'injury',
  'violence',
  'use_of_force',
  'isolation',
  'other',
] as const;

/**
 * Something that happened in a facility: to a child (custody episode named) or to the facility as a
 * whole. Deaths in custody are indicator 6. `notes` is free text, erased by expungement.
 */
export const custodyIncidents = pgTable(
  'custody_incidents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    facilityId: uuid('facility_id')
      .notNull()
      .references(() => facilities.id),
    custodyEpisodeId: uuid('custody_episode_id').references(() => custodyEpisodes.id),
    caseId: uuid('case_id').references(() => cases.id),
    kind: text('kind', { enum: INCIDENT_KINDS }).notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull(),
    notes: text('notes'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('custody_incidents_facility_idx').on(t.facilityId, t.occurredAt, t.id),
    index('custody_incidents_episode_idx').on(t.custodyEpisodeId),
  ],
);

/** An inspection of a facility (indicator 12: regular independent inspections). */
export const facilityInspections = pgTable(
  'facility_inspections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    facilityId: uuid('facility_id')
      .notNull()
      .references(() => facilities.id),
    /** An inspection that looked at one child's detention in particular (a monitor's visit). */
    custodyEpisodeId: uuid('custody_episode_id').references(() => custodyEpisodes.id),
    inspectedAt: timestamp('inspected_at', { withTimezone: true, precision: 3 }).notNull(),
    inspectorBody: text('inspector_body').notNull(),
    /** Carried out by a body independent of the facility's administration. */
    independent: boolean('independent').notNull(),
    findings: text('findings'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('facility_inspections_idx').on(t.facilityId, t.inspectedAt, t.id)],
);
