import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Database, Db } from '../../db/client.js';
import { contextOf } from '../../plugins/auth.js';
import { EventFeedPage, EventFeedQuery } from './schemas.js';
import { eventService } from './service.js';

export const eventRoutes: FastifyPluginAsyncZod<{
  db: Db;
  pollIntervalMs: number;
  database?: Database;
}> = async (app, { db, pollIntervalMs, database }) => {
  // Feed reads on the read replica when there is one (DATABASE_READ_URL); access on the primary.
  const service = eventService(db, { pollIntervalMs, reads: database?.readLagTolerant });
  // Long polls end when the service shuts down, so closing never waits for them.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());

  app.get(
    '/events',
    {
      schema: {
        operationId: 'listEvents',
        tags: ['events'],
        summary: 'Thin events of the cases the caller may see now, oldest first; long poll with wait',
        querystring: EventFeedQuery,
        response: { 200: EventFeedPage },
      },
    },
    async (request, reply) => {
      // The response closing before it was sent means the client left: stop waiting for it.
      const gone = new AbortController();
      const onClose = () => gone.abort();
      reply.raw.once('close', onClose);
      try {
        const signal = AbortSignal.any([gone.signal, closing.signal]);
        return await service.feed(contextOf(request), request.query, signal);
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );
};
