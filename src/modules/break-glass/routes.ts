import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { UuidParam } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import {
  BreakGlassGrant,
  BreakGlassOpen,
  BreakGlassPage,
  BreakGlassQuery,
  BreakGlassVerdict,
} from './schemas.js';
import { breakGlassService } from './service.js';

export const breakGlassRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = breakGlassService(db, config);
  const tags = ['consents'];

  app.post(
    '/cases/:id/break-glass',
    {
      schema: {
        operationId: 'openBreakGlass',
        tags,
        summary: 'Open time-limited emergency access to the sensitive records of a case you are related to',
        params: UuidParam,
        body: BreakGlassOpen,
        response: { 201: BreakGlassGrant },
      },
    },
    async (request, reply) => {
      const row = await service.open(contextOf(request), request.params.id, request.body);
      return reply.code(201).send(row);
    },
  );

  app.get(
    '/break-glass',
    {
      schema: {
        operationId: 'listBreakGlass',
        tags,
        summary: 'Break-glass grants for review, newest first, with the reads made under each (auditors)',
        querystring: BreakGlassQuery,
        response: { 200: BreakGlassPage },
      },
    },
    async (request) => service.review(contextOf(request), request.query),
  );

  app.post(
    '/break-glass/:id/review',
    {
      schema: {
        operationId: 'reviewBreakGlass',
        tags,
        summary:
          'Record a verdict on a break-glass grant: justified or not, with a note (auditor, or a judge of the owning court)',
        params: UuidParam,
        body: BreakGlassVerdict,
        response: { 200: BreakGlassGrant },
      },
    },
    async (request) => service.recordVerdict(contextOf(request), request.params.id, request.body),
  );
};
