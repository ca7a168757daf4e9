import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { AuditFn } from '../../audit/writer.js';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import type { CONTACT_KINDS } from '../../db/schema/supervision.js';
import { notFound, unprocessable } from '../../lib/errors.js';
import { type TimeBound, endOfDay, readEventClock, startOfDay } from '../../lib/event-time.js';
import { pageOf, decodeTimeCursor } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { authorizeOn, caseLifecycle, refusedConflict } from '../cases/lifecycle.js';
import { dispositionQueries } from '../dispositions/service.js';
import { assignableStaff } from '../organizations/specialised-staff.js';
import { type SupervisionRow, supervisionRepository } from './repository.js';
import type { EntriesQuery, SupervisionStart } from './schemas.js';

const RESOURCE = 'supervision';

/** What happens under a supervision may not precede its first day (UTC). */
const supervisionStarts = (row: SupervisionRow): TimeBound => ({
  at: startOfDay(row.startsOn),
  what: 'the supervision starts',
});

type EntryInput =
  | { kind: 'contact'; occurredAt: string; contactKind: (typeof CONTACT_KINDS)[number]; notes: string }
  | { kind: 'violation'; occurredAt: string; notes: string }
  | { kind: 'progress_note'; occurredAt?: string; notes: string }
  | { kind: 'condition'; condition: string };

/** Timeline summaries say what happened, never the officer's notes. */
const ENTRY_SUMMARY = {
  contact: (e: EntryInput) =>
    `Supervision contact (${e.kind === 'contact' ? e.contactKind.replace('_', ' ') : ''})`,
  violation: () => 'Supervision violation recorded',
  progress_note: () => 'Supervision progress note',
  condition: () => 'Supervision condition added',
} as const;

