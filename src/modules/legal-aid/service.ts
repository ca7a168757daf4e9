import type { z } from 'zod';
import { type Allowed, authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import { assignmentOpensCase } from '../../access/decide.js';
import type { AuditFn } from '../../audit/writer.js';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import type { LegalAidStatus } from '../../db/schema/legal-aid.js';
import { notFound, unprocessable } from '../../lib/errors.js';
import { checkIfMatch } from '../../lib/etag.js';
import { decodeTimeCursor, pageOf } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { caseLifecycle, refusedConflict } from '../cases/lifecycle.js';
import { ageOn } from '../cases/service.js';
import { organizationRepository } from '../organizations/repository.js';
import { assignableStaff } from '../organizations/specialised-staff.js';
import { type LegalAidRow, legalAidRepository } from './repository.js';
import type { LegalAidAssign, WorklistQuery } from './schemas.js';

const RESOURCE = 'legal_aid_assignment';

/** Where each response may take an assignment, and from which statuses. */
const TRANSITIONS = {
  accept: { from: ['assigned'], to: 'accepted' },
  decline: { from: ['assigned'], to: 'declined' },
  withdraw: { from: ['assigned', 'accepted'], to: 'withdrawn' },
  complete: { from: ['accepted'], to: 'completed' },
} as const satisfies Record<string, { from: readonly LegalAidStatus[]; to: LegalAidStatus }>;

const SUMMARY: Record<keyof typeof TRANSITIONS, string> = {
  accept: 'Legal aid accepted by the lawyer',
  decline: 'Legal aid declined by the lawyer',
  withdraw: 'Legal aid withdrawn',
  complete: 'Legal aid completed',
};

export function legalAidService(db: Db, config: Config) {
  /** Loads an assignment and asks the access module about its case (404 when there is none). */
  async function target(
    tx: Executor,
    ctx: RequestContext,
    action: 'legal_aid:end' | 'legal_aid:respond',
    id: string,
  ) {
    const row = await legalAidRepository.get(tx, id);
    const decision = await authorize(tx, ctx, action, {
      resourceType: RESOURCE,
      resourceId: id,
      caseId: action === 'legal_aid:end' ? (row?.caseId ?? null) : null,
    });
    const base = {
      action: 'update' as const,
      resourceType: RESOURCE,
      resourceId: id,
      caseId: row?.caseId ?? null,
    };
    if (!row)
      throw notFound(RESOURCE).withAudit({
        ...base,
        decision,
        outcome: 'denied',
        reason: 'no such assignment',
      });
    return { row, decision, base };
  }

  /** Applies one response to an assignment: status rule (409), stage rule (409), timeline, audit. */
  async function transition(
    tx: Executor,
    ctx: RequestContext,
    audit: AuditFn,
    row: LegalAidRow,
    decision: Allowed,
    step: keyof typeof TRANSITIONS,
    ifMatch: string | undefined,
    values: Partial<LegalAidRow> = {},
  ) {
    const refusal = {
      action: 'update' as const,
      resourceType: RESOURCE,
      resourceId: row.id,
      caseId: row.caseId,
    };
    if (ifMatch !== undefined) checkIfMatch(ifMatch, row.version);
    const rule = TRANSITIONS[step];
    if (!(rule.from as readonly string[]).includes(row.status)) {
      throw refusedConflict(`An assignment that is ${row.status} cannot be ${rule.to}`, decision, refusal, {
        currentStatus: row.status,
      });
    }
    const kase = await caseLifecycle.lock(tx, row.caseId);
    caseLifecycle.check(kase, 'legal_aid_recorded', decision, refusal);
    const now = new Date();
    const updated = await legalAidRepository.update(tx, row, {
      status: rule.to,
      ...(step === 'accept' || step === 'decline' ? { respondedAt: now } : { endedAt: now }),
      ...values,
    });
    await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
      event: 'legal_aid_recorded',
      kind: `legal_aid_${rule.to}`,
      summary: SUMMARY[step],
      resourceType: RESOURCE,
      resourceId: row.id,
    });
    await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
    return updated;
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
        const open = await legalAidRepository.openForCase(tx, caseId);
        if (open) {
          throw refusedConflict('The case already has an open legal aid assignment', decision, refusal, {
            openAssignmentId: open.id,
          });
        }
        const row = await legalAidRepository.insert(tx, {
          caseId,
          lawyerSub,
          legalAidOrgId: orgId,
          assignedBy: ctx.caller.sub,
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'legal_aid_recorded',
          kind: 'legal_aid_assigned',
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
        return row;
      });
    },

    async listForCase(ctx: RequestContext, caseId: string, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'legal_aid:read', { resourceType: RESOURCE, caseId });
        const after = decodeTimeCursor(q.cursor);
        const rows = await legalAidRepository.listForCase(tx, caseId, after, q.limit + 1);
        await audit({ action: 'search', resourceType: RESOURCE, caseId, decision, outcome: 'allowed' });
        return pageOf(rows, q.limit, (r) => [r.assignedAt.toISOString(), r.id]);
      });
    },

    /** Accept or decline: only the addressee (by name, or a lawyer of the organisation it waits at). */
    async respond(
      ctx: RequestContext,
      id: string,
      step: 'accept' | 'decline',
      reason: string | undefined,
      ifMatch: string | undefined,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row, decision, base } = await target(tx, ctx, 'legal_aid:respond', id);
        const addressed =
          row.lawyerSub === ctx.caller.sub ||
          (row.lawyerSub === null && ctx.caller.org !== null && row.legalAidOrgId === ctx.caller.org);
        if (!addressed) {
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
        return transition(tx, ctx, audit, row, decision, step, ifMatch, values);
      });
    },

    /** Withdraw or complete: the owning court, or the lawyer of this very assignment. */
    async end(
      ctx: RequestContext,
      id: string,
      step: 'withdraw' | 'complete',
      reason: string | undefined,
      ifMatch: string | undefined,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row, decision, base } = await target(tx, ctx, 'legal_aid:end', id);
        if (decision.basis.type === 'legal_aid' && decision.basis.id !== row.id) {
          throw notFound(RESOURCE).withAudit({
            ...base,
            decision,
            outcome: 'denied',
            reason: 'another lawyer’s assignment',
          });
        }
        return transition(tx, ctx, audit, row, decision, step, ifMatch, { endReason: reason ?? null });
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
        const page = pageOf(rows, q.limit, (r) => [r.assignedAt.toISOString(), r.id]);
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
            ...r,
            case: assignmentOpensCase(r, ctx.caller) ? essentialsOf(r.caseId) : null,
          })),
          nextCursor: page.nextCursor,
        };
      });
    },
  };
}
