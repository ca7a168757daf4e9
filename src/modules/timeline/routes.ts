import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../db/client.js';
import { UuidParam } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import { TimelinePage, TimelineQuery } from './schemas.js';
import { timelineService } from './service.js';

export const timelineRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const service = timelineService(db);

  app.get(
    '/cases/:id/timeline',
    {
      schema: {
        operationId: 'getCaseTimeline',
        tags: ['timeline'],
        summary: 'Everything that happened to a case, oldest first; sensitive events withheld',
        params: UuidParam,
        querystring: TimelineQuery,
        response: { 200: TimelinePage },
      },
    },
    async (request) => service.list(contextOf(request), request.params.id, request.query),
  );
};
