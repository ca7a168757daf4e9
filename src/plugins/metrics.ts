import { timingSafeEqual } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/client.js';
import { sendProblem } from './problem.js';

/** What scheduled work reports: one run of a job, its outcome, how long it took, how much it did. */
export interface JobMetrics {
  observe(job: string, outcome: 'ok' | 'error' | 'skipped', seconds: number, items?: number): void;
}

/** Runs one pass of a scheduled job, measured; rethrows its error after counting it. */
export async function measured<T>(
  jobs: JobMetrics | undefined,
  job: string,
  run: () => Promise<T>,
  items?: (r: T) => number,
) {
  const started = performance.now();
  try {
    const result = await run();
    jobs?.observe(job, 'ok', (performance.now() - started) / 1000, items ? items(result) : undefined);
    return result;
  } catch (err) {
    jobs?.observe(job, 'error', (performance.now() - started) / 1000);
    throw err;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The listener of METRICS_PORT once the app is ready; null when metrics share the API port. */
    metricsServer: Server | null;
    jobs: JobMetrics;
  }
}

/** A constant-time comparison, so the token cannot be guessed a character at a time. */
function sameToken(header: string | undefined, token: string): boolean {
  const given = Buffer.from(typeof header === 'string' ? header : '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Prometheus metrics, one registry per app so several apps in one process do not collide.
 * `/metrics` is on the API port, open (the default, for a scraper inside the private network),
 * behind `Authorization: Bearer METRICS_TOKEN`, or moved to its own listener on METRICS_PORT
 * (reachable only from where the operator exposes that port); the two combine.
 */
export default fp(
  async function metrics(app: FastifyInstance, opts: { database: Database; config: Config }) {
    const { METRICS_TOKEN: token, METRICS_PORT: port } = opts.config;
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const s = opts.database.poolStats();
        this.set({ state: 'total' }, s.total);
        this.set({ state: 'idle' }, s.idle);
        this.set({ state: 'waiting' }, s.waiting);
      },
    });

    const jobDuration = new Histogram({
      name: 'scheduled_job_duration_seconds',
      help: 'Scheduled work by job and outcome (ok, error, skipped: another instance had the turn); _count is the number of runs',
      labelNames: ['job', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    });
    const jobItems = new Counter({
      name: 'scheduled_job_items_total',
      help: 'What scheduled work did: audit rows sealed, partitions ensured, rows pruned (prune_* jobs), webhook messages sent, alert events written',
      labelNames: ['job'],
      registers: [registry],
    });
    const jobLastSuccess = new Gauge({
      name: 'scheduled_job_last_success_timestamp_seconds',
      help: 'When each scheduled job last finished a run without error on this instance (Unix time)',
      labelNames: ['job'],
      registers: [registry],
    });
    app.decorate('jobs', {
      observe(job, outcome, seconds, items) {
        jobDuration.observe({ job, outcome }, seconds);
        if (items) jobItems.inc({ job }, items);
        // Always present once the job ran, so "no rows pruned" reads as 0, not as a missing series.
        if (outcome !== 'error') jobItems.inc({ job }, 0);
        if (outcome === 'ok') jobLastSuccess.set({ job }, Date.now() / 1000);
      },
    } satisfies JobMetrics);

    app.addHook('onResponse', async (request, reply) => {
      // The route pattern, never the raw URL: ids in paths would explode cardinality (and are personal).
      const route = request.routeOptions.url ?? 'unmatched';
      requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });

    app.decorate('metricsServer', null);
    if (port === undefined) {
      app.get(
        '/metrics',
        { schema: { hide: true } },
        async (request: FastifyRequest, reply: FastifyReply) => {
          if (token && !sameToken(request.headers.authorization, token)) {
            return sendProblem(
              reply,
              request,
              401,
              'unauthorized',
              'Unauthorized',
              'The metrics token is required',
            );
          }
          return reply.type(registry.contentType).send(await registry.metrics());
        },
      );
      return;
    }
    // Its own listener, opened when the app is ready and closed with it.
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      const authorized = !token || sameToken(req.headers.authorization, token);
      if (req.method !== 'GET' || path !== '/metrics' || !authorized) {
        res.writeHead(path === '/metrics' && !authorized ? 401 : 404).end();
        return;
      }
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
    });
    // onReady rather than onListen: listen() resolves only once the metrics port is open too.
    app.addHook('onReady', async () => {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, opts.config.METRICS_HOST ?? opts.config.HOST, () => resolve());
      });
      app.metricsServer = server;
    });
    app.addHook('onClose', async () => {
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    });
  },
  { name: 'metrics' },
);
