import type { FastifyBaseLogger } from 'fastify';
import type { Caller } from '../../access/caller.js';
import { visibleEventsCondition } from '../../access/event-scope.js';
import type { Role } from '../../access/roles.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { type JobMetrics, measured } from '../../plugins/metrics.js';
import { eventRepository } from '../events/repository.js';
import { type DeliveryRow, type SubscriptionRow, webhookRepository } from './repository.js';
import { postWebhook } from './sender.js';
import { webhookHeaders } from './signing.js';

const FAN_OUT_SUBSCRIPTIONS = 20;
const FAN_OUT_EVENTS = 500;
const SEND_BATCH = 10;

export interface WebhookWorker {
  /** One pass: fan new events out to deliveries, then send what is due. */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/** The subscription's owner as their token proved it: deliveries are checked against what they may see. */
export const ownerOf = (s: SubscriptionRow): Caller => ({
  sub: s.ownerSub,
  org: s.ownerOrg,
  clientId: s.ownerClientId,
  roles: s.ownerRoles as Role[],
  scopes: s.ownerScopes,
});

/** Exponential backoff with jitter: base * 2^(attempt-1), capped, times a random factor in [0.5, 1.5). */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(exp * (0.5 + Math.random()));
}

/**
 * Every instance runs one. Fan-out locks subscription rows with SKIP LOCKED (one instance per
 * subscription at a time) and inserts one delivery per (subscription, event) at most; sending
 * claims due deliveries with SKIP LOCKED and a lease, so with several instances each message is
 * sent by one of them at a time. On PGlite it is the single in-process worker.
 */
export function startWebhookWorker(
  db: Db,
  config: Config,
  log: FastifyBaseLogger,
  jobs?: JobMetrics,
): WebhookWorker {
  async function fanOut() {
    await db.transaction(async (tx) => {
      const subs = await webhookRepository.lockActive(tx, FAN_OUT_SUBSCRIPTIONS);
      if (subs.length === 0) return;
      const horizon = await eventRepository.horizon(tx);
      for (const s of subs) {
        const rows = await webhookRepository.eventsFor(
          tx,
          s,
          visibleEventsCondition(ownerOf(s), null),
          horizon,
          FAN_OUT_EVENTS,
        );
        await webhookRepository.enqueue(
          tx,
          rows.map((e) => ({
            subscriptionId: s.id,
            eventId: e.id,
            eventType: e.type,
            payload: {
              id: e.id,
              type: e.type,
              occurredAt: e.occurredAt.toISOString(),
              caseId: e.caseId,
              resourceType: e.resourceType,
              resourceId: e.resourceId,
            },
          })),
        );
        const last = rows[rows.length - 1];
        const next =
          rows.length === FAN_OUT_EVENTS ? { txid: last.txid, seq: last.seq } : { txid: horizon, seq: 0 };
        if (next.txid > s.cursorTxid || (next.txid === s.cursorTxid && next.seq > s.cursorSeq)) {
          await webhookRepository.update(tx, s.id, { cursorTxid: next.txid, cursorSeq: next.seq });
        }
      }
    });
  }

  async function deliver(d: DeliveryRow, s: SubscriptionRow) {
    // Access at delivery time: a client deregistered, a relationship that ended, or a sealing stops the message.
    if (!(await webhookRepository.ownerStillAllowed(db, s))) {
      await webhookRepository.finish(db, d.id, {
        status: 'dropped',
        lastError: 'the subscriber is no longer a registered client allowed events:read',
      });
      return;
    }
    const visible = await webhookRepository.stillVisible(
      db,
      d.eventId,
      visibleEventsCondition(ownerOf(s), null),
    );
    if (!visible) {
      await webhookRepository.finish(db, d.id, {
        status: 'dropped',
        lastError: 'the event is no longer visible to the subscriber',
      });
      return;
    }
    const body = JSON.stringify({ type: d.eventType, timestamp: new Date().toISOString(), data: d.payload });
    const secrets = [s.secret];
    if (s.previousSecret && s.previousSecretExpiresAt && s.previousSecretExpiresAt > new Date())
      secrets.push(s.previousSecret);
    const timestamp = Math.floor(Date.now() / 1000);
    const result = await postWebhook(s.url, webhookHeaders(secrets, d.id, timestamp, body), body, {
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      allowPrivate: config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    });
    if (result.ok) {
      await webhookRepository.finish(db, d.id, {
        status: 'delivered',
        deliveredAt: new Date(),
        lastStatusCode: result.status,
        lastError: null,
      });
      return;
    }
    const giveUp = Date.now() - d.retryFrom.getTime() >= config.WEBHOOK_RETRY_HOURS * 3_600_000;
    await webhookRepository.finish(db, d.id, {
      status: giveUp ? 'failed' : 'pending',
      nextAttemptAt: new Date(
        Date.now() +
          retryDelayMs(d.attempts, config.WEBHOOK_RETRY_BASE_MS, config.WEBHOOK_RETRY_MAX_DELAY_MS),
      ),
      lastStatusCode: result.status,
      lastError: result.error,
    });
  }

  async function send() {
    const leaseMs = config.WEBHOOK_TIMEOUT_MS + 30_000;
    const ids = await db.transaction((tx) => webhookRepository.claimDue(tx, SEND_BATCH, leaseMs));
    const claimed = await webhookRepository.claimed(db, ids);
    await Promise.all(claimed.map(({ delivery, subscription }) => deliver(delivery, subscription)));
    return ids.length;
  }

  let running: Promise<void> | null = null;
  let stopped = false;
  /** One pass; returns how many messages it attempted. */
  const pass = async () => {
    await fanOut();
    // Keep sending while full batches come back, so a backlog drains within one pass.
    let attempted = 0;
    for (;;) {
      const n = await send();
      attempted += n;
      if (n < SEND_BATCH || stopped) return attempted;
    }
  };
  // Measured in /metrics as job `webhooks` (runs, duration, messages attempted, last success).
  const runOnce = async () => {
    await measured(jobs, 'webhooks', pass, (n) => n);
  };
  const tick = () => {
    if (running || stopped) return;
    running = runOnce()
      .catch((err) => log.warn({ err: (err as Error).message }, 'webhook worker pass failed; will retry'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, config.WEBHOOK_POLL_INTERVAL_MS);
  timer.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
