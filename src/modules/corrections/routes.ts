import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../db/client.js';
import { UuidParam } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import { CorrectionPage, CorrectionQuery } from './schemas.js';
import { correctionService } from './service.js';

export const correctionRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const service = correctionService(db);

  app.get(
    '/cases/:id/corrections',
    {
      schema: {
        operationId: 'listCaseCorrections',
        tags: ['cases'],
        summary: 'Corrections of a case (intake data, charges), oldest first, with the values replaced',
        params: UuidParam,
        querystring: CorrectionQuery,
        response: { 200: CorrectionPage },
      },
    },
    async (request) => service.listForCase(contextOf(request), request.params.id, request.query),
  );

  app.get(
    '/persons/:id/corrections',
    {
      schema: {
        operationId: 'listPersonCorrections',
        tags: ['persons'],
        summary: "Corrections of a child's details, oldest first, with the values replaced",
        params: UuidParam,
        querystring: CorrectionQuery,
        response: { 200: CorrectionPage },
      },
    },
    async (request) => service.listForPerson(contextOf(request), request.params.id, request.query),
  );
};
