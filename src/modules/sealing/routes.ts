import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { UuidParam } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import {
  CaseTombstone,
  EligibleListQuery,
  EligiblePage,
  ExpungeRequest,
  SealRequest,
  SealedCase,
} from './schemas.js';
import { sealingService } from './service.js';

export const sealingRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = sealingService(db, config);
  const tags = ['cases'];

  app.get(
    '/sealing/eligible',
    {
      schema: {
        operationId: 'listSealingEligibleCases',
        tags,
        summary:
          "Your court's closed cases the configured rules make eligible for sealing, earliest first (clerks and judges decide; nothing is sealed here)",
        querystring: EligibleListQuery,
        response: { 200: EligiblePage },
      },
    },
    async (request) => service.eligible(contextOf(request), request.query),
  );

  app.post(
    '/cases/:id/seal',
    {
      schema: {
        operationId: 'sealCase',
        tags,
        summary: "Seal a case under a court order (the owning court's clerk)",
        params: UuidParam,
        body: SealRequest,
        response: { 200: SealedCase },
      },
    },
    async (request) => service.seal(contextOf(request), request.params.id, request.body),
  );

  app.post(
    '/cases/:id/expunge',
    {
      schema: {
        operationId: 'expungeCase',
        tags,
        summary: 'Erase the personal data and sensitive content of a case, leaving a tombstone',
        params: UuidParam,
        body: ExpungeRequest,
        response: { 200: CaseTombstone },
      },
    },
    async (request) => service.expunge(contextOf(request), request.params.id, request.body),
  );
};
