import { index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Idempotency records for POST (SPEC 8), kept in PostgreSQL so that a retry reaching another
 * instance replays the same response. Keyed by the caller too: one client's key is not another's.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    callerSub: text('caller_sub').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    /** The first request's id: a replay names the same case and child in its audit row. */
    requestId: text('request_id'),
    /** null while the first request is still being processed. */
    status: integer('status'),
    headers: jsonb('headers').$type<Record<string, string>>(),
    body: text('body'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.callerSub, t.key] }), index('idempotency_created_idx').on(t.createdAt)],
);
