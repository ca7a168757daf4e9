import { IfMatchHeader } from '../../lib/command-schemas.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { etagOf } from '../../lib/etag.js';
import { UuidParam, page } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import {
  ServiceReferralCreate,
  SocialServicesQuery,
  SocialServicesRecordMeta,
  SocialWorkAssign,
  SocialWorkAssignment,
  SocialWorkEnd,
  VulnerabilityAssessmentCreate,
} from './schemas.js';
import { socialServicesService } from './service.js';

export const socialServicesRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = socialServicesService(db, config);
  const tags = ['social-services'];

  app.post(
    '/cases/:id/social-work-assignments',
    {
      schema: {
        operationId: 'assignSocialWorker',
        tags,
        summary: 'Assign a social worker to the case (court clerk)',
        params: UuidParam,
        body: SocialWorkAssign,
        response: { 201: SocialWorkAssignment },
      },
    },
    async (request, reply) => {
      const row = await service.assign(contextOf(request), request.params.id, request.body);
      return reply.code(201).header('etag', etagOf(row.version)).send(row);
    },
  );

  app.get(
    '/social-work-assignments/:id',
    {
      schema: {
        operationId: 'getSocialWorkAssignment',
        tags,
        summary: 'One social worker assignment, with its ETag',
        params: UuidParam,
        response: { 200: SocialWorkAssignment },
      },
    },
    async (request, reply) => {
      const row = await service.getAssignment(contextOf(request), request.params.id);
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  app.post(
    '/social-work-assignments/:id/end',
    {
      schema: {
        operationId: 'endSocialWorkAssignment',
        tags,
        summary: 'End a social worker assignment (court clerk)',
        params: UuidParam,
        headers: IfMatchHeader,
        body: SocialWorkEnd.nullish(),
        response: { 200: SocialWorkAssignment },
      },
    },
    async (request, reply) => {
      const row = await service.endAssignment(
        contextOf(request),
        request.params.id,
        request.body ?? {},
        request.headers['if-match'],
      );
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  app.post(
    '/cases/:id/vulnerability-assessments',
    {
      schema: {
        operationId: 'recordVulnerabilityAssessment',
        tags,
        summary: 'Record a vulnerability assessment (assigned social worker); stored as a sensitive record',
        params: UuidParam,
        body: VulnerabilityAssessmentCreate,
        response: { 201: SocialServicesRecordMeta },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await service.assess(contextOf(request), request.params.id, request.body)),
  );

  app.post(
    '/cases/:id/service-referrals',
    {
      schema: {
        operationId: 'recordServiceReferral',
        tags,
        summary: 'Record a service referral (assigned social worker); stored as a sensitive record',
        params: UuidParam,
        body: ServiceReferralCreate,
        response: { 201: SocialServicesRecordMeta },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await service.refer(contextOf(request), request.params.id, request.body)),
  );

  app.get(
    '/cases/:id/social-services',
    {
      schema: {
        operationId: 'listSocialServicesRecords',
        tags,
        summary: 'Assessments and referrals of a case: metadata only, never content',
        params: UuidParam,
        querystring: SocialServicesQuery,
        response: { 200: page(SocialServicesRecordMeta, 'SocialServicesRecordPage') },
      },
    },
    async (request) => service.list(contextOf(request), request.params.id, request.query),
  );
};
