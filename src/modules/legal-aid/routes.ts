import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { IfMatchHeader } from '../../lib/command-schemas.js';
import { etagOf } from '../../lib/etag.js';
import { PageQuery, UuidParam, page } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import {
  AssignmentParam,
  LegalAidNote,
  LegalAidAssign,
  LegalAidAssignment,
  LegalAidReason,
  LegalAidRequest,
  WorklistItem,
  WorklistQuery,
} from './schemas.js';
import { legalAidService } from './service.js';

export const legalAidRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = legalAidService(db, config);
  const tags = ['legal-aid'];

  app.post(
    '/cases/:id/legal-aid-assignments',
    {
      schema: {
        operationId: 'assignLegalAid',
        tags,
        summary: 'Assign legal aid to a lawyer or a legal aid organisation (court clerk)',
        params: UuidParam,
        body: LegalAidAssign,
        response: { 201: LegalAidAssignment },
      },
    },
    async (request, reply) => {
      const row = await service.assign(contextOf(request), request.params.id, request.body);
      return reply
        .code(201)
        .header('etag', etagOf(row.version))
        .header('location', `/v1/legal-aid/assignments/${row.id}`)
        .send(row);
    },
  );

  app.get(
    '/cases/:id/legal-aid-assignments',
    {
      schema: {
        operationId: 'listCaseLegalAidAssignments',
        tags,
        summary: 'Legal aid assignments of a case, newest first',
        params: UuidParam,
        querystring: PageQuery,
        response: { 200: page(LegalAidAssignment, 'LegalAidAssignmentPage') },
      },
    },
    async (request) => service.listForCase(contextOf(request), request.params.id, request.query),
  );

  app.post(
    '/cases/:id/legal-aid-requests',
    {
      schema: {
        operationId: 'requestLegalAid',
        tags,
        summary:
          'Record that the child needs a lawyer (court clerk, on its own or the child’s request); assigning takes it up',
        params: UuidParam,
        body: LegalAidRequest,
        response: { 201: LegalAidAssignment },
      },
    },
    async (request, reply) => {
      const row = await service.request(contextOf(request), request.params.id, request.body);
      return reply
        .code(201)
        .header('etag', etagOf(row.version))
        .header('location', `/v1/legal-aid/assignments/${row.id}`)
        .send(row);
    },
  );

  app.get(
    '/legal-aid/assignments/:id',
    {
      schema: {
        operationId: 'getLegalAidAssignment',
        tags,
        summary: 'One legal aid request or assignment, with its ETag',
        params: AssignmentParam,
        response: { 200: LegalAidAssignment },
      },
    },
    async (request, reply) => {
      const row = await service.get(contextOf(request), request.params.id);
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  app.get(
    '/legal-aid/assignments',
    {
      schema: {
        operationId: 'listMyLegalAidAssignments',
        tags,
        summary: "The lawyer's worklist: their open assignments with the case essentials",
        querystring: WorklistQuery,
        response: { 200: page(WorklistItem, 'LegalAidWorklistPage') },
      },
    },
    async (request) => service.worklist(contextOf(request), request.query),
  );

  const command = <B extends z.ZodType>(operationId: string, summary: string, body: B) => ({
    schema: {
      operationId,
      tags,
      summary,
      params: AssignmentParam,
      headers: IfMatchHeader,
      body,
      response: { 200: LegalAidAssignment },
    },
  });

  app.post(
    '/legal-aid/assignments/:id/accept',
    command('acceptLegalAidAssignment', 'Accept an assignment addressed to you (lawyer)', LegalAidNote),
    async (request, reply) => {
      const row = await service.respond(
        contextOf(request),
        request.params.id,
        'accept',
        undefined,
        request.headers['if-match'],
        request.body.occurredAt,
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );
  app.post(
    '/legal-aid/assignments/:id/decline',
    command('declineLegalAidAssignment', 'Decline an assignment addressed to you (lawyer)', LegalAidReason),
    async (request, reply) => {
      const row = await service.respond(
        contextOf(request),
        request.params.id,
        'decline',
        request.body.reason,
        request.headers['if-match'],
        request.body.occurredAt,
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );
  app.post(
    '/legal-aid/assignments/:id/withdraw',
    command(
      'withdrawLegalAidAssignment',
      'Withdraw a request or an assignment (court clerk, or the assigned lawyer)',
      LegalAidReason,
    ),
    async (request, reply) => {
      const row = await service.end(
        contextOf(request),
        request.params.id,
        'withdraw',
        request.body.reason,
        request.headers['if-match'],
        request.body.occurredAt,
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );
  app.post(
    '/legal-aid/assignments/:id/complete',
    command(
      'completeLegalAidAssignment',
      'Complete an assignment (court clerk, or the assigned lawyer)',
      LegalAidNote,
    ),
    async (request, reply) => {
      const row = await service.end(
        contextOf(request),
        request.params.id,
        'complete',
        request.body.note,
        request.headers['if-match'],
        request.body.occurredAt,
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );
};
