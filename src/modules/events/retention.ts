import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { webhookRepository } from '../webhooks/repository.js';
import { eventRepository } from './repository.js';

const BATCH = 5_000;

export interface EventPruner {
  /** Deletes every event older than the retention; returns how many this instance deleted. */
  pruneNow(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Keeps the outbox (and finished webhook deliveries) to EVENTS_RETENTION_DAYS. Every instance runs one; batches are taken with
 * SKIP LOCKED, so instances pruning at once share the work instead of waiting on each other.
 */
export function startEventPruner(db: Db, config: Config, log: FastifyBaseLogger): EventPruner {
  let running: Promise<number> | null = null;
  const pruneNow = async () => {
    let total = 0;
    for (;;) {
      const n = await db.transaction((tx) => eventRepository.prune(tx, config.EVENTS_RETENTION_DAYS, BATCH));
      total += n;
      if (n < BATCH) break;
    }
    // Webhook deliveries (sent, failed or dropped) follow the same retention.
    while (
      (await db.transaction((tx) => webhookRepository.prune(tx, config.EVENTS_RETENTION_DAYS, BATCH))) ===
      BATCH
    ) {
      /* next batch */
    }
    return total;
  };
  const tick = () => {
    if (running) return;
    running = pruneNow()
      .then((n) => {
        if (n > 0) log.info({ pruned: n }, 'events pruned');
        return n;
      })
      .catch((err) => {
        log.warn({ err: (err as Error).message }, 'event pruning failed; will retry');
        return 0;
      })
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, config.EVENTS_PRUNE_INTERVAL_SECONDS * 1000);
  timer.unref();
  return {
    pruneNow,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
