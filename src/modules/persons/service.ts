import type { z } from 'zod';
import { type Allowed, authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import { assertWritable, shapePerson } from '../../access/properties.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { conflict, notFound, unprocessable } from '../../lib/errors.js';
import { etagOf } from '../../lib/etag.js';
import { readEventClock } from '../../lib/event-time.js';
import { withAuditedRead, withTransaction } from '../../lib/transaction.js';
import { caseRepository } from '../cases/repository.js';
import { childCorrections, requireIfMatch } from '../cases/corrections.js';
import { juvenileAge } from '../cases/service.js';
import { assertPatchesSomething, correctionHistory, fieldChanges } from '../corrections/service.js';
import { type PersonRow, personRepository } from './repository.js';
import type { MatchQuery, Person, PersonCreate, PersonMerge, PersonPatch } from './schemas.js';

const CORRECTABLE = [
  'givenName',
  'familyName',
  'dateOfBirth',
  'sex',
  'region',
  'guardians',
  'nationalId',
] as const;

const NATIONAL_ID_INDEX = 'persons_national_id_live_idx';

/** 409 for a national identity number another live record holds (its id is not shown: ask for matches). */
const nationalIdTaken = () =>
  conflict('Another record of a child holds this national identity number; ask for matches with it', {
    field: 'nationalId',
  });

/** A merged record's redirect, thrown through the route (308 with Location). */
export class PersonMoved {
  constructor(
    readonly id: string,
    readonly mergedInto: string,
    readonly mergedAt: Date,
  ) {}
}

/**
 * The child's record as the caller may see it: the fields both the acting role and the relationship
 * that let it in allow (src/access/properties.ts, shapePerson). A registration shows the registrar
 * what it registered; the version is always there (it is the ETag).
 */
function personView(row: PersonRow, decision: Allowed) {
  return {
    ...shapePerson(decision.role, decision.personView ?? 'record', row),
    version: row.version,
  } as z.output<typeof Person> & { version: number };
}

export function personService(db: Db, config: Config) {
  return {
    async create(ctx: RequestContext, input: z.infer<typeof PersonCreate>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'person:create', { resourceType: 'person' });
        if (input.nationalId && (await personRepository.withNationalId(tx, input.nationalId)))
          throw nationalIdTaken().withAudit({ action: 'create', resourceType: 'person', decision });
        const row = await personRepository
          .insert(tx, {
            ...input,
            region: input.region ?? null,
            nationalId: input.nationalId ?? null,
            createdBy: ctx.caller.sub,
            createdByOrg: ctx.caller.org,
          })
          .catch((err) => {
            throw isUniqueViolation(err, NATIONAL_ID_INDEX) ? nationalIdTaken() : err;
          });
        await audit({
          action: 'create',
          resourceType: 'person',
          resourceId: row.id,
          personId: row.id,
          decision,
          outcome: 'allowed',
        });
        return personView(row, decision);
      });
    },

    /**
     * A child's record. A record merged into another answers with a redirect to the survivor, decided
     * as a read of the survivor (whoever may read the survivor learns where the record went; anyone
     * else gets the 404 of any record they may not see).
     */
    async get(ctx: RequestContext, id: string): Promise<ReturnType<typeof personView> | PersonMoved> {
      return withTransaction(db, ctx, async (tx, audit) => {
        const moved = await personRepository.survivorOf(tx, id);
        if (moved) {
          const decision = await authorize(tx, ctx, 'person:read', {
            resourceType: 'person',
            resourceId: id,
            personId: moved.survivorId,
          });
          await audit({
            action: 'read',
            resourceType: 'person',
            resourceId: id,
            personId: moved.survivorId,
            decision,
            outcome: 'allowed',
            reason: 'merged record: redirected to the survivor',
          });
          return new PersonMoved(id, moved.survivorId, moved.mergedAt);
        }
        const decision = await authorize(tx, ctx, 'person:read', {
          resourceType: 'person',
          resourceId: id,
          personId: id,
        });
        const row = await personRepository.get(tx, id);
        if (!row) throw notFound('person');
        await audit({
          action: 'read',
          resourceType: 'person',
          resourceId: id,
          personId: id,
          decision,
          outcome: 'allowed',
        });
        return personView(row, decision);
      });
    },

    /**
     * Corrects a child's details (SPEC 6): If-Match required, each changed field's previous value
     * kept in the history, the correction on every case's timeline, the age at each offence
     * recomputed from a corrected date of birth (422 if it leaves the juvenile jurisdiction).
     */
    async correct(
      ctx: RequestContext,
      id: string,
      patch: z.infer<typeof PersonPatch>,
      ifMatch: string | undefined,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'person:correct', {
          resourceType: 'person',
          resourceId: id,
          personId: id,
        });
        const entry = { resourceType: 'person', resourceId: id, personId: id };
        const row = await personRepository.getForUpdate(tx, id);
        if (!row || row.expungedAt) throw notFound('person');
        requireIfMatch(ifMatch, row.version, decision, entry);
        assertWritable('person', decision.role, Object.keys(patch));
        assertPatchesSomething(patch);
        const changes = fieldChanges(row, patch, CORRECTABLE);
        if (patch.nationalId && changes.some((c) => c.field === 'nationalId')) {
          if (await personRepository.withNationalId(tx, patch.nationalId, id))
            throw nationalIdTaken().withAudit({ action: 'update', ...entry, decision });
        }
        let updated = row;
        if (changes.length > 0) {
          const dateOfBirth = patch.dateOfBirth ?? row.dateOfBirth;
          if (patch.dateOfBirth) {
            const clock = await readEventClock(tx, config);
            clock.check({ path: 'body.dateOfBirth', at: new Date(`${patch.dateOfBirth}T00:00:00Z`) });
          }
          const values = Object.fromEntries(
            changes.map((c) => [c.field, patch[c.field as keyof typeof patch]]),
          );
          updated = await personRepository.correct(tx, row, values).catch((err) => {
            throw isUniqueViolation(err, NATIONAL_ID_INDEX) ? nationalIdTaken() : err;
          });
          await correctionHistory.record(
            tx,
            ctx,
            decision,
            { resourceType: 'person', resourceId: id, caseId: null, personId: id },
            changes,
            patch.reason,
          );
          await childCorrections.applyToCases(tx, config, decision, ctx.caller.sub, id, changes, dateOfBirth);
        }
        await audit({
          action: 'update',
          ...entry,
          decision,
          outcome: 'allowed',
          reason: changes.length
            ? `corrected ${changes.map((c) => c.field).join(', ')}`
            : 'correction changed nothing',
        });
        return personView(updated, decision);
      });
    },

    /** One read statement and its audit row: withAuditedRead, no transaction around them. */
    async matches(ctx: RequestContext, q: z.infer<typeof MatchQuery>) {
      return withAuditedRead(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'person:match', { resourceType: 'person' });
        const rows = await personRepository.matches(tx, q);
        await audit({ action: 'search', resourceType: 'person', decision, outcome: 'allowed' });
        return {
          items: rows.map((r) => ({
            id: r.id,
            score: r.score,
            sameDateOfBirth: r.sameDob,
            sameNationalId: r.sameNationalId,
            birthYear: r.birthYear,
          })),
        };
      });
    },

    /**
     * Merges two records of the same child (capability 12): decided on each record alone (a court
     * clerk whose court sees both), If-Match on the record merged (header) and on the survivor
     * (`survivorVersion`). Refused with 409 when either record has a sealed or expunged case (a
     * merge would move or join sealed records), when both hold different national identity
     * numbers, or when both are in custody. The merged record becomes a redirect; its cases,
     * custody episodes, consents and records move to the survivor (the age at each moved offence
     * recomputed from the survivor's date of birth); every case of the child gets a timeline entry;
     * one audit row for each record.
     */
    async merge(
      ctx: RequestContext,
      id: string,
      input: z.infer<typeof PersonMerge>,
      ifMatch: string | undefined,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const entry = { resourceType: 'person', resourceId: id, personId: id };
        const decision = await authorize(tx, ctx, 'person:merge', entry);
        const survivorEntry = {
          resourceType: 'person',
          resourceId: input.survivorId,
          personId: input.survivorId,
        };
        const survivorDecision = await authorize(tx, ctx, 'person:merge', survivorEntry);
        if (input.survivorId === id)
          throw unprocessable('A record cannot be merged into itself', [
            { path: 'body.survivorId', message: 'names the record being merged' },
          ]).withAudit({ action: 'execute', ...entry, decision, reason: 'merge into itself' });
        // Locks in id order, so two merges of the same pair cannot deadlock.
        const [first, second] = [id, input.survivorId].sort();
        const rows = new Map<string, PersonRow>();
        for (const pid of [first, second]) {
          const row = await personRepository.getForUpdate(tx, pid);
          if (!row || row.expungedAt || row.mergedInto) throw notFound('person');
          rows.set(pid, row);
        }
        const merged = rows.get(id)!;
        const survivor = rows.get(input.survivorId)!;
        requireIfMatch(ifMatch, merged.version, decision, entry);
        requireIfMatch(etagOf(input.survivorVersion), survivor.version, survivorDecision, survivorEntry);
        const refuse = (detail: string, rule: Record<string, unknown>) =>
          conflict(detail, rule).withAudit({
            action: 'execute',
            ...entry,
            decision,
            outcome: 'denied',
            reason: detail,
          });
        for (const row of [merged, survivor]) {
          if (await personRepository.hasSealedCase(tx, row.id))
            throw refuse('A record with a sealed or expunged case cannot be merged', {
              currentStatus: 'sealed',
              personId: row.id,
            });
        }
        if (merged.nationalId && survivor.nationalId && merged.nationalId !== survivor.nationalId)
          throw refuse('The two records hold different national identity numbers: not the same child', {
            field: 'nationalId',
          });
        if (await personRepository.bothInCustody(tx, merged.id, survivor.id))
          throw refuse('Both records have an open custody episode; release one first', {
            currentStatus: 'in_custody',
          });
        const at = new Date();
        const result = await personRepository.merge(tx, merged, survivor, at);
        const kases = await caseRepository.ofPerson(tx, survivor.id);
        const moved = new Set(result.movedCaseIds);
        for (const kase of kases) {
          if (moved.has(kase.id)) {
            if (survivor.dateOfBirth) {
              const age = juvenileAge(config, survivor.dateOfBirth, kase.offenceDate, 'body.survivorId');
              if (age !== kase.ageAtOffence) await caseRepository.correct(tx, kase, { ageAtOffence: age });
            }
            // The case's history keeps the record it belonged to, and the clerk's reason.
            await correctionHistory.record(
              tx,
              ctx,
              decision,
              { resourceType: 'case', resourceId: kase.id, caseId: kase.id, personId: survivor.id },
              [{ field: 'personId', oldValue: merged.id, newValue: survivor.id }],
              input.reason,
            );
          }
          await caseRepository.appendEvent(tx, {
            caseId: kase.id,
            kind: 'child_records_merged',
            occurredAt: at,
            actorSub: ctx.caller.sub,
            actorRole: decision.role,
            summary: moved.has(kase.id)
              ? "Case moved to the child's other record: two records of the same child merged"
              : "Another record of the same child merged into the child's record",
            resourceType: 'person',
            resourceId: survivor.id,
          });
        }
        await audit({
          action: 'update',
          ...entry,
          decision,
          outcome: 'allowed',
          reason: `merged into ${survivor.id}`,
        });
        await audit({
          action: 'update',
          ...survivorEntry,
          decision: survivorDecision,
          outcome: 'allowed',
          reason: `record ${merged.id} merged in (${result.movedCaseIds.length} case(s) moved)`,
        });
        return {
          mergedId: merged.id,
          survivor: personView(result.survivor, survivorDecision),
          movedCaseIds: result.movedCaseIds,
          mergedAt: at,
        };
      });
    },
  };
}
