import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { IfMatchHeader, ReasonAt } from '../../lib/command-schemas.js';
import { etagOf } from '../../lib/etag.js';
import { UuidParam } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import { CourtOrder, CourtOrderCreate, CourtOrderList } from './schemas.js';
import { courtOrderService } from './service.js';

export const courtOrderRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = courtOrderService(db, config);
  const tags = ['consents'];

  app.post(
    '/cases/:id/court-orders',
    {
      schema: {
        operationId: 'createCourtOrder',
        tags,
        summary: 'Record a court order that stands in for consent on this case',
        params: UuidParam,
        body: CourtOrderCreate,
        response: { 201: CourtOrder },
      },
    },
    async (request, reply) => {
      const row = await service.create(contextOf(request), request.params.id, request.body);
      return reply.code(201).header('etag', etagOf(row.version)).send(row);
    },
  );

  app.get(
    '/cases/:id/court-orders',
    {
      schema: {
        operationId: 'listCourtOrders',
        tags,
        summary: 'Court orders on access recorded on this case',
        params: UuidParam,
        response: { 200: CourtOrderList },
      },
    },
    async (request) => service.list(contextOf(request), request.params.id),
  );

  app.get(
    '/court-orders/:id',
    {
      schema: {
        operationId: 'getCourtOrder',
        tags,
        summary: 'One court order, with its ETag',
        params: UuidParam,
        response: { 200: CourtOrder },
      },
    },
    async (request, reply) => {
      const row = await service.get(contextOf(request), request.params.id);
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  app.post(
    '/court-orders/:id/revoke',
    {
      schema: {
        operationId: 'revokeCourtOrder',
        tags,
        summary: 'Revoke a court order (a clerk of the court that issued it); it opens nothing from then on',
        params: UuidParam,
        headers: IfMatchHeader,
        body: ReasonAt,
        response: { 200: CourtOrder },
      },
    },
    async (request, reply) => {
      const row = await service.revoke(
        contextOf(request),
        request.params.id,
        request.body,
        request.headers['if-match'],
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );
};
