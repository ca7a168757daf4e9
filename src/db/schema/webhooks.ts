import { bigint, index, integer, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

export const WEBHOOK_STATUSES = ['active', 'paused'] as const;
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'dropped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * A partner's subscription to its event feed, delivered by POST to `url` (Standard Webhooks).
 * The owner's identity is kept as the token proved it, so that every delivery is checked against
 * what that caller may see at delivery time. `cursor_*` is the feed position already fanned out.
 */
export const webhookSubscriptions = pgTable(
  'webhook_subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerSub: text('owner_sub').notNull(),
    ownerOrg: text('owner_org'),
    ownerClientId: text('owner_client_id'),
    ownerRoles: text('owner_roles').array().notNull(),
    ownerScopes: text('owner_scopes').array().notNull(),
    url: text('url').notNull(),
    /** Event types to deliver; empty: all. */
    types: text('types').array().notNull(),
    status: text('status', { enum: WEBHOOK_STATUSES }).notNull().default('active'),
    /** The signing secret (`whsec_` + base64 key); the previous one still signs until it expires. */
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true, precision: 3 }),
    cursorTxid: bigint('cursor_txid', { mode: 'bigint' }).notNull(),
    cursorSeq: bigint('cursor_seq', { mode: 'number' }).notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('webhook_subscriptions_owner_idx').on(t.ownerSub, t.createdAt, t.id)],
);

/**
 * One message per (subscription, event), persisted before it is sent: its id is the
 * `webhook-id` of every attempt. A worker claims due rows with SKIP LOCKED and a lease, so
 * instances never send the same message at once; a lease that runs out (an instance died
 * mid-send) makes the row due again.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => webhookSubscriptions.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').notNull(),
    eventType: text('event_type').notNull(),
    /** The thin event as sent (ids and type only). */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    leaseUntil: timestamp('lease_until', { withTimezone: true, precision: 3 }),
    /** Retries end this long after the first attempt was due (reset by a replay). */
    retryFrom: timestamp('retry_from', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, precision: 3 }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    unique('webhook_deliveries_once').on(t.subscriptionId, t.eventId),
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_log_idx').on(t.subscriptionId, t.createdAt, t.id),
  ],
);
