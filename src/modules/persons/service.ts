import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import { shapePerson } from '../../access/properties.js';
import type { Db } from '../../db/client.js';
import { notFound } from '../../lib/errors.js';
import { withTransaction } from '../../lib/transaction.js';
import { personRepository } from './repository.js';
import type { MatchQuery, PersonCreate } from './schemas.js';

export function personService(db: Db) {
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
        return row;
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
        // Shaped by the role and the relationship the decision found (a person read always has one).
        return {
          view: shapePerson(decision.role, decision.personView ?? 'reference', row),
          version: row.version,
        };
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
