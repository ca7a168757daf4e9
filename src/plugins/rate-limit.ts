import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sql } from 'drizzle-orm';
import type { Caller } from '../access/caller.js';
import { writeAudit } from '../audit/writer.js';
import type { Config } from '../config.js';
import { type Db, rowsOf } from '../db/client.js';
import { runStatement } from '../db/statements.js';
import { rateLimitCounters } from '../db/schema/rate-limits.js';
import { tooManyRequests } from '../lib/errors.js';
import { contextOf } from './auth.js';
import { measured } from './metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Counts the request against its caller's limit (the token's client_id, else its sub; the
     * client address when there is no valid token) and refuses it with 429 past the limit.
     */
    rateLimit(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    rateLimits: { prune(): Promise<number> };
  }
}

const HIT = `
  INSERT INTO rate_limit_counters AS c (window_start, key, count)
  VALUES (to_timestamp(floor(extract(epoch FROM statement_timestamp()) / $1::int) * $1::int), $2, 1)
  ON CONFLICT (window_start, key) DO UPDATE SET count = c.count + 1
  RETURNING c.count,
            ceil(extract(epoch FROM c.window_start + make_interval(secs => $1::int) - statement_timestamp()))::int
              AS "resetSeconds"`;

/** The counters' SQL: one upsert per request, one range delete per window. */
const counters = {
  /**
   * Adds one to the key's counter in the current window (the database's clock, shared by every
   * instance). Every request runs it, so its text is fixed (src/db/statements.ts).
   */
  async hit(db: Db, key: string, windowSeconds: number) {
    const [row] = await runStatement<{ count: number; resetSeconds: number }>(db, HIT, [windowSeconds, key]);
    return row;
  },
  /**
   * Windows that have ended (the primary key leads with window_start, so this is a range scan);
   * SKIP LOCKED, so instances pruning at once never wait on each other nor delete a row twice.
   */
  async prune(db: Db, windowSeconds: number): Promise<number> {
    return rowsOf<{ key: string }>(
      await db.execute(sql`
        DELETE FROM ${rateLimitCounters} WHERE (window_start, key) IN (
          SELECT window_start, key FROM ${rateLimitCounters}
           WHERE window_start < statement_timestamp() - make_interval(secs => ${windowSeconds})
           FOR UPDATE SKIP LOCKED)
        RETURNING key`),
    ).length;
  },
};

const keyOf = (caller: Caller | null, address: string) =>
  caller ? (caller.clientId ? `client:${caller.clientId}` : `sub:${caller.sub}`) : `address:${address}`;

/**
 * Rate limits kept in PostgreSQL so that they hold across instances: a fixed window of
 * RATE_LIMIT_WINDOW_SECONDS, RATE_LIMIT_PER_CLIENT requests per token holder and
 * RATE_LIMIT_PER_ADDRESS requests per address without a valid token. Every /v1 response carries
 * the RateLimit headers (IETF draft); a refused one answers 429 problem+json with Retry-After.
 *
 * A refused request writes no audit row: it is refused before any access decision, and a row per
 * refusal would let a flood append permanent rows at the very rate it is refused. Instead the first
 * refusal of a token holder in each window is recorded (one row per client per window at most), so
 * the trail shows who was throttled and when; every refusal is counted in /metrics
 * (`http_requests_total{status="429"}`).
 */
export default fp(
  async function rateLimit(app: FastifyInstance, opts: { config: Config; db: Db }) {
    const { db, config } = opts;
    const window = config.RATE_LIMIT_WINDOW_SECONDS;

    // Job `prune_rate_limits` in /metrics (runs, duration, windows deleted, last success).
    const prune = () =>
      measured(
        app.jobs,
        'prune_rate_limits',
        () => counters.prune(db, window),
        (n) => n,
      );
    app.decorate('rateLimits', { prune });
    if (!config.RATE_LIMIT_ENABLED) {
      app.decorate('rateLimit', async () => {});
      return;
    }

    app.decorate('rateLimit', async (request: FastifyRequest, reply: FastifyReply) => {
      const caller = request.caller ?? null;
      const limit = caller ? config.RATE_LIMIT_PER_CLIENT : config.RATE_LIMIT_PER_ADDRESS;
      const { count, resetSeconds } = await counters.hit(db, keyOf(caller, request.ip), window);
      const reset = Math.max(1, resetSeconds);
      reply.header('ratelimit-policy', `${limit};w=${window}`);
      reply.header('ratelimit-limit', String(limit));
      reply.header('ratelimit-remaining', String(Math.max(0, limit - count)));
      reply.header('ratelimit-reset', String(reset));
      if (count <= limit) return;
      reply.header('retry-after', String(reset));
      if (caller && count === limit + 1) {
        await db.transaction((tx) =>
          writeAudit(tx, contextOf(request), {
            action: 'execute',
            resourceType: 'rate_limit',
            outcome: 'denied',
            reason: `rate limit of ${limit} requests per ${window} s reached; further refusals in this window are not recorded`,
          }),
        );
      }
      throw tooManyRequests(reset);
    });

    // Past windows are deleted by every instance in turn; a delete finding nothing costs an index probe.
    const timer = setInterval(() => {
      prune().catch((err) => app.log.warn({ err }, 'pruning rate limit counters failed'));
    }, Math.max(1, window) * 1000);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'rate-limit', dependencies: ['auth', 'metrics'] },
);
