import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Db, Executor } from '../../db/client.js';
import type { Config } from '../../config.js';
import { readEventClock } from '../../lib/event-time.js';
import { pageOf, decodeTimeCursor } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { authorizeOn, caseLifecycle, readOn, refusedConflict } from '../cases/lifecycle.js';
import { dispositionQueries } from '../dispositions/service.js';
import { facilityQueries } from '../facilities/service.js';
import { unprocessable } from '../../lib/errors.js';
import { type CustodyRow, custodyRepository } from './repository.js';
import type { CustodyEnd, CustodyStart } from './schemas.js';

const RESOURCE = 'custody_episode';
const KIND_LABEL = { pre_trial: 'Pre-trial detention', sentenced: 'Custodial sentence' } as const;

export function custodyService(db: Db, config: Config) {
  return {
    /** A child is in at most one open episode, whatever the case (409 otherwise, even under a race). */
    async start(ctx: RequestContext, caseId: string, input: z.infer<typeof CustodyStart>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'custody:write', { resourceType: RESOURCE, caseId });
        const refusal = { action: 'create' as const, resourceType: RESOURCE, caseId };
        const kase = await caseLifecycle.lock(tx, caseId);
        caseLifecycle.check(kase, 'custody_recorded', decision, refusal);
        // A custodial sentence needs the custodial disposition that orders it (issue 14).
        const order = input.kind === 'sentenced' ? await dispositionQueries.custodialOrder(tx, caseId) : null;
        if (input.kind === 'sentenced' && !order) {
          throw refusedConflict(
            'A sentenced custody episode needs a custodial disposition',
            decision,
            refusal,
            kase,
          );
        }
        const clock = await readEventClock(tx, config);
        const startedAt = clock.at(input.startedAt);
        clock.check({
          path: 'body.startedAt',
          at: startedAt,
          notBefore: [
            { at: kase.offenceDate, what: 'the offence' },
            { at: order?.decidedAt, what: 'the custodial disposition' },
          ],
        });
        const place = input.facilityId ? await facilityQueries.get(tx, input.facilityId) : null;
        if (input.facilityId && !place) {
          throw unprocessable('The facility is not in the registry', [
            { path: 'body.facilityId', message: 'unknown facility' },
          ]);
        }
        const open = await custodyRepository.openForPerson(tx, kase.personId);
        const row = open
          ? null
          : await custodyRepository.insert(tx, {
              caseId,
              personId: kase.personId,
              kind: input.kind,
              facility: input.facility ?? place?.name ?? '',
              facilityId: place?.id ?? null,
              startedAt,
              createdBy: ctx.caller.sub,
            });
        if (!row) {
          throw refusedConflict(
            'The child already has an open custody episode',
            decision,
            { ...refusal, personId: kase.personId },
            kase,
            { openCustodyEpisodeId: open?.id ?? null },
          );
        }
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'custody_recorded',
          kind: 'custody_started',
          occurredAt: startedAt,
          summary: `${KIND_LABEL[input.kind]} started`,
          resourceType: RESOURCE,
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

    async end(ctx: RequestContext, id: string, input: z.infer<typeof CustodyEnd>, ifMatch?: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row: seen, decision } = await authorizeOn(
          tx,
          ctx,
          'custody:write',
          RESOURCE,
          id,
          custodyRepository.get,
        );
        const refusal = {
          action: 'update' as const,
          resourceType: RESOURCE,
          resourceId: id,
          caseId: seen.caseId,
        };
        const { kase, row } = await caseLifecycle.lockWith(
          tx,
          seen.caseId,
          id,
          custodyRepository.getForUpdate,
          ifMatch,
        );
        caseLifecycle.check(kase, 'custody_recorded', decision, refusal);
        if (row.releasedAt) {
          throw refusedConflict('The custody episode has already ended', decision, refusal, kase, {
            currentStatus: 'ended',
          });
        }
        const clock = await readEventClock(tx, config);
        const releasedAt = clock.at(input.releasedAt);
        clock.check({
          path: 'body.releasedAt',
          at: releasedAt,
          notBefore: [{ at: row.startedAt, what: 'the custody started' }],
        });
        const updated = await custodyRepository.end(
          tx,
          row,
          releasedAt,
          input.releaseReason,
          input.aftercare,
        );
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'custody_recorded',
          kind: 'custody_ended',
          occurredAt: releasedAt,
          summary: `${KIND_LABEL[row.kind]} ended`,
          resourceType: RESOURCE,
          resourceId: row.id,
        });
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return updated;
      });
    },

    async get(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, (tx, audit) =>
        readOn(tx, ctx, audit, 'custody:read', RESOURCE, id, custodyRepository.get),
      );
    },

    async list(ctx: RequestContext, caseId: string, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'custody:read', { resourceType: RESOURCE, caseId });
        const c = decodeTimeCursor(q.cursor);
        const rows = await custodyRepository.listForCase(tx, caseId, c, q.limit + 1);
        await audit({ action: 'search', resourceType: RESOURCE, caseId, decision, outcome: 'allowed' });
        return pageOf(rows, q.limit, (r) => [r.startedAt.toISOString(), r.id]);
      });
    },
  };
}

/** For closing a case: a case whose child is still detained under it stays open until the release is recorded. */
export const custodyQueries = {
  openForCase: (tx: Executor, caseId: string): Promise<CustodyRow | null> =>
    custodyRepository.openForCase(tx, caseId),
};
