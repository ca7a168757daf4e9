import type { z } from 'zod';
import { type Allowed, authorize, disclosureAudit } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { AuditFn } from '../../audit/writer.js';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import type { HandoverKind, HandoverStatus } from '../../db/schema/handovers.js';
import { ACTIVE_SUPERVISION_STATUSES } from '../../db/schema/supervision.js';
import type { SensitiveCategory } from '../../db/schema/records.js';
import { notFound, unprocessable } from '../../lib/errors.js';
import { readEventClock } from '../../lib/event-time.js';
import { decodeTimeCursor, pageOf } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { authorizeOn, caseLifecycle, refusedConflict } from '../cases/lifecycle.js';
import { organizationRepository } from '../organizations/repository.js';
import { assignableStaff } from '../organizations/specialised-staff.js';
import { supervisionQueries } from '../supervision/service.js';
import { type HandoverRow, handoverRepository } from './repository.js';
import type { CaseTransferCreate, ReferralCreate, SupervisionTransferCreate } from './schemas.js';

export type HandoverGroup = 'transfer' | 'referral';
const KINDS: Record<HandoverGroup, readonly HandoverKind[]> = {
  transfer: ['case_transfer', 'supervision_transfer'],
  referral: ['referral'],
};
const EVENT = { transfer: 'transfer_recorded', referral: 'referral_recorded' } as const;
/** The receiving role that answers each kind (a judge reads an incoming transfer, the clerk answers it). */
const ANSWERED_BY: Record<HandoverKind, readonly string[]> = {
  case_transfer: ['court_clerk'],
  supervision_transfer: ['probation_officer'],
  // The receiving organisation's social services system answers too (referrals:write).
  referral: ['social_worker', 'partner_system'],
};

/** The receiving side's steps, declared as data: for which kinds, from which statuses, to which. */
export const HANDOVER_STEPS = {
  accept: { group: ['transfer', 'referral'], from: ['sent'], to: 'accepted', label: 'accepted' },
  decline: { group: ['transfer', 'referral'], from: ['sent'], to: 'declined', label: 'declined' },
  start: { group: ['referral'], from: ['accepted'], to: 'in_progress', label: 'in progress' },
  complete: { group: ['referral'], from: ['in_progress'], to: 'completed', label: 'completed' },
} as const satisfies Record<
  string,
  { group: readonly HandoverGroup[]; from: readonly HandoverStatus[]; to: HandoverStatus; label: string }
>;
export type HandoverStep = keyof typeof HANDOVER_STEPS;

const LABEL: Record<HandoverKind, string> = {
  case_transfer: 'Case transfer',
  supervision_transfer: 'Supervision transfer',
  referral: 'Social-services referral',
};

type StepInput = { note?: string; reason?: string; outcome?: string; occurredAt?: string };

/** A transfer as shown: nothing in it is sensitive (ids, organisations, why it moves). */
function transferView(row: HandoverRow) {
  return row;
}

/** A referral as shown: service and outcome only when its category is disclosed to the caller (rule 3). */
function referralView(row: HandoverRow, disclosed: boolean) {
  return {
    ...row,
    category: row.category ?? 'family_social',
    service: disclosed ? row.reason : null,
    outcome: disclosed ? row.outcome : null,
    responseNote: disclosed ? row.responseNote : null,
    withheld: !disclosed,
  };
}

/**
 * Transfers and referrals between organisations (capability 11 of issue 14). The sender's side
 * sends; the receiving organisation is related to what it was sent while it is open (decide():
 * `incoming`), answers it, and, for a case transfer, becomes the owning court on acceptance: the
 * court that sent it no longer sees the case. Every step is on the case's timeline and audited.
 */
