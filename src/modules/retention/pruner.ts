import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import type { Db, Tx } from '../../db/client.js';
import { type JobMetrics, measured } from '../../plugins/metrics.js';
import { eventRepository } from '../events/repository.js';
import { webhookRepository } from '../webhooks/repository.js';
import { retentionRepository } from './repository.js';

const BATCH = 5_000;

export interface PruneResult {
  events: number;
  webhookDeliveries: number;
  idempotencyKeys: number;
}

export interface EventPruner {
  /** One pass over every table; returns how many events this instance deleted. */
  pruneNow(): Promise<number>;
  /** One pass over every table; returns what this instance deleted in each. */
  pruneAll(): Promise<PruneResult>;
  stop(): Promise<void>;
}

/**
 * Retention of the working tables (issue 13): events (the outbox behind GET /v1/events and
 * webhooks) and finished webhook deliveries after EVENTS_RETENTION_DAYS (at least 90), stored
 * Idempotency-Key responses after IDEMPOTENCY_RETENTION_HOURS. (Ended rate-limit windows are
 * deleted once per window by the rate-limit plugin; audit rows are never deleted.) Every instance
 * runs this every EVENTS_PRUNE_INTERVAL_SECONDS; each batch is taken with SKIP LOCKED, so
 * instances share the work. Each table is one job in /metrics (prune_events,
 * prune_webhook_deliveries, prune_idempotency_keys): runs, duration, rows deleted, last success.
 */
export function startEventPruner(
  db: Db,
  config: Config,
  log: FastifyBaseLogger,
  jobs?: JobMetrics,
): EventPruner {
  /** Deletes batch after batch until one comes back short. */
  const drain = (job: string, batch: (tx: Tx) => Promise<number>) =>
    measured(
      jobs,
      job,
      async () => {
        let total = 0;
        for (;;) {
          const n = await db.transaction(batch);
          total += n;
          if (n < BATCH) return total;
        }
      },
      (n) => n,
    );

  let running: Promise<PruneResult> | null = null;
  const pruneAll = async (): Promise<PruneResult> => ({
    events: await drain('prune_events', (tx) =>
      eventRepository.prune(tx, config.EVENTS_RETENTION_DAYS, BATCH),
    ),
    webhookDeliveries: await drain('prune_webhook_deliveries', (tx) =>
      webhookRepository.prune(tx, config.EVENTS_RETENTION_DAYS, BATCH),
    ),
    idempotencyKeys: await drain('prune_idempotency_keys', (tx) =>
      retentionRepository.pruneIdempotencyKeys(tx, config.IDEMPOTENCY_RETENTION_HOURS, BATCH),
    ),
  });
  const tick = () => {
    if (running) return;
    running = pruneAll()
      .then((r) => {
        if (r.events + r.webhookDeliveries + r.idempotencyKeys > 0) log.info(r, 'rows pruned');
        return r;
      })
      .catch((err) => {
        log.warn({ err: (err as Error).message }, 'pruning failed; will retry');
        return { events: 0, webhookDeliveries: 0, idempotencyKeys: 0 };
      })
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, config.EVENTS_PRUNE_INTERVAL_SECONDS * 1000);
  timer.unref();
  return {
    pruneNow: async () => (await pruneAll()).events,
    pruneAll,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
