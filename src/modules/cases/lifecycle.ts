import { sql } from 'drizzle-orm';
import { type Allowed, authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Action } from '../../access/roles.js';
import type { Executor } from '../../db/client.js';
import type { CaseEventKind } from '../../db/schema/cases.js';
import type { AuditEntry, AuditFn } from '../../audit/writer.js';
import { type AppError, conflict, forbidden, notFound } from '../../lib/errors.js';
import { checkIfMatch } from '../../lib/etag.js';
import { type CaseRow, caseRepository } from './repository.js';
import { type StageEvent, eventsIn, nextStages, stageAfter } from './stages.js';

export type { CaseRow };

/** What a module says about the change it makes, for the case's timeline. */
export interface CaseHappening {
  event: StageEvent;
  /** Timeline kind (e.g. hearing_held); defaults to the stage event. */
  kind?: CaseEventKind;
  summary: string;
  /** When it happened in the world, checked by the caller against EventClock; default: the database clock. */
  occurredAt?: Date;
  category?: string | null;
  resourceType: string;
  resourceId: string;
}

/**
 * How the other modules of the case path change a case: they lock it, check their event against
 * the stage machine, and record what happened on the timeline, all in their own transaction.
 * Nothing else writes `cases.stage`.
 */
export const caseLifecycle = {
  /**
   * A transfer accepted by the receiving court: the case belongs to it from now on, and the court
   * that sent it is no longer related (capability 11). The caller holds the case's lock.
   */
  moveToCourt: (tx: Executor, row: CaseRow, courtOrgId: string) =>
    caseRepository.update(tx, row, { courtOrgId }),

  /** The charges still standing on a case (not withdrawn), for modules that decide per charge. */
  charges: (tx: Executor, caseId: string) => caseRepository.activeCharges(tx, caseId),

  /** The case, locked until the transaction ends; 404 if it is gone (authorize already saw it). */
  async lock(tx: Executor, caseId: string): Promise<CaseRow> {
    const row = await caseRepository.getForUpdate(tx, caseId);
    if (!row || row.sealedAt || row.expungedAt) {
      // Sealed and expunged cases are read-only for everyone; the refusal is audited like any denial.
      throw notFound('case').withAudit({
        action: 'update',
        resourceType: 'case',
        resourceId: caseId,
        caseId: row ? caseId : null,
        personId: row?.personId ?? null,
        outcome: 'denied',
        reason: row ? 'case sealed or expunged' : 'case not found',
      });
    }
    return row;
  },

  /**
   * For a command on a resource of the case (a hearing, a custody episode...): locks the case, then
   * reads the resource again under its own row lock and checks `If-Match` (when sent) against it.
   * Every change to a case or its resources takes the case lock first, so the version and status
   * checks the command makes on the returned row hold until it commits; the row read before the
   * lock, to find the case, may already be stale (two concurrent holds would both see `scheduled`).
   */
  async lockWith<T extends { version: number }>(
    tx: Executor,
    caseId: string,
    id: string,
    loadForUpdate: (tx: Executor, id: string) => Promise<T | null>,
    ifMatch: string | undefined,
  ): Promise<{ kase: CaseRow; row: T }> {
    const kase = await caseLifecycle.lock(tx, caseId);
    const row = await loadForUpdate(tx, id);
    // Resources of a case are never deleted; this only guards against a broken loader.
    if (!row) throw new Error(`resource ${id} vanished under the lock of case ${caseId}`);
    if (ifMatch !== undefined) checkIfMatch(ifMatch, row.version);
    return { kase, row };
  },

  /**
   * Refuses with 409 (current stage, allowed next stages) when the event may not happen in the
   * case's stage, and with 403 when the machine does not let the caller's role make it; the refusal
   * carries `refusal` as its audit entry so it is recorded after the rollback.
   */
  check(row: CaseRow, event: StageEvent, decision: Allowed, refusal: Omit<AuditEntry, 'outcome'>) {
    const result = stageAfter(row.stage, event, decision.role);
    if (result.ok) return result;
    const error: AppError =
      result.reason === 'role'
        ? forbidden(`Your role may not make ${event} happen`)
        : conflict(`A case in stage ${row.stage} does not allow ${event}`, conflictOf(row, { event }));
    throw error.withAudit({ ...refusal, decision, outcome: 'denied', reason: error.detail ?? null });
  },

  /**
   * Appends to the timeline something that is part of a change already decided and checked (a legal
   * aid request opened by the intake of a detained child); never moves the stage.
   */
  async note(
    tx: Executor,
    caseId: string,
    actor: { sub: string; role: string },
    happening: Omit<CaseHappening, 'event'> & { kind: CaseEventKind },
  ): Promise<void> {
    await caseRepository.appendEvent(tx, {
      caseId,
      kind: happening.kind,
      occurredAt: happening.occurredAt,
      actorSub: actor.sub,
      actorRole: actor.role,
      summary: happening.summary,
      category: happening.category ?? null,
      resourceType: happening.resourceType,
      resourceId: happening.resourceId,
    });
  },

  /** Applies a checked event: moves the stage when the machine says so and appends to the timeline. */
  async record(
    tx: Executor,
    row: CaseRow,
    decision: Allowed,
    actorSub: string,
    happening: CaseHappening,
    extra: { closedReason?: string } = {},
  ): Promise<CaseRow> {
    const result = stageAfter(row.stage, happening.event, decision.role);
    if (!result.ok) throw new Error(`record() without check() for ${happening.event}`);
    let updated = row;
    if (result.moves) {
      updated = await caseRepository.update(tx, row, {
        stage: result.to,
        // The database clock unless the happening reports its own time (true dates, issue 14).
        ...(result.to === 'closed'
          ? { closedAt: happening.occurredAt ?? sql`now()`, closedReason: extra.closedReason ?? null }
          : {}),
      });
    }
    await caseRepository.appendEvent(tx, {
      caseId: row.id,
      kind: happening.kind ?? happening.event,
      // Unset: the column's default, the database clock (recordedAt is always the database clock).
      occurredAt: happening.occurredAt,
      actorSub,
      actorRole: decision.role,
      summary: happening.summary,
      category: happening.category ?? null,
      resourceType: happening.resourceType,
      resourceId: happening.resourceId,
    });
    return updated;
  },
};

