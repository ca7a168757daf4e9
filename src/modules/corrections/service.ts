import type { z } from 'zod';
import { type Allowed, authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import { isPersonFieldReadable, isReadable } from '../../access/properties.js';
import type { Db, Executor } from '../../db/client.js';
import type { CorrectedResource } from '../../db/schema/corrections.js';
import { unprocessable } from '../../lib/errors.js';
import { decodeTimeCursor, pageOf } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { type CorrectionRow, correctionRepository } from './repository.js';
import type { CorrectionQuery } from './schemas.js';

export interface FieldChange {
  field: string;
  oldValue: unknown;
  newValue: unknown;
}

/** JSON form of a stored value, so that history rows compare and read the same whatever the column type. */
export const jsonValue = (v: unknown): unknown =>
  v instanceof Date ? v.toISOString() : v === undefined ? null : v;

const same = (a: unknown, b: unknown) => JSON.stringify(jsonValue(a)) === JSON.stringify(jsonValue(b));

/**
 * The changes a JSON merge patch (RFC 7396) makes to `current`, for the fields listed: a member
 * absent from the patch changes nothing, a member equal to the current value neither.
 */
export function fieldChanges(
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
  fields: readonly string[],
): FieldChange[] {
  return fields
    .filter((f) => f in patch && !same(current[f], patch[f]))
    .map((f) => ({ field: f, oldValue: jsonValue(current[f]), newValue: jsonValue(patch[f]) }));
}

/** A patch that names no field at all (only its reason) is a mistake, not a correction. */
export function assertPatchesSomething(patch: Record<string, unknown>) {
  if (Object.keys(patch).every((k) => k === 'reason')) {
    throw unprocessable('The patch corrects no field', [{ path: 'body', message: 'no field to correct' }]);
  }
}

/**
 * The correction history: written by the cases and persons modules in the transaction of the
 * change, read through the same access decision and field allowlist as the resource it belongs to.
 */
export const correctionHistory = {
  async record(
    tx: Executor,
    ctx: RequestContext,
    decision: Allowed,
    of: { resourceType: CorrectedResource; resourceId: string; caseId: string | null; personId: string },
    changes: FieldChange[],
    reason: string,
  ): Promise<CorrectionRow[]> {
    return correctionRepository.insert(
      tx,
      changes.map((c) => ({
        ...of,
        field: c.field,
        oldValue: c.oldValue,
        newValue: c.newValue,
        reason,
        actorSub: ctx.caller.sub,
        actorRole: decision.role,
        requestId: ctx.requestId,
      })),
    );
  },
};

export function correctionService(db: Db) {
  function shaped(rows: CorrectionRow[], resource: 'case' | 'person', decision: Allowed) {
    return rows
      .filter((r) =>
        resource === 'person'
          ? isPersonFieldReadable(decision.role, decision.personView ?? 'reference', r.field)
          : isReadable(resource, decision.role, r.field),
      )
      .map((r) => ({
        id: r.id,
        resourceType: r.resourceType,
        resourceId: r.resourceId,
        field: r.field,
        oldValue: r.oldValue ?? null,
        newValue: r.newValue ?? null,
        reason: r.reason,
        actorRole: r.actorRole,
        correctedAt: r.correctedAt,
      }));
  }

  async function list(
    ctx: RequestContext,
    of: { caseId: string } | { personId: string },
    q: z.infer<typeof CorrectionQuery>,
  ) {
    return withTransaction(db, ctx, async (tx, audit) => {
      const isCase = 'caseId' in of;
      const decision = isCase
        ? await authorize(tx, ctx, 'case:read', {
            resourceType: 'correction',
            resourceId: of.caseId,
            caseId: of.caseId,
          })
        : await authorize(tx, ctx, 'person:read', {
            resourceType: 'correction',
            resourceId: of.personId,
            personId: of.personId,
          });
      const rows = await correctionRepository.list(tx, of, decodeTimeCursor(q.cursor), q.limit + 1);
      const page = pageOf(rows, q.limit, (r) => [r.correctedAt.toISOString(), r.id]);
      await audit({
        action: 'read',
        resourceType: 'correction',
        resourceId: isCase ? of.caseId : of.personId,
        decision,
        outcome: 'allowed',
      });
      return { items: shaped(page.items, isCase ? 'case' : 'person', decision), nextCursor: page.nextCursor };
    });
  }

  return {
    listForCase: (ctx: RequestContext, caseId: string, q: z.infer<typeof CorrectionQuery>) =>
      list(ctx, { caseId }, q),
    listForPerson: (ctx: RequestContext, personId: string, q: z.infer<typeof CorrectionQuery>) =>
      list(ctx, { personId }, q),
  };
}
