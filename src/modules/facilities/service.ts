import type { z } from 'zod';
import { type Allowed, authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import { badRequest, forbidden, notFound, unprocessable } from '../../lib/errors.js';
import { readEventClock } from '../../lib/event-time.js';
import { decodeCursor, decodeTimeCursor, isCursorUuid, pageOf } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { authorizeOn, caseLifecycle } from '../cases/lifecycle.js';
import { type FacilityRow, facilityRepository } from './repository.js';
import type {
  FacilityCreate,
  FacilityListQuery,
  FamilyVisitCreate,
  IncidentCreate,
  InspectionCreate,
} from './schemas.js';

const INCIDENT_LABEL: Record<string, string> = {
  death: 'Death in custody recorded',
  self_harm: 'Self-harm in custody recorded',
  injury: 'Injury in custody recorded',
  violence: 'Violence in custody recorded',
  use_of_force: 'Use of force in custody recorded',
  isolation: 'Isolation in custody recorded',
  other: 'Incident in custody recorded',
};

/** For the custody module: a registry facility by id, or null. */
export const facilityQueries = {
  get: (tx: Executor, id: string): Promise<FacilityRow | null> => facilityRepository.get(tx, id),
};

export function facilityService(db: Db, config: Config) {
  /** The facility, or 404 (audited with the decision that let the caller ask). */
  async function facilityOr404(tx: Executor, id: string, decision: Allowed, action: 'read' | 'create') {
    const row = await facilityRepository.get(tx, id);
    if (!row) {
      throw notFound('facility').withAudit({ action, resourceType: 'facility', resourceId: id, decision });
    }
    return row;
  }

  /** A custody episode at this facility, named by an incident or an inspection (422 otherwise). */
  async function episodeAt(tx: Executor, facilityId: string, episodeId: string) {
    const episode = await facilityRepository.episode(tx, episodeId);
    if (!episode || episode.facilityId !== facilityId) {
      throw unprocessable('The custody episode is not one at this facility', [
        { path: 'body.custodyEpisodeId', message: 'no custody episode of this facility with that id' },
      ]);
    }
    return episode;
  }

  return {
    async create(ctx: RequestContext, input: z.infer<typeof FacilityCreate>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'facility:create', { resourceType: 'facility' });
        const row = await facilityRepository.insert(tx, { ...input, capacity: input.capacity ?? null });
        await audit({
          action: 'create',
          resourceType: 'facility',
          resourceId: row.id,
          decision,
          outcome: 'allowed',
        });
        return row;
      });
    },

    async list(ctx: RequestContext, q: z.infer<typeof FacilityListQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'facility:read', { resourceType: 'facility' });
        const c = decodeCursor(q.cursor, 2);
        const after = c ? { name: String(c[0]), id: String(c[1]) } : null;
        if (after && !isCursorUuid(after.id)) {
          throw badRequest('The cursor is not valid', [
            { path: 'querystring.cursor', message: 'not a cursor from this API' },
          ]);
        }
        const rows = await facilityRepository.list(tx, q.region, after, q.limit + 1);
        await audit({ action: 'search', resourceType: 'facility', decision, outcome: 'allowed' });
        return pageOf(rows, q.limit, (r) => [r.name, r.id]);
      });
    },

    async get(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'facility:read', {
          resourceType: 'facility',
          resourceId: id,
        });
        const row = await facilityOr404(tx, id, decision, 'read');
        await audit({
          action: 'read',
          resourceType: 'facility',
          resourceId: id,
          decision,
          outcome: 'allowed',
        });
        return row;
      });
    },

    /** A family visit to a detained child, recorded by the court on the child's custody episode. */
    async recordVisit(ctx: RequestContext, episodeId: string, input: z.infer<typeof FamilyVisitCreate>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row: episode, decision } = await authorizeOn(
          tx,
          ctx,
          'custody:write',
          'custody_episode',
          episodeId,
          facilityRepository.episode,
        );
        const refusal = { action: 'create' as const, resourceType: 'family_visit', caseId: episode.caseId };
        const kase = await caseLifecycle.lock(tx, episode.caseId);
        caseLifecycle.check(kase, 'custody_recorded', decision, refusal);
        const clock = await readEventClock(tx, config);
        const occurredAt = clock.at(input.occurredAt);
        clock.check({
          path: 'body.occurredAt',
          at: occurredAt,
          notBefore: [{ at: episode.startedAt, what: 'the custody started' }],
          notAfter: [{ at: episode.releasedAt, what: 'the release' }],
        });
        const row = await facilityRepository.insertVisit(tx, {
          custodyEpisodeId: episode.id,
          caseId: episode.caseId,
          occurredAt,
          visitorRelationship: input.visitorRelationship,
          createdBy: ctx.caller.sub,
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'custody_recorded',
          kind: 'family_visit',
          occurredAt,
          summary: 'Family visit in custody',
          resourceType: 'family_visit',
          resourceId: row.id,
        });
        await audit({
          ...refusal,
          resourceId: row.id,
          personId: kase.personId,
          decision,
          outcome: 'allowed',
        });
        return row;
      });
    },

    async listVisits(ctx: RequestContext, episodeId: string, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row: episode, decision } = await authorizeOn(
          tx,
          ctx,
          'custody:read',
          'custody_episode',
          episodeId,
          facilityRepository.episode,
        );
        const rows = await facilityRepository.visits(tx, episode.id, decodeTimeCursor(q.cursor), q.limit + 1);
        await audit({
          action: 'search',
          resourceType: 'family_visit',
          resourceId: episodeId,
          caseId: episode.caseId,
          decision,
          outcome: 'allowed',
        });
        return pageOf(rows, q.limit, (r) => [r.occurredAt.toISOString(), r.id]);
      });
    },

    /**
     * An incident at a facility. One that happened to a child names the custody episode, is recorded
     * by the court related to the child's case (or the administration) and goes on the case's
     * timeline; a facility-wide one is recorded by the administration only.
     */
    async recordIncident(ctx: RequestContext, facilityId: string, input: z.infer<typeof IncidentCreate>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const roleDecision = await authorize(tx, ctx, 'facility:record_incident', {
          resourceType: 'custody_incident',
        });
        await facilityOr404(tx, facilityId, roleDecision, 'create');
        const clock = await readEventClock(tx, config);
        const occurredAt = clock.at(input.occurredAt);
        if (!input.custodyEpisodeId) {
          if (roleDecision.role !== 'admin') {
            throw forbidden('A facility-wide incident is recorded by the administration').withAudit({
              action: 'create',
              resourceType: 'custody_incident',
              resourceId: facilityId,
              decision: roleDecision,
              reason: 'facility-wide incident by a role other than admin',
            });
          }
          clock.check({ path: 'body.occurredAt', at: occurredAt });
          const row = await facilityRepository.insertIncident(tx, {
            facilityId,
            kind: input.kind,
            occurredAt,
            notes: input.notes ?? null,
            createdBy: ctx.caller.sub,
          });
          await audit({
            action: 'create',
            resourceType: 'custody_incident',
            resourceId: row.id,
            decision: roleDecision,
            outcome: 'allowed',
          });
          return row;
        }
        const episode = await episodeAt(tx, facilityId, input.custodyEpisodeId);
        // The child's case: the court must be related to it (the administration oversees every facility).
        const decision =
          roleDecision.role === 'admin'
            ? roleDecision
            : await authorize(tx, ctx, 'custody:write', {
                resourceType: 'custody_incident',
                caseId: episode.caseId,
              });
        const refusal = {
          action: 'create' as const,
          resourceType: 'custody_incident',
          caseId: episode.caseId,
        };
        const kase = await caseLifecycle.lock(tx, episode.caseId);
        if (decision.role === 'court_clerk') caseLifecycle.check(kase, 'custody_recorded', decision, refusal);
        clock.check({
          path: 'body.occurredAt',
          at: occurredAt,
          notBefore: [{ at: episode.startedAt, what: 'the custody started' }],
          notAfter: [{ at: episode.releasedAt, what: 'the release' }],
        });
        const row = await facilityRepository.insertIncident(tx, {
          facilityId,
          custodyEpisodeId: episode.id,
          caseId: episode.caseId,
          kind: input.kind,
          occurredAt,
          notes: input.notes ?? null,
          createdBy: ctx.caller.sub,
        });
        if (decision.role === 'court_clerk') {
          await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
            event: 'custody_recorded',
            kind: 'custody_incident',
            occurredAt,
            summary: INCIDENT_LABEL[input.kind],
            resourceType: 'custody_incident',
            resourceId: row.id,
          });
        }
        await audit({
          ...refusal,
          resourceId: row.id,
          personId: kase.personId,
          decision,
          outcome: 'allowed',
        });
        return row;
      });
    },

    async listIncidents(ctx: RequestContext, facilityId: string, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'facility:read_incidents', {
          resourceType: 'custody_incident',
          resourceId: facilityId,
        });
        await facilityOr404(tx, facilityId, decision, 'read');
        const rows = await facilityRepository.incidents(
          tx,
          facilityId,
          decodeTimeCursor(q.cursor),
          q.limit + 1,
        );
        await audit({
          action: 'search',
          resourceType: 'custody_incident',
          resourceId: facilityId,
          decision,
          outcome: 'allowed',
        });
        return pageOf(rows, q.limit, (r) => [r.occurredAt.toISOString(), r.id]);
      });
    },

    async recordInspection(ctx: RequestContext, facilityId: string, input: z.infer<typeof InspectionCreate>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'facility:record_inspection', {
          resourceType: 'facility_inspection',
        });
        await facilityOr404(tx, facilityId, decision, 'create');
        const episode = input.custodyEpisodeId
          ? await episodeAt(tx, facilityId, input.custodyEpisodeId)
          : null;
        const clock = await readEventClock(tx, config);
        const inspectedAt = clock.at(input.inspectedAt);
        clock.check({ path: 'body.inspectedAt', at: inspectedAt });
        const row = await facilityRepository.insertInspection(tx, {
          facilityId,
          custodyEpisodeId: episode?.id ?? null,
          inspectedAt,
          inspectorBody: input.inspectorBody,
          independent: input.independent,
          findings: input.findings ?? null,
          createdBy: ctx.caller.sub,
        });
        await audit({
          action: 'create',
          resourceType: 'facility_inspection',
          resourceId: row.id,
          caseId: episode?.caseId ?? null,
          decision,
          outcome: 'allowed',
        });
        return row;
      });
    },

    async listInspections(ctx: RequestContext, facilityId: string, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'facility:read', {
          resourceType: 'facility_inspection',
          resourceId: facilityId,
        });
        await facilityOr404(tx, facilityId, decision, 'read');
        const rows = await facilityRepository.inspections(
          tx,
          facilityId,
          decodeTimeCursor(q.cursor),
          q.limit + 1,
        );
        await audit({
          action: 'search',
          resourceType: 'facility_inspection',
          resourceId: facilityId,
          decision,
          outcome: 'allowed',
        });
        return pageOf(rows, q.limit, (r) => [r.inspectedAt.toISOString(), r.id]);
      });
    },
  };
}
