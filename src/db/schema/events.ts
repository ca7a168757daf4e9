import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The outbox of thin events (issue 10): one row per change to a case, written in the transaction
 * of the change (by the audit writer, see src/modules/events/outbox.ts). Ids and a type only:
 * never a name, free text or a sensitive category, so an event can be shown to anyone who may see
 * the case and the kind of resource it names.
 *
 * `txid` is the writing transaction's id: the feed and the webhook dispatcher read only events
 * whose transaction is older than every running one (the snapshot's xmin) and order them by
 * (txid, seq), so an event committed late can never fall behind a cursor already handed out.
 */
export const events = pgTable(
  'events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: uuid('id').notNull().unique().defaultRandom(),
    txid: bigint('txid', { mode: 'bigint' }).notNull().default(sql`(pg_current_xact_id()::text)::bigint`),
    type: text('type').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    caseId: uuid('case_id').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id'),
    /** An organisation the event is addressed to besides those related to the case (e.g. another court). */
    audienceOrg: text('audience_org'),
  },
  (t) => [
    index('events_position_idx').on(t.txid, t.seq),
    index('events_case_idx').on(t.caseId),
    index('events_occurred_idx').on(t.occurredAt),
  ],
);
