import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { PageQuery, page } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import { ClientIdParam, PartnerClient, PartnerClientCreate } from './schemas.js';
import { partnerClientService } from './service.js';

export const partnerClientRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const service = partnerClientService(db);
  const tags = ['partner-clients'];

  app.post(
    '/partner-clients',
    {
      schema: {
        operationId: 'registerPartnerClient',
        tags,
        summary: 'Register a partner system: its client id, organisation, kind and allowed scopes (admin)',
        body: PartnerClientCreate,
        response: { 201: PartnerClient },
      },
    },
    async (request, reply) => {
      const row = await service.create(contextOf(request), request.body);
      return reply
        .code(201)
        .header('location', `/v1/partner-clients/${encodeURIComponent(row.clientId)}`)
        .send(row);
    },
  );

  app.get(
    '/partner-clients',
    {
      schema: {
        operationId: 'listPartnerClients',
        tags,
        summary: 'Registered partner clients (admin)',
        querystring: PageQuery,
        response: { 200: page(PartnerClient, 'PartnerClientPage') },
      },
    },
    async (request) => service.list(contextOf(request), request.query),
  );

  app.get(
    '/partner-clients/:clientId',
    {
      schema: {
        operationId: 'getPartnerClient',
        tags,
        summary: 'One registered partner client (admin)',
        params: ClientIdParam,
        response: { 200: PartnerClient },
      },
    },
    async (request) => service.get(contextOf(request), request.params.clientId),
  );

  app.delete(
    '/partner-clients/:clientId',
    {
      schema: {
        operationId: 'deletePartnerClient',
        tags,
        summary: 'Deregister a partner client: its next token is refused (admin)',
        params: ClientIdParam,
        response: { 204: z.null().describe('Deregistered') },
      },
    },
    async (request, reply) => {
      await service.remove(contextOf(request), request.params.clientId);
      return reply.code(204).send(null);
    },
  );
};
