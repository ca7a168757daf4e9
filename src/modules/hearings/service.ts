import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Db, Executor } from '../../db/client.js';
import { pageOf, decodeTimeCursor } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { authorizeOn, caseLifecycle, refusedConflict } from '../cases/lifecycle.js';
import type { StageEvent } from '../cases/stages.js';
import { type HearingRow, hearingRepository } from './repository.js';
import type { HearingAdjourn, HearingHold, HearingSchedule } from './schemas.js';

const RESOURCE = 'hearing';

export function hearingService(db: Db) {
  /** Loads a scheduled hearing and checks its case's stage for `event`; 409 for anything else. */
  async function scheduledHearing(
    tx: Executor,
    ctx: RequestContext,
    id: string,
    event: StageEvent,
    ifMatch: string | undefined,
  ) {
    const { row: seen, decision } = await authorizeOn(
      tx,
      ctx,
      'hearing:write',
      RESOURCE,
      id,
      hearingRepository.get,
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
      hearingRepository.getForUpdate,
      ifMatch,
    );
    caseLifecycle.check(kase, event, decision, refusal);
    if (row.status !== 'scheduled') {
      throw refusedConflict(`The hearing is ${row.status}, not scheduled`, decision, refusal, {
        currentStatus: row.status,
      });
    }
    return { row, decision, kase, refusal };
  }

  return {
    async schedule(ctx: RequestContext, caseId: string, input: z.infer<typeof HearingSchedule>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'hearing:write', { resourceType: RESOURCE, caseId });
        const refusal = { action: 'create' as const, resourceType: RESOURCE, caseId };
        const kase = await caseLifecycle.lock(tx, caseId);
        caseLifecycle.check(kase, 'hearing_scheduled', decision, refusal);
        const row = await hearingRepository.insert(tx, {
          caseId,
          purpose: input.purpose,
          scheduledAt: new Date(input.scheduledAt),
          location: input.location ?? null,
          childFriendlyCourtroom: input.childFriendlyCourtroom,
          createdBy: ctx.caller.sub,
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'hearing_scheduled',
          summary: `Hearing scheduled for ${row.scheduledAt.toISOString()}`,
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

    async hold(ctx: RequestContext, id: string, input: z.infer<typeof HearingHold>, ifMatch?: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row, decision, kase, refusal } = await scheduledHearing(tx, ctx, id, 'hearing_held', ifMatch);
        const heldAt = new Date(input.heldAt);
        const updated = await hearingRepository.update(tx, row, {
          status: 'held',
          heldAt,
          outcome: input.outcome,
          attendees: input.attendees,
          childFriendlyCourtroom: input.childFriendlyCourtroom,
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'hearing_held',
          occurredAt: heldAt,
          summary: `Hearing held${input.childFriendlyCourtroom ? ' in a child-friendly courtroom' : ''}`,
          resourceType: RESOURCE,
          resourceId: row.id,
        });
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return updated;
      });
    },

    async adjourn(ctx: RequestContext, id: string, input: z.infer<typeof HearingAdjourn>, ifMatch?: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row, decision, kase, refusal } = await scheduledHearing(
          tx,
          ctx,
          id,
          'hearing_adjourned',
          ifMatch,
        );
        const next = await hearingRepository.insert(tx, {
          caseId: row.caseId,
          purpose: row.purpose,
          scheduledAt: new Date(input.newScheduledAt),
          location: row.location,
          childFriendlyCourtroom: row.childFriendlyCourtroom,
          adjournedFromId: row.id,
          createdBy: ctx.caller.sub,
        });
        const adjourned = await hearingRepository.update(tx, row, {
          status: 'adjourned',
          adjournedToId: next.id,
          reason: input.reason,
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'hearing_adjourned',
          summary: `Hearing adjourned to ${next.scheduledAt.toISOString()}`,
          resourceType: RESOURCE,
          resourceId: next.id,
        });
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return { adjourned, next };
      });
    },

    async cancel(ctx: RequestContext, id: string, reason: string, ifMatch?: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row, decision, kase, refusal } = await scheduledHearing(
          tx,
          ctx,
          id,
          'hearing_cancelled',
          ifMatch,
        );
        const updated = await hearingRepository.update(tx, row, { status: 'cancelled', reason });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'hearing_cancelled',
          summary: 'Hearing cancelled',
          resourceType: RESOURCE,
          resourceId: row.id,
        });
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return updated;
      });
    },

    async list(ctx: RequestContext, caseId: string, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'hearing:read', { resourceType: RESOURCE, caseId });
        const c = decodeTimeCursor(q.cursor);
        const rows = await hearingRepository.listForCase(tx, caseId, c, q.limit + 1);
        await audit({ action: 'search', resourceType: RESOURCE, caseId, decision, outcome: 'allowed' });
        return pageOf(rows, q.limit, (r) => [r.scheduledAt.toISOString(), r.id]);
      });
    },
  };
}

/** For the dispositions module: the held hearings of a case (a probation or custodial order needs one). */
export const hearingQueries = {
  held: (tx: Executor, caseId: string): Promise<HearingRow[]> => hearingRepository.heldForCase(tx, caseId),
};
