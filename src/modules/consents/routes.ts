import { IfMatchHeader } from '../../lib/command-schemas.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { etagOf } from '../../lib/etag.js';
import { UuidParam } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import {
  Consent,
  ConsentConfirm,
  ConsentCreate,
  ConsentListQuery,
  ConsentPage,
  ConsentRevoke,
} from './schemas.js';
import { consentService } from './service.js';

export const consentRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = consentService(db, config);
  const tags = ['consents'];

  app.post(
    '/persons/:id/consents',
    {
      schema: {
        operationId: 'createConsent',
        tags,
        summary:
          "Record a consent to disclose a child's sensitive records (categories, purposes, grantee, period)",
        params: UuidParam,
        body: ConsentCreate,
        response: { 201: Consent },
      },
    },
    async (request, reply) => {
      const view = await service.create(contextOf(request), request.params.id, request.body);
      return reply.code(201).send(view);
    },
  );

  app.get(
    '/persons/:id/consents',
    {
      schema: {
        operationId: 'listConsents',
        tags,
        summary:
          "A child's consents with their status; guardian consents flagged for re-affirmation at majority",
        params: UuidParam,
        querystring: ConsentListQuery,
        response: { 200: ConsentPage },
      },
    },
    async (request) => service.list(contextOf(request), request.params.id, request.query),
  );

  app.post(
    '/consents/:id/confirm',
    {
      schema: {
        operationId: 'confirmConsent',
        tags,
        summary:
          'Confirm a consent its own grantee recorded (a second person of the owning court, or the child’s lawyer)',
        params: UuidParam,
        body: ConsentConfirm.optional(),
        response: { 200: Consent },
      },
    },
    async (request) => service.confirm(contextOf(request), request.params.id),
  );

  app.post(
    '/consents/:id/revoke',
    {
      schema: {
        operationId: 'revokeConsent',
        tags,
        summary: 'Revoke a consent; the very next request is decided without it',
        params: UuidParam,
        headers: IfMatchHeader,
        body: ConsentRevoke.optional(),
        response: { 200: Consent },
      },
    },
    async (request, reply) => {
      const view = await service.revoke(contextOf(request), request.params.id, request.headers['if-match']);
      return reply.header('etag', etagOf(view.version)).send(view);
    },
  );

  app.get(
    '/consents/:id',
    {
      schema: {
        operationId: 'getConsent',
        tags,
        summary: 'One consent, with its ETag (as the consent list shows it to your role)',
        params: UuidParam,
        response: { 200: Consent },
      },
    },
    async (request, reply) => {
      const view = await service.get(contextOf(request), request.params.id);
      return reply.header('etag', etagOf(view.version)).send(view);
    },
  );
};
