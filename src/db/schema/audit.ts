import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

export const AUDIT_ACTIONS = ['create', 'read', 'update', 'delete', 'execute', 'search'] as const;
export const AUDIT_OUTCOMES = ['allowed', 'denied', 'error'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * One row per access decision and per change (SPEC 5). Written in the transaction of the change it
 * records; the database refuses UPDATE, DELETE and TRUNCATE (see the audit migration). Rows hold
 * ids and categories, never names or free text, so that expungement leaves them intact.
 *
 * Partitioned by month (UTC) on `occurred_at`: the service creates partitions ahead
 * (`audit_ensure_partition`), and an old month can be detached to a signed archive (src/audit/partitions.ts).
 *
 * `txid` is the inserting transaction's id: the sealer chains only rows whose transaction is older
 * than every running one, so a late commit can never be skipped (see src/audit/sealer.ts).
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').notNull().defaultRandom(),
    txid: bigint('txid', { mode: 'bigint' }).notNull().default(sql`(pg_current_xact_id()::text)::bigint`),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    actorSub: text('actor_sub'),
    actorRoles: text('actor_roles').array().notNull().default([]),
    actorOrg: text('actor_org'),
    clientId: text('client_id'),
    action: text('action', { enum: AUDIT_ACTIONS }).notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id'),
    caseId: uuid('case_id'),
    personId: uuid('person_id'),
    categoriesDisclosed: text('categories_disclosed').array().notNull().default([]),
    categoriesWithheld: text('categories_withheld').array().notNull().default([]),
    purpose: text('purpose'),
    basisType: text('basis_type'),
    basisId: text('basis_id'),
    breakGlass: boolean('break_glass').notNull().default(false),
    outcome: text('outcome', { enum: AUDIT_OUTCOMES }).notNull(),
    reason: text('reason'),
    requestId: text('request_id'),
    clientAddress: text('client_address'),
  },
  (t) => [
    // Partitioned by month on occurred_at (migration 0020): the key must be part of the primary key.
    primaryKey({ name: 'audit_events_pkey', columns: [t.id, t.occurredAt] }),
    index('audit_events_txid_idx').on(t.txid, t.id),
    index('audit_events_case_idx').on(t.caseId, t.occurredAt),
    index('audit_events_person_idx').on(t.personId, t.occurredAt),
    index('audit_events_actor_idx').on(t.actorSub, t.occurredAt),
    index('audit_events_time_idx').on(t.occurredAt, t.id),
  ],
);

/**
 * The hash chain, kept beside the events so that both tables stay insert-only:
 * hash = sha256(prev_hash || content_hash), content_hash = sha256(canonical event).
 */
export const auditChain = pgTable('audit_chain', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  eventId: uuid('event_id').notNull().unique(),
  eventTxid: bigint('event_txid', { mode: 'bigint' }).notNull(),
  contentHash: text('content_hash').notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
  sealedAt: timestamp('sealed_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/** Signed statements of the chain head that an outside witness can keep (JWS, compact). */
export const auditCheckpoints = pgTable('audit_checkpoints', {
  id: uuid('id').primaryKey().defaultRandom(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
  jws: text('jws').notNull(),
  keyId: text('key_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/** The sealer's working state; a row lock on it makes a second sealer on another instance wait its turn. */
export const auditSealState = pgTable('audit_seal_state', {
  id: integer('id').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
  lastHash: text('last_hash').notNull(),
  sealedBelowTxid: bigint('sealed_below_txid', { mode: 'bigint' }).notNull().default(sql`0`),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/**
 * Months detached from the live trail to an archive file: the chain positions the archive covers
 * and the signed checkpoint of its last link. Live verification accepts the links of these
 * positions without their rows; the archive is verified against its checkpoint. Append-only.
 */
export const auditArchives = pgTable('audit_archives', {
  month: text('month').primaryKey(),
  partition: text('partition').notNull(),
  firstSeq: bigint('first_seq', { mode: 'number' }).notNull(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
  lastHash: text('last_hash').notNull(),
  rows: integer('rows').notNull(),
  fileSha256: text('file_sha256').notNull(),
  jws: text('jws').notNull(),
  keyId: text('key_id').notNull(),
  archivedAt: timestamp('archived_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});
