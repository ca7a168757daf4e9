import { type SQL, and, asc, desc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../db/client.js';
import { cases } from '../../db/schema/cases.js';
import { events } from '../../db/schema/events.js';
import { type DeliveryStatus, webhookDeliveries, webhookSubscriptions } from '../../db/schema/webhooks.js';
import { type TimeCursor, keysetAfter } from '../../lib/pagination.js';

export type SubscriptionRow = typeof webhookSubscriptions.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export const webhookRepository = {
  async insert(tx: Executor, values: typeof webhookSubscriptions.$inferInsert): Promise<SubscriptionRow> {
    const [row] = await tx.insert(webhookSubscriptions).values(values).returning();
    return row;
  },

  async get(tx: Executor, id: string): Promise<SubscriptionRow | null> {
    const [row] = await tx.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id));
    return row ?? null;
  },

  async getForUpdate(tx: Executor, id: string): Promise<SubscriptionRow | null> {
    const [row] = await tx
      .select()
      .from(webhookSubscriptions)
      .where(eq(webhookSubscriptions.id, id))
      .for('update');
    return row ?? null;
  },

  async listForOwner(
    tx: Executor,
    owner: { sub: string; clientId: string | null },
    after: TimeCursor | null,
    limit: number,
  ) {
    return tx
      .select()
      .from(webhookSubscriptions)
      .where(
        and(
          eq(webhookSubscriptions.ownerSub, owner.sub),
          owner.clientId === null
            ? isNull(webhookSubscriptions.ownerClientId)
            : eq(webhookSubscriptions.ownerClientId, owner.clientId),
          keysetAfter(webhookSubscriptions.createdAt, webhookSubscriptions.id, after, 'asc'),
        ),
      )
      .orderBy(asc(webhookSubscriptions.createdAt), asc(webhookSubscriptions.id))
      .limit(limit);
  },

  async update(tx: Executor, id: string, values: Partial<typeof webhookSubscriptions.$inferInsert>) {
    const [row] = await tx
      .update(webhookSubscriptions)
      .set({ ...values, updatedAt: new Date() })
      .where(eq(webhookSubscriptions.id, id))
      .returning();
    return row;
  },

  async remove(tx: Executor, id: string): Promise<void> {
    await tx.delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, id));
  },

  async deliveries(
    tx: Executor,
    subscriptionId: string,
    status: DeliveryStatus | undefined,
    after: TimeCursor | null,
    limit: number,
  ): Promise<DeliveryRow[]> {
    return tx
      .select()
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.subscriptionId, subscriptionId),
          status ? eq(webhookDeliveries.status, status) : undefined,
          keysetAfter(webhookDeliveries.createdAt, webhookDeliveries.id, after, 'desc'),
        ),
      )
      .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
      .limit(limit);
  },

  /** Failed deliveries (all, or the ones named) become due again now, with a fresh retry window. */
  async replayFailed(tx: Executor, subscriptionId: string, ids: string[] | undefined): Promise<number> {
    const rows = await tx
      .update(webhookDeliveries)
      .set({ status: 'pending', nextAttemptAt: new Date(), retryFrom: new Date(), leaseUntil: null })
      .where(
        and(
          eq(webhookDeliveries.subscriptionId, subscriptionId),
          eq(webhookDeliveries.status, 'failed'),
          ids ? inArray(webhookDeliveries.id, ids) : undefined,
        ),
      )
      .returning({ id: webhookDeliveries.id });
    return rows.length;
  },

  // The worker's side.

  /** Active subscriptions to fan out, each locked so that one instance handles it at a time. */
  async lockActive(tx: Executor, limit: number): Promise<SubscriptionRow[]> {
    return tx
      .select()
      .from(webhookSubscriptions)
      .where(eq(webhookSubscriptions.status, 'active'))
      .orderBy(asc(webhookSubscriptions.updatedAt))
      .limit(limit)
      .for('update', { skipLocked: true });
  },

  /** Events after the subscription's cursor, below the horizon, of its types, that `visible` lets through. */
  async eventsFor(tx: Executor, sub: SubscriptionRow, visible: SQL, horizon: bigint, limit: number) {
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
        and(
          sql`(${events.txid}, ${events.seq}) > (${sub.cursorTxid.toString()}::bigint, ${sub.cursorSeq})`,
          lt(events.txid, horizon),
          sub.types.length ? inArray(events.type, sub.types) : undefined,
          visible,
        ),
      )
      .orderBy(asc(events.txid), asc(events.seq))
      .limit(limit);
  },

  async enqueue(tx: Executor, rows: (typeof webhookDeliveries.$inferInsert)[]): Promise<void> {
    if (rows.length) await tx.insert(webhookDeliveries).values(rows).onConflictDoNothing();
  },

  /**
   * Claims due deliveries of active subscriptions: SKIP LOCKED so instances take different rows,
   * and a lease so that no other instance sends them while this one does (no transaction stays
   * open during the HTTP call).
   */
  async claimDue(tx: Executor, limit: number, leaseMs: number) {
    return rowsOf<{ id: string }>(
      await tx.execute(sql`
        UPDATE webhook_deliveries SET lease_until = now() + make_interval(secs => ${leaseMs / 1000}),
               attempts = attempts + 1
         WHERE id IN (
           SELECT d.id FROM webhook_deliveries d
             JOIN webhook_subscriptions s ON s.id = d.subscription_id
            WHERE d.status = 'pending' AND d.next_attempt_at <= now()
              AND (d.lease_until IS NULL OR d.lease_until < now()) AND s.status = 'active'
            ORDER BY d.next_attempt_at LIMIT ${limit}
              FOR UPDATE OF d SKIP LOCKED)
        RETURNING id`),
    ).map((r) => r.id);
  },

  async claimed(tx: Executor, ids: string[]) {
    if (ids.length === 0) return [];
    return tx
      .select({ delivery: webhookDeliveries, subscription: webhookSubscriptions })
      .from(webhookDeliveries)
      .innerJoin(webhookSubscriptions, eq(webhookSubscriptions.id, webhookDeliveries.subscriptionId))
      .where(inArray(webhookDeliveries.id, ids));
  },

  /** Is the event still there and visible to the subscription's owner now? */
  async stillVisible(tx: Executor, eventId: string, visible: SQL): Promise<boolean> {
    const rows = await tx
      .select({ id: events.id })
      .from(events)
      .innerJoin(cases, eq(cases.id, events.caseId))
      .where(and(eq(events.id, eventId), visible));
    return rows.length > 0;
  },

  /** A partner owner must still be a registered client of its organisation allowed events:read. */
  async ownerStillAllowed(tx: Executor, s: SubscriptionRow): Promise<boolean> {
    if (!s.ownerRoles.includes('partner_system')) return true;
    const rows = rowsOf<{ ok: boolean }>(
      await tx.execute(sql`
        SELECT true AS ok FROM partner_clients
         WHERE client_id = ${s.ownerClientId} AND org_id = ${s.ownerOrg} AND 'events:read' = ANY(allowed_scopes)`),
    );
    return rows.length > 0;
  },

  async finish(tx: Executor, id: string, values: Partial<typeof webhookDeliveries.$inferInsert>) {
    await tx
      .update(webhookDeliveries)
      .set({ ...values, leaseUntil: null })
      .where(eq(webhookDeliveries.id, id));
  },

  /** Deliveries of pruned events go with them (same retention). */
  async prune(tx: Executor, retentionDays: number, batch: number): Promise<number> {
    const rows = rowsOf<{ id: string }>(
      await tx.execute(sql`
        DELETE FROM webhook_deliveries WHERE id IN (
          SELECT id FROM webhook_deliveries
           WHERE created_at < now() - make_interval(days => ${retentionDays}) AND status <> 'pending'
           LIMIT ${batch} FOR UPDATE SKIP LOCKED)
        RETURNING id`),
    );
    return rows.length;
  },
};
