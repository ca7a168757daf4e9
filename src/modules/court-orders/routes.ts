import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../db/client.js';
import { UuidParam } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import { CourtOrder, CourtOrderCreate, CourtOrderList } from './schemas.js';
import { courtOrderService } from './service.js';

export const courtOrderRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const service = courtOrderService(db);
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
      return reply.code(201).send(row);
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
};