export function handoverService(db: Db, config: Config) {
  /** Whether the referral's category is open to the caller (consent, court order, break-glass). */
  async function referralDisclosed(tx: Executor, ctx: RequestContext, row: HandoverRow) {
    const decision = await authorize(tx, ctx, 'referral:read', {
      resourceType: 'referral',
      resourceId: row.id,
      caseId: row.caseId,
      categories: [(row.category ?? 'family_social') as SensitiveCategory],
    });
    return { decision, disclosed: (decision.disclosure?.disclosed.length ?? 0) > 0 };
  }

  async function send(
    ctx: RequestContext,
    audit: AuditFn,
    tx: Executor,
    decision: Allowed,
    kind: HandoverKind,
    values: {
      caseId: string;
      supervisionId?: string;
      fromOrgId: string;
      toOrgId: string;
      reason: string;
      category?: string;
      occurredAt?: string;
    },
  ) {
    const group: HandoverGroup = kind === 'referral' ? 'referral' : 'transfer';
    const refusal = { action: 'create' as const, resourceType: group, caseId: values.caseId };
    const kase = await caseLifecycle.lock(tx, values.caseId);
    caseLifecycle.check(kase, EVENT[group], decision, refusal);
    const clock = await readEventClock(tx, config);
    const sentAt = clock.at(values.occurredAt);
    clock.check({
      path: 'body.occurredAt',
      at: sentAt,
      notBefore: [{ at: kase.intakeAt, what: 'the intake' }],
    });
    if (kind !== 'referral') {
      const pending = await handoverRepository.pending(tx, kind, values.caseId, values.supervisionId ?? null);
      if (pending) {
        throw refusedConflict('A transfer is already waiting for its answer', decision, refusal, kase, {
          currentStatus: pending.status,
          openItems: [{ resourceType: 'transfer', id: pending.id, status: pending.status }],
        });
      }
    }
    const row = await handoverRepository.insert(tx, {
      kind,
      caseId: values.caseId,
      supervisionId: values.supervisionId ?? null,
      fromOrgId: values.fromOrgId,
      toOrgId: values.toOrgId,
      reason: values.reason,
      category: values.category ?? null,
      sentBy: ctx.caller.sub,
      sentByRole: decision.role,
      sentAt,
    });
    await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
      event: EVENT[group],
      kind: `${kind}_sent`,
      summary: `${LABEL[kind]} sent to ${values.toOrgId}`,
      occurredAt: sentAt,
      category: values.category ?? null,
      resourceType: group,
      resourceId: row.id,
    });
    await audit({ ...refusal, resourceId: row.id, personId: kase.personId, decision, outcome: 'allowed' });
    return row;
  }

  /** 422 unless the organisation is registered and of the kind the handover goes to. */
  async function receiving(
    tx: Executor,
    orgId: string,
    kind: 'court' | 'probation' | 'social_services',
    path: string,
  ) {
    const org = await organizationRepository.get(tx, orgId);
    if (org?.kind !== kind) {
      throw unprocessable(
        `The receiving organisation is not a registered ${kind.replace('_', ' ')} organisation`,
        [{ path, message: `not a registered ${kind} organisation` }],
      );
    }
  }

  const loaderFor = (group: HandoverGroup) => async (tx: Executor, id: string) => {
    const row = await handoverRepository.get(tx, id);
    return row && KINDS[group].includes(row.kind) ? row : null;
  };

  return {
    async sendCase(ctx: RequestContext, caseId: string, input: z.infer<typeof CaseTransferCreate>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'transfer:send', { resourceType: 'transfer', caseId });
        await receiving(tx, input.toCourtOrgId, 'court', 'body.toCourtOrgId');
        const kase = await caseLifecycle.lock(tx, caseId);
        if (input.toCourtOrgId === kase.courtOrgId) {
          throw unprocessable('The case already belongs to that court', [
            { path: 'body.toCourtOrgId', message: 'the owning court' },
          ]);
        }
        return transferView(
          await send(ctx, audit, tx, decision, 'case_transfer', {
            caseId,
            fromOrgId: kase.courtOrgId,
            toOrgId: input.toCourtOrgId,
            reason: input.reason,
            occurredAt: input.occurredAt,
          }),
        );
      });
    },

    async sendSupervision(
      ctx: RequestContext,
      supervisionId: string,
      input: z.infer<typeof SupervisionTransferCreate>,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row: supervision, decision } = await authorizeOn(
          tx,
          ctx,
          'transfer:send',
          'transfer',
          supervisionId,
          supervisionQueries.get,
        );
        await receiving(tx, input.toOrgId, 'probation', 'body.toOrgId');
        if (!ACTIVE_SUPERVISION_STATUSES.includes(supervision.status)) {
          const kase = await caseLifecycle.lock(tx, supervision.caseId);
          throw refusedConflict(
            'Only an active supervision moves to another office',
            decision,
            { action: 'create', resourceType: 'transfer', caseId: supervision.caseId },
            kase,
            { currentStatus: supervision.status },
          );
        }
        if (input.toOrgId === supervision.officerOrgId) {
          throw unprocessable('The supervision is already with that office', [
            { path: 'body.toOrgId', message: 'the supervising office' },
          ]);
        }
        return transferView(
          await send(ctx, audit, tx, decision, 'supervision_transfer', {
            caseId: supervision.caseId,
            supervisionId,
            fromOrgId: supervision.officerOrgId,
            toOrgId: input.toOrgId,
            reason: input.reason,
            occurredAt: input.occurredAt,
          }),
        );
      });
    },

    async sendReferral(ctx: RequestContext, caseId: string, input: z.infer<typeof ReferralCreate>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'referral:send', { resourceType: 'referral', caseId });
        await receiving(tx, input.receivingOrgId, 'social_services', 'body.receivingOrgId');
        const row = await send(ctx, audit, tx, decision, 'referral', {
          caseId,
          fromOrgId: ctx.caller.org ?? 'unknown',
          toOrgId: input.receivingOrgId,
          reason: input.service,
          category: input.category,
          occurredAt: input.occurredAt,
        });
        return referralView(row, (await referralDisclosed(tx, ctx, row)).disclosed);
      });
    },

    /**
     * The sending side takes back a transfer or referral still waiting for its answer (`sent`):
     * decided as a sending (the owning court's clerk for transfers; for referrals the court's clerk
     * or the assigned social worker, of the organisation that sent it), 409 once answered. The
     * receiving organisation is no longer related to it. On the timeline and audited.
     */
    async withdraw(
      ctx: RequestContext,
      group: HandoverGroup,
      id: string,
      input: { reason: string; occurredAt?: string },
      ifMatch?: string,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const action = group === 'transfer' ? 'transfer:send' : 'referral:send';
        const { row: seen, decision } = await authorizeOn(tx, ctx, action, group, id, loaderFor(group));
        const refusal = {
          action: 'update' as const,
          resourceType: group,
          resourceId: id,
          caseId: seen.caseId,
        };
        // A referral is taken back by the organisation that sent it, not by another related to the case.
        if (group === 'referral' && seen.fromOrgId !== ctx.caller.org) {
          throw notFound(group).withAudit({
            ...refusal,
            decision,
            outcome: 'denied',
            reason: 'not the sender',
          });
        }
        const { kase, row } = await caseLifecycle.lockWith(
          tx,
          seen.caseId,
          id,
          handoverRepository.getForUpdate,
          ifMatch,
        );
        if (row.status !== 'sent') {
          throw refusedConflict(
            `A ${group} that is ${row.status} cannot be withdrawn`,
            decision,
            refusal,
            kase,
            { currentStatus: row.status },
          );
        }
        caseLifecycle.check(kase, EVENT[group], decision, refusal);
        const clock = await readEventClock(tx, config);
        const at = clock.at(input.occurredAt);
        clock.check({ path: 'body.occurredAt', at, notBefore: [{ at: row.sentAt, what: 'it was sent' }] });
        const disclosed = group === 'referral' && (await referralDisclosed(tx, ctx, row)).disclosed;
        const updated = await handoverRepository.update(tx, row, {
          status: 'withdrawn',
          respondedAt: at,
          respondedBy: ctx.caller.sub,
          responseNote: input.reason,
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: EVENT[group],
          kind: `${row.kind}_withdrawn`,
          summary: `${LABEL[row.kind]} to ${row.toOrgId} withdrawn by the sender`,
          occurredAt: at,
          category: row.category,
          resourceType: group,
          resourceId: id,
        });
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return group === 'transfer' ? transferView(updated) : referralView(updated, disclosed);
      });
    },

    /** The receiving organisation's answer and, for referrals, the work that follows. */
    async respond(
      ctx: RequestContext,
      group: HandoverGroup,
      id: string,
      step: HandoverStep,
      input: StepInput,
      ifMatch?: string,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const rule = HANDOVER_STEPS[step];
        const action = group === 'transfer' ? 'transfer:respond' : 'referral:respond';
        const { row: seen, decision } = await authorizeOn(tx, ctx, action, group, id, loaderFor(group));
        const refusal = {
          action: 'update' as const,
          resourceType: group,
          resourceId: id,
          caseId: seen.caseId,
        };
        // Related as the receiver of some handover of the case is not enough: of this one, in its role.
        if (seen.toOrgId !== ctx.caller.org || !ANSWERED_BY[seen.kind].includes(decision.role)) {
          throw notFound(group).withAudit({
            ...refusal,
            decision,
            outcome: 'denied',
            reason: 'not the receiver',
          });
        }
        const { kase, row } = await caseLifecycle.lockWith(
          tx,
          seen.caseId,
          id,
          handoverRepository.getForUpdate,
          ifMatch,
        );
        if (
          !(rule.group as readonly string[]).includes(group) ||
          !(rule.from as readonly string[]).includes(row.status)
        ) {
          throw refusedConflict(
            `A ${group} that is ${row.status} cannot become ${rule.to}`,
            decision,
            refusal,
            kase,
            {
              currentStatus: row.status,
            },
          );
        }
        caseLifecycle.check(kase, EVENT[group], decision, refusal);
        const clock = await readEventClock(tx, config);
        const at = clock.at(input.occurredAt);
        clock.check({
          path: 'body.occurredAt',
          at,
          notBefore: [
            { at: row.sentAt, what: 'it was sent' },
            { at: row.respondedAt, what: 'it was accepted' },
            { at: row.startedAt, what: 'the work started' },
          ],
        });
        if (step === 'accept' && row.kind === 'supervision_transfer') {
          // The accepting officer supervises from now on: a specialised officer of the receiving office.
          const officer = await assignableStaff(tx, config, ctx.caller.sub, 'probation_officer', 'token.sub');
          if (officer.orgId !== row.toOrgId) {
            throw unprocessable('The accepting officer is not staff of the receiving office', [
              { path: 'token.sub', message: 'not staff of the receiving office' },
            ]);
          }
          await supervisionQueries.reassign(tx, row.supervisionId!, officer.sub, officer.orgId);
        }
        // Disclosure judged while the receiver is still related (completion ends the relation).
        const disclosed = group === 'referral' && (await referralDisclosed(tx, ctx, row)).disclosed;
        const updated = await handoverRepository.update(tx, row, {
          status: rule.to,
          ...(step === 'accept' || step === 'decline'
            ? {
                respondedAt: at,
                respondedBy: ctx.caller.sub,
                responseNote: input.reason ?? input.note ?? null,
              }
            : step === 'start'
              ? { startedAt: at }
              : { completedAt: at, outcome: input.outcome ?? null }),
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: EVENT[group],
          kind: `${row.kind}_${rule.to}`,
          summary: `${LABEL[row.kind]} ${rule.label} by ${row.toOrgId}`,
          occurredAt: at,
          category: row.category,
          resourceType: group,
          resourceId: id,
        });
        // Access moves with acceptance: from now on the case belongs to the receiving court.
        if (step === 'accept' && row.kind === 'case_transfer')
          await caseLifecycle.moveToCourt(tx, kase, row.toOrgId);
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return group === 'transfer' ? transferView(updated) : referralView(updated, disclosed);
      });
    },

    async get(ctx: RequestContext, group: HandoverGroup, id: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const row = await loaderFor(group)(tx, id);
        const decision = await authorize(tx, ctx, group === 'transfer' ? 'transfer:read' : 'referral:read', {
          resourceType: group,
          resourceId: id,
          caseId: row?.caseId ?? null,
          ...(row?.kind === 'referral'
            ? { categories: [(row.category ?? 'family_social') as SensitiveCategory] }
            : {}),
        });
        if (!row) throw notFound(group);
        // A receiving organisation sees only what was sent to it.
        if (decision.basis.type === 'receiving_org' && row.toOrgId !== ctx.caller.org) {
          throw notFound(group).withAudit({
            action: 'read',
            resourceType: group,
            resourceId: id,
            caseId: row.caseId,
            decision,
            outcome: 'denied',
            reason: 'sent to another organisation',
          });
        }
        await audit({
          action: 'read',
          resourceType: group,
          resourceId: id,
          caseId: row.caseId,
          decision,
          ...disclosureAudit(decision),
          outcome: 'allowed',
        });
        return row.kind === 'referral'
          ? referralView(row, (decision.disclosure?.disclosed.length ?? 0) > 0)
          : transferView(row);
      });
    },

    /** What was sent to the caller's organisation and still relates it; referral content is left out. */
    async incoming(ctx: RequestContext, group: HandoverGroup, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(
          tx,
          ctx,
          group === 'transfer' ? 'transfer:worklist' : 'referral:worklist',
          {
            resourceType: group,
          },
        );
        const kinds =
          group === 'referral'
            ? KINDS.referral
            : KINDS.transfer.filter((k) => ANSWERED_BY[k].includes(decision.role));
        const rows = ctx.caller.org
          ? await handoverRepository.incoming(
              tx,
              ctx.caller.org,
              kinds,
              decodeTimeCursor(q.cursor),
              q.limit + 1,
            )
          : [];
        await audit({ action: 'search', resourceType: group, decision, outcome: 'allowed' });
        const page = pageOf(rows, q.limit, (r) => [r.createdAt.toISOString(), r.id]);
        return {
          ...page,
          items: page.items.map((r) => (group === 'referral' ? referralView(r, false) : transferView(r))),
        };
      });
    },
  };
}