/**
 * The one shape of every 409 about a case (issue 14): where the case stands (`currentStage`), where it
 * may go (`allowedNextStages`) and what may happen to it there (`allowedEvents`), plus the fields of
 * the rule that refused (`currentStatus` of the resource, `openItems`, `custodyEpisodeId`...).
 * Documented in the OpenAPI `Problem` schema.
 */
export function conflictOf(kase: Pick<CaseRow, 'stage'>, rule: Record<string, unknown> = {}) {
  return {
    currentStage: kase.stage,
    allowedNextStages: nextStages(kase.stage),
    allowedEvents: eventsIn(kase.stage),
    ...rule,
  };
}

/** A 409 for a refused change that is not a stage move (e.g. a second open custody episode). */
export function refusedConflict(
  detail: string,
  decision: Allowed,
  refusal: Omit<AuditEntry, 'outcome'>,
  kase: Pick<CaseRow, 'stage'>,
  rule: Record<string, unknown> = {},
): AppError {
  return conflict(detail, conflictOf(kase, rule)).withAudit({
    ...refusal,
    decision,
    outcome: 'denied',
    reason: detail,
  });
}

/**
 * For routes addressed by a resource of a case (a hearing, a supervision...): loads it, then asks
 * the access module about its case. A resource that does not exist has no case, which the access
 * module answers with 404, audited, exactly as for a case the caller is not related to.
 */
export async function authorizeOn<T extends { caseId: string }>(
  tx: Executor,
  ctx: RequestContext,
  action: Action,
  resourceType: string,
  id: string,
  load: (tx: Executor, id: string) => Promise<T | null>,
): Promise<{ row: T; decision: Allowed }> {
  const row = await load(tx, id);
  const decision = await authorize(tx, ctx, action, {
    resourceType,
    resourceId: id,
    caseId: row?.caseId ?? null,
  });
  if (!row) throw notFound(resourceType);
  return { row, decision };
}

/**
 * The single read of a resource of a case (GET /v1/hearings/{id}...): the same access decision as
 * its case (404 for anyone unrelated, audited), and one audit row for the read.
 */
export async function readOn<T extends { caseId: string }>(
  tx: Executor,
  ctx: RequestContext,
  audit: AuditFn,
  action: Action,
  resourceType: string,
  id: string,
  load: (tx: Executor, id: string) => Promise<T | null>,
): Promise<T> {
  const { row, decision } = await authorizeOn(tx, ctx, action, resourceType, id, load);
  await audit({
    action: 'read',
    resourceType,
    resourceId: id,
    caseId: row.caseId,
    decision,
    outcome: 'allowed',
  });
  return row;
}
