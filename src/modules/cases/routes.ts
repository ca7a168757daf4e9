import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { etagOf } from '../../lib/etag.js';
import { UuidParam, page } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import { IfMatchHeader, IfMatchRequiredHeader, MERGE_PATCH_TYPES } from '../../lib/command-schemas.js';
import { caseCorrectionService } from './corrections.js';
import { caseClosingService } from './closing.js';
import {
  Case,
  CaseClose,
  CaseClosed,
  CaseCreate,
  CaseListQuery,
  CasePatch,
  CaseSummary,
  IntakeAcceptance,
  IntakeAccepted,
} from './schemas.js';
import { caseService } from './service.js';

export const caseRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (app, { db, config }) => {
  const service = caseService(db, config);
  const tags = ['cases'];

  app.post(
    '/cases',
    {
      schema: {
        operationId: 'createCase',
        tags,
        summary: 'Open a case from an arrest or a referral',
        body: CaseCreate,
        response: { 201: Case },
      },
    },
    async (request, reply) => {
      const row = await service.create(contextOf(request), request.body);
      return reply
        .code(201)
        .header('etag', etagOf(row.version))
        .header('location', `/v1/cases/${row.id}`)
        .send(row);
    },
  );

  app.post(
    '/cases/:id/intake-acceptance',
    {
      schema: {
        operationId: 'acceptCaseIntake',
        tags,
        summary:
          "Accept a case opened on a child another court holds an open case for (that court's clerk or judge; once none does, a judge of the case's court)",
        params: UuidParam,
        body: IntakeAcceptance.optional(),
        response: { 200: IntakeAccepted },
      },
    },
    async (request) => service.acceptIntake(contextOf(request), request.params.id),
  );

  app.get(
    '/cases',
    {
      schema: {
        operationId: 'listCases',
        tags,
        summary: 'Cases the caller may see, newest first',
        querystring: CaseListQuery,
        response: { 200: page(CaseSummary, 'CasePage') },
      },
    },
    async (request) => service.list(contextOf(request), request.query),
  );

  app.get(
    '/cases/:id',
    {
      schema: {
        operationId: 'getCase',
        tags,
        summary: 'Read a case',
        params: UuidParam,
        response: { 200: Case },
      },
    },
    async (request, reply) => {
      const row = await service.get(contextOf(request), request.params.id);
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  const corrections = caseCorrectionService(db, config);
  app.patch(
    '/cases/:id',
    {
      schema: {
        operationId: 'correctCase',
        tags,
        summary: 'Correct intake data or charges (JSON merge patch, If-Match required; court clerk)',
        params: UuidParam,
        headers: IfMatchRequiredHeader,
        consumes: MERGE_PATCH_TYPES,
        body: CasePatch,
        response: { 200: Case },
      },
    },
    async (request, reply) => {
      const row = await corrections.correct(
        contextOf(request),
        request.params.id,
        request.body,
        request.headers['if-match'],
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  const closing = caseClosingService(db, config);
  app.post(
    '/cases/:id/close',
    {
      schema: {
        operationId: 'closeCase',
        tags,
        summary: 'Close a case with a reason (court clerk)',
        params: UuidParam,
        headers: IfMatchHeader,
        body: CaseClose,
        response: { 200: CaseClosed },
      },
    },
    async (request, reply) => {
      const row = await closing.close(
        contextOf(request),
        request.params.id,
        request.body,
        request.headers['if-match'],
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );
};
