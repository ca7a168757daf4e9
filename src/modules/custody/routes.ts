import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { IfMatchHeader } from '../../lib/command-schemas.js';
import { etagOf } from '../../lib/etag.js';
import { PageQuery, UuidParam, page } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import { CustodyEnd, CustodyEpisode, CustodyStart } from './schemas.js';
import { custodyService } from './service.js';

export const custodyRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = custodyService(db, config);
  const tags = ['custody'];

  app.post(
    '/cases/:id/custody-episodes',
    {
      schema: {
        operationId: 'startCustodyEpisode',
        tags,
        summary: 'Record the start of a custody episode (one open episode per child)',
        params: UuidParam,
        body: CustodyStart,
        response: { 201: CustodyEpisode },
      },
    },
    async (request, reply) => {
      const row = await service.start(contextOf(request), request.params.id, request.body);
      return reply.code(201).header('etag', etagOf(row.version)).send(row);
    },
  );

  app.get(
    '/cases/:id/custody-episodes',
    {
      schema: {
        operationId: 'listCustodyEpisodes',
        tags,
        summary: 'Custody episodes of a case, latest first',
        params: UuidParam,
        querystring: PageQuery,
        response: { 200: page(CustodyEpisode, 'CustodyEpisodePage') },
      },
    },
    async (request) => service.list(contextOf(request), request.params.id, request.query),
  );

  app.get(
    '/custody-episodes/:id',
    {
      schema: {
        operationId: 'getCustodyEpisode',
        tags,
        summary: 'One custody episode, with its ETag',
        params: UuidParam,
        response: { 200: CustodyEpisode },
      },
    },
    async (request, reply) => {
      const row = await service.get(contextOf(request), request.params.id);
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  app.post(
    '/custody-episodes/:id/end',
    {
      schema: {
        operationId: 'endCustodyEpisode',
        tags,
        summary: 'Record the release: time and reason',
        params: UuidParam,
        headers: IfMatchHeader,
        body: CustodyEnd,
        response: { 200: CustodyEpisode },
      },
    },
    async (request, reply) => {
      const row = await service.end(
        contextOf(request),
        request.params.id,
        request.body,
        request.headers['if-match'],
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );
};
