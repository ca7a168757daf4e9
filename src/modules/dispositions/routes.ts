import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { etagOf } from '../../lib/etag.js';
import { PageQuery, UuidParam, page } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import { Disposition, DispositionCreate } from './schemas.js';
import { dispositionService } from './service.js';

export const dispositionRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = dispositionService(db, config);
  const tags = ['dispositions'];

  app.post(
    '/cases/:id/dispositions',
    {
      schema: {
        operationId: 'recordDisposition',
        tags,
        summary:
          'Record the disposition, per charge where it differs (probation and custodial need a held hearing)',
        params: UuidParam,
        body: DispositionCreate,
        response: { 201: Disposition },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await service.create(contextOf(request), request.params.id, request.body)),
  );

  app.get(
    '/cases/:id/dispositions',
    {
      schema: {
        operationId: 'listDispositions',
        tags,
        summary: 'Dispositions of a case, latest first',
        params: UuidParam,
        querystring: PageQuery,
        response: { 200: page(Disposition, 'DispositionPage') },
      },
    },
    async (request) => service.list(contextOf(request), request.params.id, request.query),
  );
  app.get(
    '/dispositions/:id',
    {
      schema: {
        operationId: 'getDisposition',
        tags,
        summary: 'One disposition, with its ETag',
        params: UuidParam,
        response: { 200: Disposition },
      },
    },
    async (request, reply) => {
      const row = await service.get(contextOf(request), request.params.id);
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );
};
