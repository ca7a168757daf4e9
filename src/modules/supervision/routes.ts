import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { IfMatchHeader, OptionalNoteAt, ReasonAt } from '../../lib/command-schemas.js';
import { etagOf } from '../../lib/etag.js';
import { PageQuery, UuidParam, page } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import {
  CaseloadItem,
  ConditionCreate,
  ContactCreate,
  EntriesQuery,
  ProgressNoteCreate,
  Supervision,
  SupervisionEntry,
  SupervisionStart,
  ViolationCreate,
} from './schemas.js';
import { supervisionService } from './service.js';

const EntryRecorded = z
  .object({ entry: SupervisionEntry, supervision: Supervision })
  .meta({ id: 'SupervisionEntryRecorded' });

export const supervisionRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = supervisionService(db, config);
  const tags = ['supervision'];

  app.post(
    '/cases/:id/supervisions',
    {
      schema: {
        operationId: 'startSupervision',
        tags,
        summary: 'Put the child under probation supervision (court clerk, after a probation disposition)',
        params: UuidParam,
        body: SupervisionStart,
        response: { 201: Supervision },
      },
    },
    async (request, reply) => {
      const row = await service.start(contextOf(request), request.params.id, request.body);
      return reply
        .code(201)
        .header('etag', etagOf(row.version))
        .header('location', `/v1/supervisions/${row.id}`)
        .send(row);
    },
  );

  app.get(
    '/supervisions',
    {
      schema: {
        operationId: 'listMySupervisions',
        tags,
        summary: "The probation officer's caseload: their active supervisions",
        querystring: PageQuery,
        response: { 200: page(CaseloadItem, 'CaseloadPage') },
      },
    },
    async (request) => service.caseload(contextOf(request), request.query),
  );

  app.get(
    '/supervisions/:id',
    {
      schema: {
        operationId: 'getSupervision',
        tags,
        summary: 'Read a supervision',
        params: UuidParam,
        response: { 200: Supervision },
      },
    },
    async (request, reply) => {
      const row = await service.get(contextOf(request), request.params.id);
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  app.get(
    '/supervisions/:id/entries',
    {
      schema: {
        operationId: 'listSupervisionEntries',
        tags,
        summary: 'Contacts, violations, progress notes and conditions, oldest first',
        params: UuidParam,
        querystring: EntriesQuery,
        response: { 200: page(SupervisionEntry, 'SupervisionEntryPage') },
      },
    },
    async (request) => service.entries(contextOf(request), request.params.id, request.query),
  );

  const entry = { tags, params: UuidParam, response: { 201: EntryRecorded } };

  app.post(
    '/supervisions/:id/contacts',
    {
      schema: {
        ...entry,
        operationId: 'recordSupervisionContact',
        summary: 'Record a contact (check-in)',
        body: ContactCreate,
      },
    },
    async (request, reply) => {
      const { kind, ...rest } = request.body;
      const result = await service.record(contextOf(request), request.params.id, {
        kind: 'contact',
        contactKind: kind,
        ...rest,
      });
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/supervisions/:id/violations',
    {
      schema: {
        ...entry,
        operationId: 'recordSupervisionViolation',
        summary: 'Record a violation',
        body: ViolationCreate,
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await service.record(contextOf(request), request.params.id, { kind: 'violation', ...request.body }),
        ),
  );

  app.post(
    '/supervisions/:id/progress-notes',
    {
      schema: {
        ...entry,
        operationId: 'recordSupervisionProgressNote',
        summary: 'Record a progress note',
        body: ProgressNoteCreate,
      },
    },
    async (request, reply) =>
      reply.code(201).send(
        await service.record(contextOf(request), request.params.id, {
          kind: 'progress_note',
          ...request.body,
        }),
      ),
  );

  app.post(
    '/supervisions/:id/conditions',
    {
      schema: {
        ...entry,
        operationId: 'addSupervisionCondition',
        summary: 'Add a condition',
        body: ConditionCreate,
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await service.record(contextOf(request), request.params.id, { kind: 'condition', ...request.body }),
        ),
  );

  app.post(
    '/supervisions/:id/complete',
    {
      schema: {
        tags,
        operationId: 'completeSupervision',
        summary: 'Complete the supervision (the officer stops being related to the case)',
        params: UuidParam,
        headers: IfMatchHeader,
        body: OptionalNoteAt,
        response: { 200: Supervision },
      },
    },
    async (request, reply) => {
      const row = await service.complete(
        contextOf(request),
        request.params.id,
        request.body,
        request.headers['if-match'],
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  app.post(
    '/supervisions/:id/revocation-request',
    {
      schema: {
        tags,
        operationId: 'requestSupervisionRevocation',
        summary: 'Ask the court to revoke the supervision',
        params: UuidParam,
        headers: IfMatchHeader,
        body: ReasonAt,
        response: { 200: Supervision },
      },
    },
    async (request, reply) => {
      const row = await service.requestRevocation(
        contextOf(request),
        request.params.id,
        request.body,
        request.headers['if-match'],
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  app.post(
    '/supervisions/:id/revoke',
    {
      schema: {
        tags,
        operationId: 'revokeSupervision',
        summary:
          "Grant the officer's revocation request (court clerk): the case returns to the court for re-sentencing",
        params: UuidParam,
        headers: IfMatchHeader,
        body: ReasonAt,
        response: { 200: Supervision },
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
