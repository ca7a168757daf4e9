import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { etagOf } from '../../lib/etag.js';
import { UuidParam } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import { MatchQuery, Person, PersonCreate, PersonMatches, PersonPatch } from './schemas.js';
import { IfMatchRequiredHeader, MERGE_PATCH_TYPES } from '../../lib/command-schemas.js';
import { personService } from './service.js';

export const personRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = personService(db, config);
  const tags = ['persons'];

  app.post(
    '/persons',
    {
      schema: {
        operationId: 'createPerson',
        tags,
        summary: 'Register a child (ask for matches first)',
        body: PersonCreate,
        response: { 201: Person },
      },
    },
    async (request, reply) => {
      const row = await service.create(contextOf(request), request.body);
      return reply
        .code(201)
        .header('etag', etagOf(row.version))
        .header('location', `/v1/persons/${row.id}`)
        .send(row);
    },
  );

  app.get(
    '/persons/matches',
    {
      schema: {
        operationId: 'matchPersons',
        tags,
        summary: 'Likely matches for a child about to be registered (fuzzy name, date of birth)',
        querystring: MatchQuery,
        response: { 200: PersonMatches },
      },
    },
    async (request) => service.matches(contextOf(request), request.query),
  );

  app.get(
    '/persons/:id',
    {
      schema: {
        operationId: 'getPerson',
        tags,
        summary: 'Read a child record',
        params: UuidParam,
        response: { 200: Person },
      },
    },
    async (request, reply) => {
      const row = await service.get(contextOf(request), request.params.id);
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  app.patch(
    '/persons/:id',
    {
      schema: {
        operationId: 'correctPerson',
        tags,
        summary: "Correct a child's details (JSON merge patch, If-Match required; court clerk)",
        params: UuidParam,
        headers: IfMatchRequiredHeader,
        consumes: MERGE_PATCH_TYPES,
        body: PersonPatch,
        response: { 200: Person },
      },
    },
    async (request, reply) => {
      const row = await service.correct(
        contextOf(request),
        request.params.id,
        request.body,
        request.headers['if-match'],
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );
};
