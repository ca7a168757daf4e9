import type { z } from 'zod';
import { type Allowed, authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { AuditFn } from '../../audit/writer.js';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import type { DeliveryStatus } from '../../db/schema/webhooks.js';
import { notFound, unprocessable } from '../../lib/errors.js';
import { decodeTimeCursor, pageOf } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { eventRepository } from '../events/repository.js';
import { type DeliveryRow, type SubscriptionRow, webhookRepository } from './repository.js';
import type { ReplayRequest, WebhookSubscriptionCreate } from './schemas.js';
import { newSecret } from './signing.js';
import { TargetRefused, checkTargetUrl } from './target.js';

const RESOURCE = 'webhook_subscription';

export const subscriptionView = (r: SubscriptionRow) => ({
  id: r.id,
  url: r.url,
  types: r.types as z.infer<typeof WebhookSubscriptionCreate>['types'],
  status: r.status,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

const deliveryView = (d: DeliveryRow) => ({
  id: d.id,
  eventId: d.eventId,
  eventType: d.eventType as z.infer<typeof WebhookSubscriptionCreate>['types'][number],
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  deliveredAt: d.deliveredAt,
  createdAt: d.createdAt,
});

export function webhookService(db: Db, config: Config) {
  /** The caller's own subscription, locked; anyone else's answers 404 (audited) like a case they are not related to. */
  async function own(tx: Executor, ctx: RequestContext, id: string, action: 'read' | 'update' | 'delete') {
    const decision = await authorize(tx, ctx, 'webhook:manage', { resourceType: RESOURCE, resourceId: id });
    const row = await webhookRepository.getForUpdate(tx, id);
    if (!row || row.ownerSub !== ctx.caller.sub || row.ownerClientId !== ctx.caller.clientId) {
      throw notFound('webhook subscription').withAudit({
        action,
        resourceType: RESOURCE,
        resourceId: id,
        decision,
        reason: 'not the owner of the subscription',
      });
    }
    return { row, decision };
  }

  const audited = async (
    audit: AuditFn,
    action: 'create' | 'read' | 'update' | 'delete' | 'search',
    decision: Allowed,
    resourceId?: string,
  ) =>
    audit({ action, resourceType: RESOURCE, resourceId: resourceId ?? null, decision, outcome: 'allowed' });

  return {
    async create(ctx: RequestContext, input: z.infer<typeof WebhookSubscriptionCreate>) {
      // The address is checked before any transaction: resolving a name may take a while.
      try {
        await checkTargetUrl(input.url, config.WEBHOOK_ALLOW_PRIVATE_TARGETS);
      } catch (err) {
        if (!(err instanceof TargetRefused)) throw err;
        await withTransaction(db, ctx, async (tx) => {
          await authorize(tx, ctx, 'webhook:manage', { resourceType: RESOURCE });
        });
        throw unprocessable('The webhook URL is not an allowed target', [
          { path: 'body.url', message: err.message },
        ]);
      }
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'webhook:manage', { resourceType: RESOURCE });
        const secret = newSecret();
        // Deliveries start with the events after this moment.
        const horizon = await eventRepository.horizon(tx);
        const row = await webhookRepository.insert(tx, {
          ownerSub: ctx.caller.sub,
          ownerOrg: ctx.caller.org,
          ownerClientId: ctx.caller.clientId,
          ownerRoles: ctx.caller.roles,
          ownerScopes: ctx.caller.scopes,
          url: input.url,
          types: [...new Set(input.types)],
          secret,
          cursorTxid: horizon,
          cursorSeq: 0,
        });
        await audited(audit, 'create', decision, row.id);
        return { ...subscriptionView(row), secret };
      });
    },

    async list(ctx: RequestContext, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'webhook:manage', { resourceType: RESOURCE });
        const rows = await webhookRepository.listForOwner(
          tx,
          ctx.caller,
          decodeTimeCursor(q.cursor),
          q.limit + 1,
        );
        await audited(audit, 'search', decision);
        const p = pageOf(rows, q.limit, (r) => [r.createdAt.toISOString(), r.id]);
        return { items: p.items.map(subscriptionView), nextCursor: p.nextCursor };
      });
    },

    async get(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row, decision } = await own(tx, ctx, id, 'read');
        await audited(audit, 'read', decision, id);
        return subscriptionView(row);
      });
    },

    async setStatus(ctx: RequestContext, id: string, status: 'active' | 'paused') {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { decision } = await own(tx, ctx, id, 'update');
        const row = await webhookRepository.update(tx, id, { status });
        await audited(audit, 'update', decision, id);
        return subscriptionView(row);
      });
    },

    async remove(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { decision } = await own(tx, ctx, id, 'delete');
        await webhookRepository.remove(tx, id);
        await audited(audit, 'delete', decision, id);
      });
    },

    /** A new secret, returned once; the previous one keeps signing for WEBHOOK_SECRET_ROTATION_HOURS. */
    async rotateSecret(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row, decision } = await own(tx, ctx, id, 'update');
        const secret = newSecret();
        await webhookRepository.update(tx, id, {
          secret,
          previousSecret: row.secret,
          previousSecretExpiresAt: new Date(Date.now() + config.WEBHOOK_SECRET_ROTATION_HOURS * 3_600_000),
        });
        await audited(audit, 'update', decision, id);
        return { secret };
      });
    },

    async deliveries(
      ctx: RequestContext,
      id: string,
      q: { status?: DeliveryStatus; limit: number; cursor?: string },
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { decision } = await own(tx, ctx, id, 'read');
        const rows = await webhookRepository.deliveries(
          tx,
          id,
          q.status,
          decodeTimeCursor(q.cursor),
          q.limit + 1,
        );
        await audit({
          action: 'search',
          resourceType: 'webhook_delivery',
          resourceId: id,
          decision,
          outcome: 'allowed',
        });
        const p = pageOf(rows, q.limit, (r) => [r.createdAt.toISOString(), r.id]);
        return { items: p.items.map(deliveryView), nextCursor: p.nextCursor };
      });
    },

    /** Failed deliveries are sent again (access is checked again when they are). */
    async replay(ctx: RequestContext, id: string, input: z.infer<typeof ReplayRequest>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { decision } = await own(tx, ctx, id, 'update');
        const replayed = await webhookRepository.replayFailed(tx, id, input.deliveryIds);
        await audit({
          action: 'execute',
          resourceType: 'webhook_delivery',
          resourceId: id,
          decision,
          outcome: 'allowed',
        });
        return { replayed };
      });
    },
  };
}
