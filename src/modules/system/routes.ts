import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { serviceUnavailable } from '../../lib/errors.js';

const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
const Readiness = z
  .object({ status: z.literal('ready'), database: z.enum(['postgres', 'pglite']) })
  .meta({ id: 'Readiness' });

/** Liveness and readiness probes for the load balancer; no token needed, nothing personal returned. */
export const systemRoutes: FastifyPluginAsyncZod<{ database: Database; readinessTimeoutMs: number }> = async (
  app,
  { database, readinessTimeoutMs },
) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getHealth',
        tags: ['system'],
        summary: 'The process is up',
        response: { 200: Health },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        tags: ['system'],
        summary: 'The database answers',
        description: `Answers within READINESS_TIMEOUT_MS (1 s by default): 503 when the database has not answered by then.`,
        response: { 200: Readiness },
      },
    },
    async (request) => {
      // Whatever the database does (refuses, hangs, crawls), the probe answers within its timeout:
      // the ping races a timer. A ping that lost the race finishes or fails on its own later.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('readiness ping timed out')), readinessTimeoutMs);
      });
      const ping = database.ping();
      ping.catch(() => {});
      try {
        await Promise.race([ping, timedOut]);
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed');
        throw serviceUnavailable();
      } finally {
        clearTimeout(timer);
      }
      return { status: 'ready' as const, database: database.kind };
    },
  );
};
