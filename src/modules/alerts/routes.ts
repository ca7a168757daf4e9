import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { contextOf } from '../../plugins/auth.js';
import { Alert, AlertAcknowledge, AlertIdParam, AlertListQuery, AlertPage, AlertSummary } from './schemas.js';
import { alertService } from './service.js';

export const alertRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (app, { db, config }) => {
  const service = alertService(db, config);
  const tags = ['alerts'];

  app.get(
    '/alerts',
    {
      schema: {
        operationId: 'listAlerts',
        tags,
        summary:
          'Deadline alerts on the cases you are related to and can act on, evaluated now, earliest deadline first',
        querystring: AlertListQuery,
        response: { 200: AlertPage },
      },
    },
    async (request) => service.list(contextOf(request), request.query),
  );

  app.get(
    '/alerts/summary',
    {
      schema: {
        operationId: 'getAlertSummary',
        tags,
        summary: 'Counts of alerts per rule for your court or office (no case ids)',
        response: { 200: AlertSummary },
      },
    },
    async (request) => service.summary(contextOf(request)),
  );

  app.post(
    '/alerts/:id/acknowledge',
    {
      schema: {
        operationId: 'acknowledgeAlert',
        tags,
        summary: 'Acknowledge an alert with a note on what is being done (this occurrence only)',
        params: AlertIdParam,
        body: AlertAcknowledge,
        response: { 201: Alert },
      },
    },
    async (request, reply) => {
      const alert = await service.acknowledge(contextOf(request), request.params.id, request.body);
      return reply.code(201).send(alert);
    },
  );
};
