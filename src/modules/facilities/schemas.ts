import { z } from 'zod';
import { FACILITY_KINDS, INCIDENT_KINDS, VISITOR_RELATIONSHIPS } from '../../db/schema/facilities.js';
import { IsoDateTime, PageQuery } from '../../lib/schemas.js';

export const FacilityCreate = z
  .strictObject({
    name: z.string().min(1).max(200),
    kind: z.enum(FACILITY_KINDS),
    region: z.string().min(1).max(100),
    separatedFromAdults: z.boolean().describe('Children are wholly separated from adults'),
    complaintsMechanism: z.boolean().describe('A complaints mechanism operates for the children held there'),
    capacity: z.number().int().min(0).max(100_000).optional(),
  })
  .meta({ id: 'FacilityCreate' });

export const Facility = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(FACILITY_KINDS),
    region: z.string(),
    separatedFromAdults: z.boolean(),
    complaintsMechanism: z.boolean(),
    capacity: z.number().int().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'Facility' });

export const FacilityListQuery = PageQuery.extend({ region: z.string().min(1).max(100).optional() });

export const FamilyVisitCreate = z
  .strictObject({
    occurredAt: IsoDateTime,
    visitorRelationship: z.enum(VISITOR_RELATIONSHIPS).describe('Who visited, by relationship only'),
  })
  .meta({ id: 'FamilyVisitCreate' });

export const FamilyVisit = z
  .object({
    id: z.uuid(),
    custodyEpisodeId: z.uuid(),
    caseId: z.uuid(),
    occurredAt: z.date(),
    visitorRelationship: z.enum(VISITOR_RELATIONSHIPS),
    createdAt: z.date(),
  })
  .meta({ id: 'FamilyVisit' });

export const IncidentCreate = z
  .strictObject({
    kind: z.enum(INCIDENT_KINDS).describe('death: a death in custody (indicator 6)'),
    occurredAt: IsoDateTime,
    custodyEpisodeId: z
      .uuid()
      .optional()
      .describe("The child's custody episode, when it happened to a child"),
    notes: z.string().min(1).max(4000).optional(),
  })
  .meta({ id: 'IncidentCreate' });

export const Incident = z
  .object({
    id: z.uuid(),
    facilityId: z.uuid(),
    custodyEpisodeId: z.uuid().nullable(),
    caseId: z.uuid().nullable(),
    kind: z.enum(INCIDENT_KINDS),
    occurredAt: z.date(),
    notes: z.string().nullable().optional(),
    createdAt: z.date(),
  })
  .meta({ id: 'Incident' });

export const InspectionCreate = z
  .strictObject({
    inspectedAt: IsoDateTime,
    inspectorBody: z.string().min(1).max(200),
    independent: z.boolean().describe("Carried out by a body independent of the facility's administration"),
    custodyEpisodeId: z.uuid().optional().describe("A monitor's visit to one child's detention"),
    findings: z.string().min(1).max(8000).optional(),
  })
  .meta({ id: 'InspectionCreate' });

export const Inspection = z
  .object({
    id: z.uuid(),
    facilityId: z.uuid(),
    custodyEpisodeId: z.uuid().nullable(),
    inspectedAt: z.date(),
    inspectorBody: z.string(),
    independent: z.boolean(),
    findings: z.string().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: 'Inspection' });
