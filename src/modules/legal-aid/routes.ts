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
  LegalAidAssign,
  LegalAidAssignment,
  OptionalNote,
  Reason,
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
    command('acceptLegalAidAssignment', 'Accept an assignment addressed to you (lawyer)', OptionalNote),
    async (request, reply) => {
      const row = await service.respond(
        contextOf(request),
        request.params.id,
        'accept',
        undefined,
        request.headers['if-match'],
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );
  app.post(
    '/legal-aid/assignments/:id/decline',
    command('declineLegalAidAssignment', 'Decline an assignment addressed to you (lawyer)', Reason),
    async (request, reply) => {
      const row = await service.respond(
        contextOf(request),
        request.params.id,
        'decline',
        request.body.reason,
        request.headers['if-match'],
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );
  app.post(
    '/legal-aid/assignments/:id/withdraw',
    command(
      'withdrawLegalAidAssignment',
      'Withdraw an assignment (court clerk, or the assigned lawyer)',
      Reason,
    ),
    async (request, reply) => {
      const row = await service.end(
        contextOf(request),
        request.params.id,
        'withdraw',
        request.body.reason,
        request.headers['if-match'],
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );
  app.post(
    '/legal-aid/assignments/:id/complete',
    command(
      'completeLegalAidAssignment',
      'Complete an assignment (court clerk, or the assigned lawyer)',
      OptionalNote,
    ),
    async (request, reply) => {
      const row = await service.end(
        contextOf(request),
        request.params.id,
        'complete',
        request.body.note,
        request.headers['if-match'],
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );
};
