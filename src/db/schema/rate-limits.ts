import { integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Fixed-window request counters, shared by every instance (src/plugins/rate-limit.ts). One row per
 * caller key and window; a request adds one with a single upsert. Keyed by window first, so that
 * pruning past windows is a range delete on the primary key. UNLOGGED in the migration: counters
 * are worth nothing after a crash, and skipping the write-ahead log keeps each request's upsert cheap.
 */
export const rateLimitCounters = pgTable(
  'rate_limit_counters',
  {
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    key: text('key').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.windowStart, t.key] })],
);
