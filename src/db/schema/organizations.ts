import { boolean, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const ORGANIZATION_KINDS = [
  'court',
  'police',
  'prosecution',
  'legal_aid',
  'probation',
  'social_services',
  'statistics',
  'oversight',
  'other',
] as const;

/** Organisations are named by the stable id that tokens carry in their `org` claim. */
export const organizations = pgTable('organizations', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind', { enum: ORGANIZATION_KINDS }).notNull(),
  region: text('region'),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/** The staff directory: who a token's `sub` is, where they work, and whether they are specialised. */
export const staff = pgTable(
  'staff',
  {
    sub: text('sub').primaryKey(),
    displayName: text('display_name').notNull(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    roles: text('roles').array().notNull(),
    juvenileSpecialised: boolean('juvenile_specialised').notNull().default(false),
    active: boolean('active').notNull().default(true),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('staff_org_idx').on(t.orgId)],
);
