import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import { readEventClock } from '../../lib/event-time.js';
import { pageOf, decodeTimeCursor } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { authorizeOn, caseLifecycle, readOn, refusedConflict } from '../cases/lifecycle.js';
import type { StageEvent } from '../cases/stages.js';
import { type HearingRow, hearingRepository } from './repository.js';
import type { HearingAdjourn, HearingCancel, HearingHold, HearingSchedule } from './schemas.js';

const RESOURCE = 'hearing';

export function hearingService(db: Db, config: Config) {
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
      throw refusedConflict(`The hearing is ${row.status}, not scheduled`, decision, refusal, kase, {
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
        const clock = await readEventClock(tx, config);
        const listedAt = clock.at(input.listedAt);
        clock.check({
          path: 'body.listedAt',
          at: listedAt,
          notBefore: [{ at: kase.intakeAt, what: 'the intake' }],
        });
        const row = await hearingRepository.insert(tx, {
          caseId,
          purpose: input.purpose,
          scheduledAt: new Date(input.scheduledAt),
          listedAt,
          location: input.location ?? null,
          childFriendlyCourtroom: input.childFriendlyCourtroom,
          createdBy: ctx.caller.sub,
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'hearing_scheduled',
          occurredAt: listedAt,
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
        const clock = await readEventClock(tx, config);
        const heldAt = clock.at(input.heldAt);
        clock.check({
          path: 'body.heldAt',
          at: heldAt,
          notBefore: [{ at: row.listedAt, what: 'the hearing was listed' }],
        });
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
        const clock = await readEventClock(tx, config);
        const adjournedAt = clock.at(input.occurredAt);
        clock.check({
          path: 'body.occurredAt',
          at: adjournedAt,
          notBefore: [{ at: row.listedAt, what: 'the hearing was listed' }],
        });
        const next = await hearingRepository.insert(tx, {
          caseId: row.caseId,
          purpose: row.purpose,
          scheduledAt: new Date(input.newScheduledAt),
          listedAt: adjournedAt,
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
          occurredAt: adjournedAt,
          summary: `Hearing adjourned to ${next.scheduledAt.toISOString()}`,
          resourceType: RESOURCE,
          resourceId: next.id,
        });
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return { adjourned, next };
      });
    },

    async cancel(ctx: RequestContext, id: string, input: z.infer<typeof HearingCancel>, ifMatch?: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row, decision, kase, refusal } = await scheduledHearing(
          tx,
          ctx,
          id,
          'hearing_cancelled',
          ifMatch,
        );
        const clock = await readEventClock(tx, config);
        const cancelledAt = clock.at(input.occurredAt);
        clock.check({
          path: 'body.occurredAt',
          at: cancelledAt,
          notBefore: [{ at: row.listedAt, what: 'the hearing was listed' }],
        });
        const updated = await hearingRepository.update(tx, row, {
          status: 'cancelled',
          reason: input.reason,
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'hearing_cancelled',
          occurredAt: cancelledAt,
          summary: 'Hearing cancelled',
          resourceType: RESOURCE,
          resourceId: row.id,
        });
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return updated;
      });
    },

    async get(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, (tx, audit) =>
        readOn(tx, ctx, audit, 'hearing:read', RESOURCE, id, hearingRepository.get),
      );
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
  /** Closing a case calls off its scheduled hearings, with the closing reason (issue 14). */
  async cancelScheduled(tx: Executor, caseId: string, reason: string): Promise<HearingRow[]> {
    const rows = await hearingRepository.scheduledForCase(tx, caseId);
    return Promise.all(rows.map((r) => hearingRepository.update(tx, r, { status: 'cancelled', reason })));
  },
  held: (tx: Executor, caseId: string): Promise<HearingRow[]> => hearingRepository.heldForCase(tx, caseId),
  get: (tx: Executor, id: string): Promise<HearingRow | null> => hearingRepository.get(tx, id),
};
