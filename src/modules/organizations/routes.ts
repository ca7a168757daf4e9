import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { etagOf } from '../../lib/etag.js';
import { PageQuery, page } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import {
  Organization,
  OrganizationCreate,
  StaffMember,
  StaffPut,
  StaffQuery,
  StaffSubParam,
} from './schemas.js';
import { organizationService } from './service.js';

export const organizationRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const service = organizationService(db);
  const tags = ['organizations'];

  app.post(
    '/organizations',
    {
      schema: {
        operationId: 'createOrganization',
        tags,
        summary: 'Register an organisation (admin)',
        body: OrganizationCreate,
        response: { 201: Organization },
      },
    },
    async (request, reply) => reply.code(201).send(await service.create(contextOf(request), request.body)),
  );

  app.get(
    '/organizations',
    {
      schema: {
        operationId: 'listOrganizations',
        tags,
        summary: 'List organisations',
        querystring: PageQuery,
        response: { 200: page(Organization, 'OrganizationPage') },
      },
    },
    async (request) => service.list(contextOf(request), request.query),
  );

  app.get(
    '/organizations/:id',
    {
      schema: {
        operationId: 'getOrganization',
        tags,
        summary: 'Read an organisation',
        params: z.object({ id: z.string().min(1).max(63) }),
        response: { 200: Organization },
      },
    },
    async (request) => service.get(contextOf(request), request.params.id),
  );

  app.put(
    '/staff/:sub',
    {
      schema: {
        operationId: 'putStaffMember',
        tags,
        summary: 'Create or replace a staff directory entry (admin); replacing needs If-Match',
        params: StaffSubParam,
        headers: z.object({ 'if-match': z.string().optional() }),
        body: StaffPut,
        response: { 200: StaffMember, 201: StaffMember },
      },
    },
    async (request, reply) => {
      const { row, created } = await service.putStaff(
        contextOf(request),
        request.params.sub,
        request.body,
        request.headers['if-match'],
      );
      return reply
        .code(created ? 201 : 200)
        .header('etag', etagOf(row.version))
        .send(row);
    },
  );

  app.get(
    '/staff/:sub',
    {
      schema: {
        operationId: 'getStaffMember',
        tags,
        summary: 'Read a staff directory entry',
        params: StaffSubParam,
        response: { 200: StaffMember },
      },
    },
    async (request, reply) => {
      const row = await service.getStaff(contextOf(request), request.params.sub);
      return reply.header('etag', etagOf(row.version)).send(row);
    },
  );

  app.get(
    '/staff',
    {
      schema: {
        operationId: 'listStaff',
        tags,
        summary: 'Search the staff directory by role and organisation',
        querystring: StaffQuery,
        response: { 200: page(StaffMember, 'StaffPage') },
      },
    },
    async (request) => service.listStaff(contextOf(request), request.query),
  );
};
