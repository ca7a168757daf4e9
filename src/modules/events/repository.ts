import { type SQL, and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../db/client.js';
import { cases } from '../../db/schema/cases.js';
import { events } from '../../db/schema/events.js';

/** A position in the feed: (transaction id, sequence). Everything at or before it has been seen. */
export interface FeedPosition {
  txid: bigint;
  seq: number;
}

export type EventRow = {
  seq: number;
  txid: bigint;
  id: string;
  type: string;
  occurredAt: Date;
  caseId: string;
  resourceType: string;
  resourceId: string | null;
};

export const eventRepository = {
  /**
   * The feed's horizon: the oldest transaction still running. Events of older transactions are all
   * committed or gone, and no new event can ever get an older id, so reading below it is final.
   */
  async horizon(tx: Executor): Promise<bigint> {
    const [row] = rowsOf<{ xmin: string }>(
      await tx.execute(sql`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`),
    );
    return BigInt(row.xmin);
  },

  /** Events after `after` and below `horizon` that pass `visible`, in feed order. */
  async page(
    tx: Executor,
    visible: SQL,
    q: { after: FeedPosition | null; horizon: bigint; types: string[] | null; limit: number },
  ): Promise<EventRow[]> {
    const after = q.after
      ? sql`(${events.txid}, ${events.seq}) > (${q.after.txid.toString()}::bigint, ${q.after.seq})`
      : undefined;
    return tx
      .select({
        seq: events.seq,
        txid: events.txid,
        id: events.id,
        type: events.type,
        occurredAt: events.occurredAt,
        caseId: events.caseId,
        resourceType: events.resourceType,
        resourceId: events.resourceId,
      })
      .from(events)
      .innerJoin(cases, eq(cases.id, events.caseId))
      .where(
        and(after, lt(events.txid, q.horizon), q.types ? inArray(events.type, q.types) : undefined, visible),
      )
      .orderBy(asc(events.txid), asc(events.seq))
      .limit(q.limit);
  },

  /**
   * The next events after `after` and below `horizon`, with no access filter: what a read replica
   * is asked for. Which of them the caller may see is decided on the primary (`visibleAmong`).
   */
  async candidates(
    tx: Executor,
    q: { after: FeedPosition | null; horizon: bigint; types: string[] | null; limit: number },
  ): Promise<EventRow[]> {
    const after = q.after
      ? sql`(${events.txid}, ${events.seq}) > (${q.after.txid.toString()}::bigint, ${q.after.seq})`
      : undefined;
    return tx
      .select({
        seq: events.seq,
        txid: events.txid,
        id: events.id,
        type: events.type,
        occurredAt: events.occurredAt,
        caseId: events.caseId,
        resourceType: events.resourceType,
        resourceId: events.resourceId,
      })
      .from(events)
      .where(and(after, lt(events.txid, q.horizon), q.types ? inArray(events.type, q.types) : undefined))
      .orderBy(asc(events.txid), asc(events.seq))
      .limit(q.limit);
  },

  /** Of the events `seqs` (primary keys), those `visible` to the caller now, in feed order. */
  async visibleAmong(tx: Executor, visible: SQL, seqs: number[]): Promise<number[]> {
    if (seqs.length === 0) return [];
    const rows = await tx
      .select({ seq: events.seq })
      .from(events)
      .innerJoin(cases, eq(cases.id, events.caseId))
      .where(and(inArray(events.seq, seqs), visible))
      .orderBy(asc(events.txid), asc(events.seq));
    return rows.map((r) => Number(r.seq));
  },

  /**
   * Deletes up to `batch` events older than the retention. SKIP LOCKED lets instances prune at the
   * same time without waiting on each other or deleting twice.
   */
  async prune(tx: Executor, retentionDays: number, batch: number): Promise<number> {
    const result = await tx.execute(sql`
      DELETE FROM events WHERE seq IN (
        SELECT seq FROM events
         WHERE occurred_at < now() - make_interval(days => ${retentionDays})
         ORDER BY seq LIMIT ${batch} FOR UPDATE SKIP LOCKED)`);
    return (
      (result as { rowCount?: number; affectedRows?: number }).rowCount ??
      (result as { affectedRows?: number }).affectedRows ??
      0
    );
  },
};
