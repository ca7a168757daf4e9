import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const PARTNER_KINDS = [
  'police',
  'prosecution',
  'court',
  'probation',
  'social_services',
  'statistics_office',
] as const;
export type PartnerKind = (typeof PARTNER_KINDS)[number];

/**
 * The partner systems allowed to call the API (SPEC 3: admins manage partner clients). A
 * `partner_system` token must name a registered `client_id`, act for the client's organisation and
 * ask only for scopes the client is allowed; anything else is refused at authentication.
 */
export const partnerClients = pgTable('partner_clients', {
  clientId: text('client_id').primaryKey(),
  orgId: text('org_id').notNull(),
  kind: text('kind', { enum: PARTNER_KINDS }).notNull(),
  allowedScopes: text('allowed_scopes').array().notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});