export function supervisionService(db: Db, config: Config) {
  /**
   * The officer's own active supervision: authorize() relates the officer to the case through an
   * active supervision; this one must be that very supervision (404 otherwise, like any other).
   */
  async function officerSupervision(tx: Executor, ctx: RequestContext, id: string, ifMatch?: string) {
    const { row: seen, decision } = await authorizeOn(
      tx,
      ctx,
      'supervision:write',
      RESOURCE,
      id,
      supervisionRepository.get,
    );
    const refusal = {
      action: 'update' as const,
      resourceType: RESOURCE,
      resourceId: id,
      caseId: seen.caseId,
    };
    if (decision.basis.type !== 'supervision' || decision.basis.id !== seen.id) {
      throw notFound(RESOURCE).withAudit({
        ...refusal,
        decision,
        outcome: 'denied',
        reason: 'another officer’s supervision',
      });
    }
    const { kase, row } = await caseLifecycle.lockWith(
      tx,
      seen.caseId,
      id,
      supervisionRepository.getForUpdate,
      ifMatch,
    );
    caseLifecycle.check(kase, 'supervision_recorded', decision, refusal);
    return { row, decision, kase, refusal };
  }

  async function finish(
    tx: Executor,
    ctx: RequestContext,
    audit: AuditFn,
    id: string,
    step: 'complete' | 'request_revocation',
    note: string | undefined,
    ifMatch: string | undefined,
    occurredAt: string | undefined,
  ) {
    const { row, decision, kase, refusal } = await officerSupervision(tx, ctx, id, ifMatch);
    if (row.status !== 'active') {
      throw refusedConflict(`The supervision is ${row.status}`, decision, refusal, kase, {
        currentStatus: row.status,
      });
    }
    const clock = await readEventClock(tx, config);
    const at = clock.at(occurredAt);
    // A supervision may end (or be asked to) before its first day: only the clock applies.
    clock.check({ path: 'body.occurredAt', at });
    const updated = await supervisionRepository.update(
      tx,
      row,
      step === 'complete'
        ? { status: 'completed', endedAt: at, endNote: note ?? null }
        : { status: 'revocation_requested', endNote: note ?? null },
    );
    await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
      event: 'supervision_recorded',
      occurredAt: at,
      kind: step === 'complete' ? 'supervision_completed' : 'supervision_revocation_requested',
      summary: step === 'complete' ? 'Supervision completed' : 'Revocation of supervision requested',
      resourceType: RESOURCE,
      resourceId: row.id,
    });
    await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
    return updated;
  }

  return {
    /** The court puts a child under supervision after a probation disposition. */
    async start(ctx: RequestContext, caseId: string, input: z.infer<typeof SupervisionStart>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'supervision:assign', { resourceType: RESOURCE, caseId });
        const refusal = { action: 'create' as const, resourceType: RESOURCE, caseId };
        if (input.endsOn <= input.startsOn) {
          throw unprocessable('The supervision period must end after it starts', [
            { path: 'body.endsOn', message: 'not after startsOn' },
          ]);
        }
        const officer = await assignableStaff(
          tx,
          config,
          input.officerSub,
          'probation_officer',
          'body.officerSub',
        );
        const kase = await caseLifecycle.lock(tx, caseId);
        caseLifecycle.check(kase, 'supervision_started', decision, refusal);
        const order = await dispositionQueries.probationOrder(tx, caseId);
        if (!order) {
          throw refusedConflict('Supervision needs a probation disposition', decision, refusal, kase);
        }
        const clock = await readEventClock(tx, config);
        const orderedAt = clock.at(input.occurredAt);
        const ordered = { at: order.decidedAt, what: 'the probation disposition' };
        clock.check(
          { path: 'body.occurredAt', at: orderedAt, notBefore: [ordered] },
          { path: 'body.startsOn', at: endOfDay(input.startsOn), planned: true, notBefore: [ordered] },
        );
        const row = await supervisionRepository.insert(tx, {
          caseId,
          dispositionId: order.id,
          officerSub: officer.sub,
          officerOrgId: officer.orgId,
          startsOn: input.startsOn,
          endsOn: input.endsOn,
          conditions: input.conditions,
          assignedBy: ctx.caller.sub,
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'supervision_started',
          occurredAt: orderedAt,
          summary: `Probation supervision from ${input.startsOn} to ${input.endsOn}`,
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

    async get(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row, decision } = await authorizeOn(
          tx,
          ctx,
          'supervision:read',
          RESOURCE,
          id,
          supervisionRepository.get,
        );
        await audit({
          action: 'read',
          resourceType: RESOURCE,
          resourceId: id,
          caseId: row.caseId,
          decision,
          outcome: 'allowed',
        });
        return row;
      });
    },

    async entries(ctx: RequestContext, id: string, q: z.infer<typeof EntriesQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row, decision } = await authorizeOn(
          tx,
          ctx,
          'supervision:read',
          RESOURCE,
          id,
          supervisionRepository.get,
        );
        const c = decodeTimeCursor(q.cursor);
        const rows = await supervisionRepository.entries(tx, row.id, q.kind, c, q.limit + 1);
        await audit({
          action: 'search',
          resourceType: 'supervision_entry',
          resourceId: id,
          caseId: row.caseId,
          decision,
          outcome: 'allowed',
        });
        return pageOf(rows, q.limit, (r) => [r.occurredAt.toISOString(), r.id]);
      });
    },

    /** Contacts, violations, progress notes and added conditions, by the supervising officer. */
    async record(ctx: RequestContext, id: string, input: EntryInput) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row, decision, kase } = await officerSupervision(tx, ctx, id);
        const refusal = { action: 'create' as const, resourceType: 'supervision_entry', caseId: row.caseId };
        if (row.status !== 'active' && row.status !== 'revocation_requested') {
          throw refusedConflict(`The supervision is ${row.status}`, decision, refusal, kase, {
            currentStatus: row.status,
          });
        }
        const clock = await readEventClock(tx, config);
        const occurredAt = clock.at('occurredAt' in input ? input.occurredAt : undefined);
        if (input.kind !== 'condition') {
          clock.check({
            path: 'body.occurredAt',
            at: occurredAt,
            notBefore: [supervisionStarts(row)],
            notAfter: [{ at: endOfDay(row.endsOn), what: 'the supervision period ends' }],
          });
        }
        let current: SupervisionRow = row;
        if (input.kind === 'condition') {
          current = await supervisionRepository.update(tx, row, {
            conditions: [...row.conditions, input.condition],
          });
        }
        const entry = await supervisionRepository.insertEntry(tx, {
          supervisionId: row.id,
          caseId: row.caseId,
          kind: input.kind,
          occurredAt,
          contactKind: input.kind === 'contact' ? input.contactKind : null,
          notes: input.kind === 'condition' ? input.condition : input.notes,
          createdBy: ctx.caller.sub,
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'supervision_recorded',
          kind: `supervision_${input.kind}`,
          occurredAt,
          summary: ENTRY_SUMMARY[input.kind](input),
          resourceType: 'supervision_entry',
          resourceId: entry.id,
        });
        await audit({
          ...refusal,
          resourceId: entry.id,
          personId: kase.personId,
          decision,
          outcome: 'allowed',
        });
        return { entry, supervision: current };
      });
    },

    async complete(
      ctx: RequestContext,
      id: string,
      input: { note?: string; occurredAt?: string },
      ifMatch?: string,
    ) {
      return withTransaction(db, ctx, (tx, audit) =>
        finish(tx, ctx, audit, id, 'complete', input.note, ifMatch, input.occurredAt),
      );
    },

    async requestRevocation(
      ctx: RequestContext,
      id: string,
      input: { reason: string; occurredAt?: string },
      ifMatch?: string,
    ) {
      return withTransaction(db, ctx, (tx, audit) =>
        finish(tx, ctx, audit, id, 'request_revocation', input.reason, ifMatch, input.occurredAt),
      );
    },

    /** The court grants the officer's revocation request: the supervision ends, and with it the officer's access. */
    async revoke(
      ctx: RequestContext,
      id: string,
      input: { reason: string; occurredAt?: string },
      ifMatch?: string,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row: seen, decision } = await authorizeOn(
          tx,
          ctx,
          'supervision:decide',
          RESOURCE,
          id,
          supervisionRepository.get,
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
          supervisionRepository.getForUpdate,
          ifMatch,
        );
        caseLifecycle.check(kase, 'supervision_revoked', decision, refusal);
        if (row.status !== 'revocation_requested') {
          throw refusedConflict(
            'Only a supervision whose revocation was requested can be revoked',
            decision,
            refusal,
            kase,
            {
              currentStatus: row.status,
            },
          );
        }
        const clock = await readEventClock(tx, config);
        const revokedAt = clock.at(input.occurredAt);
        clock.check({ path: 'body.occurredAt', at: revokedAt });
        const updated = await supervisionRepository.update(tx, row, {
          status: 'revoked',
          endedAt: revokedAt,
          endNote: input.reason,
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'supervision_revoked',
          occurredAt: revokedAt,
          summary: 'Supervision revoked by the court; the case returns to the court for re-sentencing',
          resourceType: RESOURCE,
          resourceId: row.id,
        });
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return updated;
      });
    },

    /** The officer's own active supervisions. */
    async caseload(ctx: RequestContext, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'supervision:caseload', { resourceType: RESOURCE });
        const c = decodeTimeCursor(q.cursor);
        const rows = await supervisionRepository.caseload(tx, ctx.caller.sub, c, q.limit + 1);
        await audit({ action: 'search', resourceType: RESOURCE, decision, outcome: 'allowed' });
        const page = pageOf(rows, q.limit, (r) => [r.s.createdAt.toISOString(), r.s.id]);
        return {
          items: page.items.map((r) => ({
            ...r.s,
            case: {
              id: r.s.caseId,
              stage: r.stage,
              child: { givenName: r.givenName, familyName: r.familyName },
              lastContactAt: r.lastContactAt ? new Date(r.lastContactAt) : null,
            },
          })),
          nextCursor: page.nextCursor,
        };
      });
    },
  };
}

/** For closing a case: a case under active supervision may not close. */
export const supervisionQueries = {
  active: (tx: Executor, caseId: string) => supervisionRepository.activeForCase(tx, caseId),
  get: (tx: Executor, id: string) => supervisionRepository.get(tx, id),
  /** A transfer accepted by another probation office: its officer supervises from now on. */
  async reassign(tx: Executor, id: string, officerSub: string, officerOrgId: string) {
    const row = await supervisionRepository.getForUpdate(tx, id);
    if (!row) throw new Error(`supervision ${id} vanished under the case lock`);
    return supervisionRepository.update(tx, row, { officerSub, officerOrgId });
  },
};
