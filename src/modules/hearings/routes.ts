import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { IfMatchHeader } from '../../lib/command-schemas.js';
import { etagOf } from '../../lib/etag.js';
import { PageQuery, UuidParam, page } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import {
  Hearing,
  HearingAdjourn,
  HearingAdjourned,
  HearingCancel,
  HearingHold,
  HearingSchedule,
} from './schemas.js';
import { hearingService } from './service.js';

export const hearingRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = hearingService(db, config);
  const tags = ['hearings'];

  app.post(
    '/cases/:id/hearings',
    {
      schema: {
        operationId: 'scheduleHearing',
        tags,
        summary: 'Schedule a hearing (court clerk)',
        params: UuidParam,
        body: HearingSchedule,
        response: { 201: Hearing },
      },
    },
    async (request, reply) => {
      const row = await service.schedule(contextOf(request), request.params.id, request.body);
      return reply.code(201).header('etag', etagOf(row.version)).send(row);
    },
  );

  app.get(
    '/cases/:id/hearings',
    {
      schema: {
        operationId: 'listHearings',
        tags,
        summary: 'Hearings of a case in date order',
        params: UuidParam,
        querystring: PageQuery,
        response: { 200: page(Hearing, 'HearingPage') },
      },
    },
    async (request) => service.list(contextOf(request), request.params.id, request.query),
  );

  app.get(
    '/hearings/:id',
    {
      schema: {
        operationId: 'getHearing',
        tags,
        summary: 'One hearing, with its ETag',
        params: UuidParam,
        response: { 200: Hearing },
      },
    },
    async (request, reply) => {
      const row = await service.get(contextOf(request), request.params.id);
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  app.post(
    '/hearings/:id/hold',
    {
      schema: {
        operationId: 'holdHearing',
        tags,
        summary: 'Record that a hearing was held: outcome, attendees, child-friendly courtroom',
        params: UuidParam,
        headers: IfMatchHeader,
        body: HearingHold,
        response: { 200: Hearing },
      },
    },
    async (request, reply) => {
      const row = await service.hold(
        contextOf(request),
        request.params.id,
        request.body,
        request.headers['if-match'],
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  app.post(
    '/hearings/:id/adjourn',
    {
      schema: {
        operationId: 'adjournHearing',
        tags,
        summary: 'Adjourn a hearing to a new date (a new scheduled hearing replaces it)',
        params: UuidParam,
        headers: IfMatchHeader,
        body: HearingAdjourn,
        response: { 200: HearingAdjourned },
      },
    },
    async (request) =>
      service.adjourn(contextOf(request), request.params.id, request.body, request.headers['if-match']),
  );

  app.post(
    '/hearings/:id/cancel',
    {
      schema: {
        operationId: 'cancelHearing',
        tags,
        summary: 'Cancel a scheduled hearing',
        params: UuidParam,
        headers: IfMatchHeader,
        body: HearingCancel,
        response: { 200: Hearing },
      },
    },
    async (request, reply) => {
      const row = await service.cancel(
        contextOf(request),
        request.params.id,
        request.body,
        request.headers['if-match'],
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );
};
