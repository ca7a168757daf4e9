import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

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
    /**
     * Who made the first request beyond its sub (issue 8): a replay is served only to the same
     * organisation and roles. Null on rows stored before this was kept: they are never replayed.
     */
    callerOrg: text('caller_org'),
    callerRoles: text('caller_roles').array(),
    /** The case and child the first response named (from its audit row): re-authorised on replay, dropped by sealing. */
    caseId: uuid('case_id'),
    personId: uuid('person_id'),
    /** null while the first request is still being processed. */
    status: integer('status'),
    headers: jsonb('headers').$type<Record<string, string>>(),
    body: text('body'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.callerSub, t.key] }),
    index('idempotency_created_idx').on(t.createdAt),
    index('idempotency_case_idx').on(t.caseId),
    index('idempotency_person_idx').on(t.personId),
  ],
);
