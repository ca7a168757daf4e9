import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/client.js';

/** What scheduled work reports: one run of a job, its outcome, how long it took, how much it did. */
export interface JobMetrics {
  observe(job: string, outcome: 'ok' | 'error' | 'skipped', seconds: number, items?: number): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobMetrics;
  }
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

/** Prometheus metrics, one registry per app so several apps in one process do not collide. */
export default fp(
  async function metrics(app: FastifyInstance, opts: { database: Database }) {
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
      help: 'Scheduled work by job (audit_seal, audit_partitions) and outcome; _count is the number of runs',
      labelNames: ['job', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    });
    const jobItems = new Counter({
      name: 'scheduled_job_items_total',
      help: 'What scheduled work did: audit rows sealed, partitions ensured',
      labelNames: ['job'],
      registers: [registry],
    });
    app.decorate('jobs', {
      observe(job, outcome, seconds, items) {
        jobDuration.observe({ job, outcome }, seconds);
        if (items) jobItems.inc({ job }, items);
      },
    } satisfies JobMetrics);

    app.addHook('onResponse', async (request, reply) => {
      // The route pattern, never the raw URL: ids in paths would explode cardinality (and are personal).
      const route = request.routeOptions.url ?? 'unmatched';
      requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });

    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
      reply.type(registry.contentType).send(await registry.metrics()),
    );
  },
  { name: 'metrics' },
);
