import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { etagOf } from '../../lib/etag.js';
import { UuidParam } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import {
  MatchQuery,
  Person,
  PersonCreate,
  PersonMatches,
  PersonMerge,
  PersonMergeResult,
  PersonPatch,
  PersonRedirect,
} from './schemas.js';
import { IfMatchRequiredHeader, MERGE_PATCH_TYPES } from '../../lib/command-schemas.js';
import { PersonMoved, personService } from './service.js';

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
        summary:
          'Likely matches for a child about to be registered: the same name in any script or spelling, national identity number, date of birth',
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
        summary: 'Read a child record (a merged record answers 308 with the survivor in Location)',
        params: UuidParam,
        response: { 200: Person, 308: PersonRedirect },
      },
    },
    async (request, reply) => {
      const row = await service.get(contextOf(request), request.params.id);
      if (row instanceof PersonMoved) {
        return reply
          .code(308)
          .header('location', `/v1/persons/${row.mergedInto}`)
          .send({ id: row.id, mergedInto: row.mergedInto, mergedAt: row.mergedAt });
      }
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  app.post(
    '/persons/:id/merge',
    {
      schema: {
        operationId: 'mergePerson',
        tags,
        summary:
          'Merge this record into another record of the same child (court clerk of a court that sees both; If-Match on both)',
        description:
          'The record in the path becomes a redirect to `survivorId` (GET answers 308); its cases, custody episodes, consents and records move to the survivor. If-Match carries the ETag of the record in the path, `survivorVersion` the version of the survivor. 409 when either record has a sealed or expunged case, when the two hold different national identity numbers, or when both are in custody.',
        params: UuidParam,
        headers: IfMatchRequiredHeader,
        body: PersonMerge,
        response: { 200: PersonMergeResult },
      },
    },
    async (request, reply) => {
      const result = await service.merge(
        contextOf(request),
        request.params.id,
        request.body,
        request.headers['if-match'],
      );
      return reply
        .header('etag', etagOf(result.survivor.version))
        .header('location', `/v1/persons/${result.survivor.id}`)
        .send(result);
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
