import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { IfMatchHeader, OptionalNoteAt, ReasonAt } from '../../lib/command-schemas.js';
import { etagOf } from '../../lib/etag.js';
import { PageQuery, UuidParam, page } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import { CONDITION_STEPS, type ConditionStep, diversionConditionService } from './conditions.js';
import {
  ConditionDone,
  ConditionRefusal,
  Diversion,
  DiversionCondition,
  DiversionPropose,
} from './schemas.js';
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

  const conditions = diversionConditionService(db, config);
  const conditionSteps: Record<
    ConditionStep,
    { operationId: string; summary: string; body: typeof ConditionDone | typeof ConditionRefusal }
  > = {
    done: {
      operationId: 'recordDiversionConditionDone',
      summary:
        'A condition was met (court clerk or prosecutor); a restorative meeting needs the victim’s consent',
      body: ConditionDone,
    },
    'not-done': {
      operationId: 'recordDiversionConditionNotDone',
      summary: 'A condition was not met, with the reason (court clerk or prosecutor)',
      body: ConditionRefusal,
    },
    waive: {
      operationId: 'waiveDiversionCondition',
      summary: 'The prosecutor waives a condition, with the reason',
      body: ConditionRefusal,
    },
  };
  app.get(
    '/diversion-conditions/:id',
    {
      schema: {
        operationId: 'getDiversionCondition',
        tags,
        summary: 'One diversion condition, with its ETag',
        params: UuidParam,
        response: { 200: DiversionCondition },
      },
    },
    async (request, reply) => {
      const row = await conditions.get(contextOf(request), request.params.id);
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  for (const step of Object.keys(CONDITION_STEPS) as ConditionStep[]) {
    const { operationId, summary, body } = conditionSteps[step];
    app.post(
      `/diversion-conditions/:id/${step}`,
      {
        schema: {
          params: UuidParam,
          headers: IfMatchHeader,
          response: { 200: DiversionCondition },
          tags,
          operationId,
          summary,
          body,
        },
      },
      async (request, reply) => {
        const row = await conditions.record(
          contextOf(request),
          request.params.id,
          step,
          request.body as never,
          request.headers['if-match'],
        );
        return reply.header('etag', etagOf(row.version)).send(row);
      },
    );
  }
};
