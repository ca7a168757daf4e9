import { sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../db/client.js';

/**
 * Deletes of rows past their retention, in batches taken with SKIP LOCKED: instances pruning at
 * the same time take different rows, never wait on each other, and never delete a row twice.
 * (Events and webhook deliveries are pruned by their own repositories, the same way.)
 */
export const retentionRepository = {
  /** Stored Idempotency-Key records older than `hours` (their responses may hold personal data). */
  async pruneIdempotencyKeys(tx: Executor, hours: number, batch: number): Promise<number> {
    return rowsOf<{ key: string }>(
      await tx.execute(sql`
        DELETE FROM idempotency_keys WHERE (caller_sub, key) IN (
          SELECT caller_sub, key FROM idempotency_keys
           WHERE created_at < now() - make_interval(hours => ${hours}::int)
           LIMIT ${batch} FOR UPDATE SKIP LOCKED)
        RETURNING key`),
    ).length;
  },
};
