import type { z } from 'zod';
import { type Allowed, authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import { assignmentOpensCase } from '../../access/decide.js';
import type { AuditFn } from '../../audit/writer.js';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import type { LegalAidStatus } from '../../db/schema/legal-aid.js';
import { notFound, unprocessable } from '../../lib/errors.js';
import { type TimeBound, readEventClock } from '../../lib/event-time.js';
import { decodeTimeCursor, pageOf } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { type CaseRow, caseLifecycle, readOn, refusedConflict } from '../cases/lifecycle.js';
import { ageOn } from '../cases/service.js';
import { organizationRepository } from '../organizations/repository.js';
import { assignableStaff } from '../organizations/specialised-staff.js';
import { type LegalAidRow, legalAidRepository } from './repository.js';
import { legalAidRequests } from './requests.js';
import type { LegalAidAssign, LegalAidRequest, WorklistQuery } from './schemas.js';

const RESOURCE = 'legal_aid_assignment';

/** Where each response may take an assignment, and from which statuses. */
const TRANSITIONS = {
  accept: { from: ['assigned'], to: 'accepted' },
  decline: { from: ['assigned'], to: 'declined' },
  withdraw: { from: ['requested', 'assigned', 'accepted'], to: 'withdrawn' },
  complete: { from: ['accepted'], to: 'completed' },
} as const satisfies Record<string, { from: readonly LegalAidStatus[]; to: LegalAidStatus }>;

/** The row as the API shows it: with the wait from request to assignment the indicators measure. */
export function legalAidView<T extends LegalAidRow>(row: T) {
  return {
    ...row,
    requestToAssignmentSeconds: row.assignedAt
      ? Math.round((row.assignedAt.getTime() - row.requestedAt.getTime()) / 1000)
      : null,
  };
}

/** The last thing that happened to an assignment: a later step may not precede it. */
const lastStep = (row: LegalAidRow): TimeBound =>
  row.respondedAt
    ? { at: row.respondedAt, what: 'the lawyer responded' }
    : row.assignedAt
      ? { at: row.assignedAt, what: 'legal aid was assigned' }
      : { at: row.requestedAt, what: 'legal aid was requested' };

const SUMMARY: Record<keyof typeof TRANSITIONS, string> = {
  accept: 'Legal aid accepted by the lawyer',
  decline: 'Legal aid declined by the lawyer',
  withdraw: 'Legal aid withdrawn',
  complete: 'Legal aid completed',
};

export function legalAidService(db: Db, config: Config) {
  /**
   * Loads an assignment and asks the access module about its case (404 when there is none); then
   * locks the case and reads the assignment again under its row lock (caseLifecycle.lockWith), so
   * every check on it holds until commit.
   */
  /** The lawyer named, or any lawyer of the organisation the assignment waits with. */
  const addressedTo = (row: LegalAidRow, ctx: RequestContext) =>
    row.lawyerSub === ctx.caller.sub ||
    (row.lawyerSub === null && ctx.caller.org !== null && row.legalAidOrgId === ctx.caller.org);

  async function target(
    tx: Executor,
    ctx: RequestContext,
    action: 'legal_aid:end' | 'legal_aid:respond',
    id: string,
    ifMatch: string | undefined,
  ) {
    const seen = await legalAidRepository.get(tx, id);
    const decision = await authorize(tx, ctx, action, {
      resourceType: RESOURCE,
      resourceId: id,
      caseId: action === 'legal_aid:end' ? (seen?.caseId ?? null) : null,
    });
    const base = {
      action: 'update' as const,
      resourceType: RESOURCE,
      resourceId: id,
      caseId: seen?.caseId ?? null,
    };
    if (!seen)
      throw notFound(RESOURCE).withAudit({
        ...base,
        decision,
        outcome: 'denied',
        reason: 'no such assignment',
      });
    // An assignment addressed to someone else is not found, before If-Match is looked at: a stale
    // tag answered 412 and so showed that the id exists (authorization matrix finding).
    if (action === 'legal_aid:respond' && !addressedTo(seen, ctx))
      throw notFound(RESOURCE).withAudit({
        ...base,
        decision,
        outcome: 'denied',
        reason: 'assignment addressed to someone else',
      });
    const { kase, row } = await caseLifecycle.lockWith(
      tx,
      seen.caseId,
      id,
      legalAidRepository.getForUpdate,
      ifMatch,
    );
    return { row, kase, decision, base };
  }

  /** Applies one response to an assignment: status rule (409), stage rule (409), timeline, audit. */
  async function transition(
    tx: Executor,
    ctx: RequestContext,
    audit: AuditFn,
    row: LegalAidRow,
    kase: CaseRow,
    decision: Allowed,
    step: keyof typeof TRANSITIONS,
    occurredAt: string | undefined,
    values: Partial<LegalAidRow> = {},
  ) {
    const refusal = {
      action: 'update' as const,
      resourceType: RESOURCE,
      resourceId: row.id,
      caseId: row.caseId,
    };
    const rule = TRANSITIONS[step];
    if (!(rule.from as readonly string[]).includes(row.status)) {
      throw refusedConflict(
        `An assignment that is ${row.status} cannot be ${rule.to}`,
        decision,
        refusal,
        kase,
        { currentStatus: row.status },
      );
    }
    caseLifecycle.check(kase, 'legal_aid_recorded', decision, refusal);
    const clock = await readEventClock(tx, config);
    const at = clock.at(occurredAt);
    clock.check({ path: 'body.occurredAt', at, notBefore: [lastStep(row)] });
    const updated = await legalAidRepository.update(tx, row, {
      status: rule.to,
      ...(step === 'accept' || step === 'decline' ? { respondedAt: at } : { endedAt: at }),
      ...values,
    });
    await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
      event: 'legal_aid_recorded',
      kind: `legal_aid_${rule.to}`,
      occurredAt: at,
      summary: SUMMARY[step],
      resourceType: RESOURCE,
      resourceId: row.id,
    });
    await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
    return legalAidView(updated);
  }

  return {
    async assign(ctx: RequestContext, caseId: string, input: z.infer<typeof LegalAidAssign>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'legal_aid:assign', {
          resourceType: RESOURCE,
          caseId,
        });
        const refusal = { action: 'create' as const, resourceType: RESOURCE, caseId };
        let lawyerSub: string | null = null;
        let orgId: string;
        if (input.lawyerSub !== undefined) {
          const lawyer = await assignableStaff(
            tx,
            config,
            input.lawyerSub,
            'legal_aid_lawyer',
            'body.lawyerSub',
          );
          if (input.legalAidOrgId !== undefined && input.legalAidOrgId !== lawyer.orgId) {
            throw unprocessable('The lawyer does not work for that organisation', [
              { path: 'body.legalAidOrgId', message: 'not the lawyer’s organisation' },
            ]);
          }
          lawyerSub = lawyer.sub;
          orgId = lawyer.orgId;
        } else {
          const org = await organizationRepository.get(tx, input.legalAidOrgId as string);
          if (org?.kind !== 'legal_aid') {
            throw unprocessable('Not a registered legal aid organisation', [
              { path: 'body.legalAidOrgId', message: 'not a legal aid organisation' },
            ]);
          }
          orgId = org.id;
        }
        const kase = await caseLifecycle.lock(tx, caseId);
        caseLifecycle.check(kase, 'legal_aid_recorded', decision, refusal);
        // An open request is taken up by the assignment; any other open assignment refuses it.
        const open = await legalAidRepository.openForCase(tx, caseId);
        if (open && open.status !== 'requested') {
          throw refusedConflict(
            'The case already has an open legal aid assignment',
            decision,
            refusal,
            kase,
            {
              openAssignmentId: open.id,
            },
          );
        }
        // A re-assignment after a decline answers the same request: it keeps its time (issue 14).
        const declined = open ? null : await legalAidRepository.declinedLast(tx, caseId);
        const clock = await readEventClock(tx, config);
        const assignedAt = clock.at(input.assignedAt);
        clock.check({
          path: 'body.assignedAt',
          at: assignedAt,
          notBefore: open
            ? [{ at: open.requestedAt, what: 'legal aid was requested' }]
            : declined
              ? [
                  { at: declined.requestedAt, what: 'legal aid was requested' },
                  { at: declined.respondedAt, what: 'the previous assignment was declined' },
                ]
              : [{ at: kase.intakeAt, what: 'the intake' }],
        });
        const assigned = { lawyerSub, legalAidOrgId: orgId, assignedBy: ctx.caller.sub, assignedAt };
        const row = open
          ? await legalAidRepository.update(tx, open, { ...assigned, status: 'assigned' })
          : await legalAidRepository.insert(tx, {
              caseId,
              ...assigned,
              requestSource: declined?.requestSource ?? 'clerk',
              requestedBy: declined?.requestedBy ?? ctx.caller.sub,
              requestedAt: declined?.requestedAt ?? assignedAt,
            });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'legal_aid_recorded',
          kind: 'legal_aid_assigned',
          occurredAt: assignedAt,
          summary: lawyerSub
            ? 'Legal aid assigned to a lawyer'
            : 'Legal aid requested from a legal aid organisation',
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
        return legalAidView(row);
      });
    },

    /** The child needs a lawyer: a request nobody is named for yet (one open per case). */
    async request(ctx: RequestContext, caseId: string, input: z.infer<typeof LegalAidRequest>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'legal_aid:request', { resourceType: RESOURCE, caseId });
        const refusal = { action: 'create' as const, resourceType: RESOURCE, caseId };
        const kase = await caseLifecycle.lock(tx, caseId);
        caseLifecycle.check(kase, 'legal_aid_recorded', decision, refusal);
        const open = await legalAidRepository.openForCase(tx, caseId);
        if (open) {
          throw refusedConflict(
            'The case already has an open legal aid assignment',
            decision,
            refusal,
            kase,
            {
              openAssignmentId: open.id,
            },
          );
        }
        const clock = await readEventClock(tx, config);
        const requestedAt = clock.at(input.requestedAt);
        clock.check({
          path: 'body.requestedAt',
          at: requestedAt,
          notBefore: [{ at: kase.intakeAt, what: 'the intake' }],
        });
        const row = await legalAidRequests.insert(
          tx,
          kase,
          { sub: ctx.caller.sub, role: decision.role },
          input.source,
          requestedAt,
        );
        await audit({
          ...refusal,
          resourceId: row.id,
          personId: kase.personId,
          decision,
          outcome: 'allowed',
        });
        return legalAidView(row);
      });
    },

    async get(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, async (tx, audit) =>
        legalAidView(await readOn(tx, ctx, audit, 'legal_aid:read', RESOURCE, id, legalAidRepository.get)),
      );
    },

    async listForCase(ctx: RequestContext, caseId: string, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'legal_aid:read', { resourceType: RESOURCE, caseId });
        const after = decodeTimeCursor(q.cursor);
        const rows = await legalAidRepository.listForCase(tx, caseId, after, q.limit + 1);
        await audit({ action: 'search', resourceType: RESOURCE, caseId, decision, outcome: 'allowed' });
        const page = pageOf(rows, q.limit, (r) => [r.requestedAt.toISOString(), r.id]);
        return { items: page.items.map(legalAidView), nextCursor: page.nextCursor };
      });
    },

    /** Accept or decline: only the addressee (by name, or a lawyer of the organisation it waits at). */
    async respond(
      ctx: RequestContext,
      id: string,
      step: 'accept' | 'decline',
      reason: string | undefined,
      ifMatch: string | undefined,
      occurredAt?: string,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row, kase, decision, base } = await target(tx, ctx, 'legal_aid:respond', id, ifMatch);
        if (!addressedTo(row, ctx)) {
          throw notFound(RESOURCE).withAudit({
            ...base,
            decision,
            outcome: 'denied',
            reason: 'assignment addressed to someone else',
          });
        }
        let values: Partial<LegalAidRow> = {};
        if (step === 'accept' && row.lawyerSub === null && row.status === 'assigned') {
          // Taken up from the organisation's queue: the lawyer must be one the court could have named.
          await assignableStaff(tx, config, ctx.caller.sub, 'legal_aid_lawyer', 'token.sub');
          values = { lawyerSub: ctx.caller.sub };
        }
        if (step === 'decline') values = { ...values, endReason: reason ?? null };
        return transition(tx, ctx, audit, row, kase, decision, step, occurredAt, values);
      });
    },

    /** Withdraw or complete: the owning court, or the lawyer of this very assignment. */
    async end(
      ctx: RequestContext,
      id: string,
      step: 'withdraw' | 'complete',
      reason: string | undefined,
      ifMatch: string | undefined,
      occurredAt?: string,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row, kase, decision, base } = await target(tx, ctx, 'legal_aid:end', id, ifMatch);
        if (decision.basis.type === 'legal_aid' && decision.basis.id !== row.id) {
          throw notFound(RESOURCE).withAudit({
            ...base,
            decision,
            outcome: 'denied',
            reason: 'another lawyer’s assignment',
          });
        }
        return transition(tx, ctx, audit, row, kase, decision, step, occurredAt, {
          endReason: reason ?? null,
        });
      });
    },

    /** The lawyer's own open assignments with the case essentials they need. */
    async worklist(ctx: RequestContext, q: z.infer<typeof WorklistQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'legal_aid:worklist', { resourceType: RESOURCE });
        const rows = await legalAidRepository.worklist(
          tx,
          { sub: ctx.caller.sub, org: ctx.caller.org },
          q.status,
          decodeTimeCursor(q.cursor),
          q.limit + 1,
        );
        const page = pageOf(rows, q.limit, (r) => [(r.assignedAt ?? r.requestedAt).toISOString(), r.id]);
        // Essentials (the child, the charges) only for assignments this lawyer accepted: a named lawyer
        // who has not accepted is not related to the case yet, like the organisation's queue.
        const named = page.items.filter((r) => assignmentOpensCase(r, ctx.caller));
        const now = new Date();
        const e = await legalAidRepository.essentials(tx, [...new Set(named.map((r) => r.caseId))], now);
        const essentialsOf = (caseId: string) => {
          const k = e.kases.find((x) => x.id === caseId);
          if (!k) return null;
          const hearing = e.hearings.find((x) => x.caseId === caseId);
          const custody = e.custody.find((x) => x.caseId === caseId);
          return {
            id: k.id,
            stage: k.stage,
            child: {
              givenName: k.givenName,
              familyName: k.familyName,
              age: k.dateOfBirth ? ageOn(k.dateOfBirth, now) : null,
            },
            charges: e.charges
              .filter((c) => c.caseId === caseId)
              .map(({ code, description }) => ({ code, description })),
            nextHearing: hearing
              ? {
                  id: hearing.id,
                  scheduledAt: hearing.scheduledAt,
                  purpose: hearing.purpose,
                  location: hearing.location,
                  childFriendlyCourtroom: hearing.childFriendlyCourtroom,
                }
              : null,
            custody: {
              inCustody: custody !== undefined,
              kind: custody?.kind ?? null,
              facility: custody?.facility ?? null,
              since: custody?.startedAt ?? null,
            },
          };
        };
        await audit({ action: 'search', resourceType: RESOURCE, decision, outcome: 'allowed' });
        return {
          items: page.items.map((r) => ({
            ...legalAidView(r),
            case: assignmentOpensCase(r, ctx.caller) ? essentialsOf(r.caseId) : null,
          })),
          nextCursor: page.nextCursor,
        };
      });
    },
  };
}

/**
 * Closing a case ends its open legal aid with the closing reason (issue 14): a representation the
 * lawyer accepted is completed; a request or an assignment nobody took up is withdrawn. Either way
 * the lawyer is no longer related to the case and it leaves their worklist.
 */
export const legalAidClosing = {
  async endOpen(tx: Executor, caseId: string, reason: string, at: Date): Promise<LegalAidRow[]> {
    const rows = await legalAidRepository.allOpenForCase(tx, caseId);
    return Promise.all(
      rows.map((r) =>
        legalAidRepository.update(tx, r, {
          status: r.status === 'accepted' ? 'completed' : 'withdrawn',
          endedAt: at,
          endReason: reason,
        }),
      ),
    );
  },
};
