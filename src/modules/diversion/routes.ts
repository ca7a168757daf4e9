import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { IfMatchHeader, OptionalNoteAt, ReasonAt } from '../../lib/command-schemas.js';
import { etagOf } from '../../lib/etag.js';
import { PageQuery, UuidParam, page } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import { Diversion, DiversionPropose } from './schemas.js';
import { diversionService } from './service.js';

export const diversionRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = diversionService(db, config);
  const tags = ['diversion'];

  app.post(
    '/cases/:id/diversions',
    {
      schema: {
        operationId: 'proposeDiversion',
        tags,
        summary: 'Propose diversion: provider and conditions (court clerk or prosecutor)',
        params: UuidParam,
        body: DiversionPropose,
        response: { 201: Diversion },
      },
    },
    async (request, reply) => {
      const row = await service.propose(contextOf(request), request.params.id, request.body);
      return reply.code(201).header('etag', etagOf(row.version)).send(row);
    },
  );

  app.get(
    '/cases/:id/diversions',
    {
      schema: {
        operationId: 'listDiversions',
        tags,
        summary: 'Diversions of a case, latest first',
        params: UuidParam,
        querystring: PageQuery,
        response: { 200: page(Diversion, 'DiversionPage') },
      },
    },
    async (request) => service.list(contextOf(request), request.params.id, request.query),
  );

  app.get(
    '/diversions/:id',
    {
      schema: {
        operationId: 'getDiversion',
        tags,
        summary: 'One diversion, with its ETag',
        params: UuidParam,
        response: { 200: Diversion },
      },
    },
    async (request, reply) => {
      const row = await service.get(contextOf(request), request.params.id);
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  const command = {
    params: UuidParam,
    headers: IfMatchHeader,
    response: { 200: Diversion },
    tags,
  };

  /** The steps after a proposal, each its own operation; the stage machine lives in the service. */
  const steps = [
    {
      step: 'accept',
      operationId: 'acceptDiversion',
      summary: 'The child and family accept',
      body: OptionalNoteAt,
    },
    {
      step: 'decline',
      operationId: 'declineDiversion',
      summary: 'The child or family decline',
      body: ReasonAt,
    },
    {
      step: 'start',
      operationId: 'startDiversion',
      summary: 'The programme is in progress',
      body: OptionalNoteAt,
    },
    {
      step: 'complete',
      operationId: 'completeDiversion',
      summary: 'Completed: the case closes as diverted',
      body: OptionalNoteAt,
    },
    {
      step: 'fail',
      operationId: 'failDiversion',
      summary: 'Failed: the case goes back to the court path (pre-trial)',
      body: ReasonAt,
    },
  ] as const;

  for (const { step, operationId, summary, body } of steps) {
    app.post(
      `/diversions/:id/${step}`,
      { schema: { ...command, operationId, summary, body } },
      async (request, reply) => {
        const b = request.body as { note?: string; reason?: string; occurredAt?: string };
        const row = await service.step(
          contextOf(request),
          request.params.id,
          step,
          b.reason ?? b.note,
          request.headers['if-match'],
          b.occurredAt,
        );
        return reply.header('etag', etagOf(row.version)).send(row);
      },
    );
  }
};
