import { boolean, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { persons } from './persons.js';

/** Who gave the consent: the child (from CONSENT_AGE), a registered guardian, or a court order. */
export const CONSENT_GRANTORS = ['child', 'guardian', 'court_order'] as const;
export type ConsentGrantor = (typeof CONSENT_GRANTORS)[number];

/** Whom a consent or a court order opens sensitive records to (SPEC 4.3). */
export const GRANTEE_TYPES = ['role', 'organization', 'person'] as const;
export type GranteeType = (typeof GRANTEE_TYPES)[number];

/**
 * A consent to disclose a child's sensitive records: scoped by categories, purposes of use, one
 * grantee and a validity period; revocable. The access decision reads these rows on every request,
 * so revocation and expiry take effect on the very next one. `grantorName` and `evidenceRef` are
 * erased by expungement; the rest holds no personal data.
 */
export const consents = pgTable(
  'consents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    personId: uuid('person_id')
      .notNull()
      .references(() => persons.id),
    grantorKind: text('grantor_kind', { enum: CONSENT_GRANTORS }).notNull(),
    /** The guardian's name as registered on the child's record (guardian grantor only). */
    grantorName: text('grantor_name'),
    /** The order's reference (court_order grantor only). */
    courtOrderRef: text('court_order_ref'),
    granteeType: text('grantee_type', { enum: GRANTEE_TYPES }).notNull(),
    granteeValue: text('grantee_value').notNull(),
    categories: text('categories').array().notNull(),
    purposes: text('purposes').array().notNull(),
    validFrom: timestamp('valid_from', { withTimezone: true, precision: 3 }).notNull(),
    validUntil: timestamp('valid_until', { withTimezone: true, precision: 3 }),
    /** Where the signed form or the recording is kept. */
    evidenceRef: text('evidence_ref'),
    recordedBy: text('recorded_by').notNull(),
    recordedByOrg: text('recorded_by_org'),
    /**
     * Issue 8: a consent that opens content to the person recording it (the grantee covers the
     * recorder) opens nothing until a second person confirms it.
     */
    needsConfirmation: boolean('needs_confirmation').notNull().default(false),
    confirmedBy: text('confirmed_by'),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true, precision: 3 }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
    revokedBy: text('revoked_by'),
    version: integer('version').notNull().default(1),
  },
  (t) => [index('consents_person_idx').on(t.personId, t.createdAt)],
);
