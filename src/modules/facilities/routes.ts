import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { PageQuery, UuidParam, page } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import {
  Facility,
  FacilityCreate,
  FacilityListQuery,
  FamilyVisit,
  FamilyVisitCreate,
  Incident,
  IncidentCreate,
  Inspection,
  InspectionCreate,
} from './schemas.js';
import { facilityService } from './service.js';

export const facilityRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = facilityService(db, config);
  const tags = ['facilities'];

  app.post(
    '/facilities',
    {
      schema: {
        operationId: 'createFacility',
        tags,
        summary: 'Register a place of detention (administration)',
        body: FacilityCreate,
        response: { 201: Facility },
      },
    },
    async (request, reply) => {
      const row = await service.create(contextOf(request), request.body);
      return reply.code(201).header('location', `/v1/facilities/${row.id}`).send(row);
    },
  );

  app.get(
    '/facilities',
    {
      schema: {
        operationId: 'listFacilities',
        tags,
        summary: 'The registry of places of detention, by name',
        querystring: FacilityListQuery,
        response: { 200: page(Facility, 'FacilityPage') },
      },
    },
    async (request) => service.list(contextOf(request), request.query),
  );

  app.get(
    '/facilities/:id',
    {
      schema: {
        operationId: 'getFacility',
        tags,
        summary: 'Read a facility of the registry',
        params: UuidParam,
        response: { 200: Facility },
      },
    },
    async (request) => service.get(contextOf(request), request.params.id),
  );

  app.post(
    '/facilities/:id/incidents',
    {
      schema: {
        operationId: 'recordCustodyIncident',
        tags,
        summary:
          "Record an incident at a facility (a death in custody, self-harm, use of force...), for a child's custody episode or the facility as a whole",
        params: UuidParam,
        body: IncidentCreate,
        response: { 201: Incident },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await service.recordIncident(contextOf(request), request.params.id, request.body)),
  );

  app.get(
    '/facilities/:id/incidents',
    {
      schema: {
        operationId: 'listCustodyIncidents',
        tags,
        summary: 'Incidents at a facility, latest first (administration and auditors)',
        params: UuidParam,
        querystring: PageQuery,
        response: { 200: page(Incident, 'IncidentPage') },
      },
    },
    async (request) => service.listIncidents(contextOf(request), request.params.id, request.query),
  );

  app.post(
    '/facilities/:id/inspections',
    {
      schema: {
        operationId: 'recordFacilityInspection',
        tags,
        summary: 'Record an inspection of a facility (administration or oversight body)',
        params: UuidParam,
        body: InspectionCreate,
        response: { 201: Inspection },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await service.recordInspection(contextOf(request), request.params.id, request.body)),
  );

  app.get(
    '/facilities/:id/inspections',
    {
      schema: {
        operationId: 'listFacilityInspections',
        tags,
        summary: 'Inspections of a facility, latest first',
        params: UuidParam,
        querystring: PageQuery,
        response: { 200: page(Inspection, 'InspectionPage') },
      },
    },
    async (request) => service.listInspections(contextOf(request), request.params.id, request.query),
  );

  app.post(
    '/custody-episodes/:id/visits',
    {
      schema: {
        operationId: 'recordFamilyVisit',
        tags,
        summary: 'Record a family visit to a detained child (visitor by relationship only)',
        params: UuidParam,
        body: FamilyVisitCreate,
        response: { 201: FamilyVisit },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await service.recordVisit(contextOf(request), request.params.id, request.body)),
  );

  app.get(
    '/custody-episodes/:id/visits',
    {
      schema: {
        operationId: 'listFamilyVisits',
        tags,
        summary: 'Family visits during a custody episode, latest first',
        params: UuidParam,
        querystring: PageQuery,
        response: { 200: page(FamilyVisit, 'FamilyVisitPage') },
      },
    },
    async (request) => service.listVisits(contextOf(request), request.params.id, request.query),
  );
};
