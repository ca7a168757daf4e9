import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../db/client.js';
import { etagOf } from '../../lib/etag.js';
import { UuidParam } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import { RecordCreate, RecordListQuery, RecordPage, RecordView, SensitiveRecord } from './schemas.js';
import { recordService } from './service.js';

export const recordRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const service = recordService(db);
  const tags = ['records'];

  app.post(
    '/cases/:id/records',
    {
      schema: {
        operationId: 'createRecord',
        tags,
        summary: 'Add a sensitive record to a case (health, mental health, family and social...)',
        params: UuidParam,
        body: RecordCreate,
        response: { 201: SensitiveRecord },
      },
    },
    async (request, reply) => {
      const row = await service.create(contextOf(request), request.params.id, request.body);
      return reply.code(201).header('location', `/v1/records/${row.id}`).send(row);
    },
  );

  app.get(
    '/cases/:id/records',
    {
      schema: {
        operationId: 'listRecords',
        tags,
        summary: "A case's sensitive records; content of categories without consent or order is left out",
        params: UuidParam,
        querystring: RecordListQuery,
        response: { 200: RecordPage },
      },
    },
    async (request) => service.list(contextOf(request), request.params.id, request.query),
  );

  app.get(
    '/records/:id',
    {
      schema: {
        operationId: 'getRecord',
        tags,
        summary: 'Read a sensitive record; its content only with consent, a court order or break-glass',
        params: UuidParam,
        response: { 200: RecordView },
      },
    },
    async (request, reply) => {
      const view = await service.get(contextOf(request), request.params.id);
      // Records are never edited, only expunged: their one version is 1.
      return reply.header('etag', etagOf(1)).send(view);
    },
  );
};
