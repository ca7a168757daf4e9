import type { z } from 'zod';
import { type Allowed, authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import { assertWritable, shapePerson } from '../../access/properties.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { notFound } from '../../lib/errors.js';
import { readEventClock } from '../../lib/event-time.js';
import { withTransaction } from '../../lib/transaction.js';
import { childCorrections, requireIfMatch } from '../cases/corrections.js';
import { assertPatchesSomething, correctionHistory, fieldChanges } from '../corrections/service.js';
import { type PersonRow, personRepository } from './repository.js';
import type { MatchQuery, Person, PersonCreate, PersonPatch } from './schemas.js';

const CORRECTABLE = ['givenName', 'familyName', 'dateOfBirth', 'sex', 'region', 'guardians'] as const;

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
        const row = await personRepository.insert(tx, {
          ...input,
          region: input.region ?? null,
          createdBy: ctx.caller.sub,
          createdByOrg: ctx.caller.org,
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

    async get(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
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
          updated = await personRepository.correct(tx, row, values);
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

    async matches(ctx: RequestContext, q: z.infer<typeof MatchQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'person:match', { resourceType: 'person' });
        const rows = await personRepository.matches(tx, {
          name: `${q.givenName} ${q.familyName}`,
          dateOfBirth: q.dateOfBirth,
          limit: q.limit,
        });
        await audit({ action: 'search', resourceType: 'person', decision, outcome: 'allowed' });
        return {
          items: rows.map((r) => ({
            id: r.id,
            score: r.score,
            sameDateOfBirth: r.sameDob,
            birthYear: r.birthYear,
          })),
        };
      });
    },
  };
}
