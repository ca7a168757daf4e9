import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import { readEventClock } from '../../lib/event-time.js';
import { pageOf, decodeTimeCursor } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { authorizeOn, caseLifecycle, readOn, refusedConflict } from '../cases/lifecycle.js';
import { assignableStaff } from '../organizations/specialised-staff.js';
import { socialServicesRepository } from './repository.js';
import type {
  ServiceReferralCreate,
  SocialServicesQuery,
  SocialWorkAssign,
  SocialWorkEnd,
  VulnerabilityAssessmentCreate,
} from './schemas.js';

const ASSIGNMENT = 'social_work_assignment';

export function socialServicesService(db: Db, config: Config) {
  /** Writes an assessment or referral as a sensitive record; the timeline event carries its category. */
  async function recordFor(
    ctx: RequestContext,
    caseId: string,
    kind: 'vulnerability_assessment' | 'service_referral',
    values: {
      category: z.infer<typeof VulnerabilityAssessmentCreate>['category'];
      title: string | null;
      content: string | null;
      details: Record<string, unknown> | null;
      occurredAt?: string;
    },
  ) {
    return withTransaction(db, ctx, async (tx, audit) => {
      const decision = await authorize(tx, ctx, 'social_services:write', { resourceType: 'record', caseId });
      const refusal = { action: 'create' as const, resourceType: 'record', caseId };
      const kase = await caseLifecycle.lock(tx, caseId);
      caseLifecycle.check(kase, 'social_work_recorded', decision, refusal);
      // True dates (issue 14): when the assessment or referral was made, under the event-time rule.
      const clock = await readEventClock(tx, config);
      const at = clock.at(values.occurredAt);
      clock.check({ path: 'body.occurredAt', at, notBefore: [{ at: kase.intakeAt, what: 'the intake' }] });
      const row = await socialServicesRepository.insertRecord(tx, {
        caseId,
        personId: kase.personId,
        kind,
        category: values.category,
        title: values.title,
        content: values.content,
        details: values.details,
        occurredAt: at,
        createdBy: ctx.caller.sub,
        createdByRole: decision.role,
      });
      await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
        event: 'social_work_recorded',
        kind: `${kind}_recorded`,
        summary:
          kind === 'vulnerability_assessment'
            ? 'Vulnerability assessment recorded'
            : 'Service referral recorded',
        category: values.category,
        occurredAt: at,
        resourceType: 'record',
        resourceId: row.id,
      });
      await audit({
        ...refusal,
        resourceId: row.id,
        personId: kase.personId,
        categoriesDisclosed: [],
        decision,
        outcome: 'allowed',
      });
      return row;
    });
  }

  return {
    async assign(ctx: RequestContext, caseId: string, input: z.infer<typeof SocialWorkAssign>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'social_work:assign', { resourceType: ASSIGNMENT, caseId });
        const refusal = { action: 'create' as const, resourceType: ASSIGNMENT, caseId };
        const worker = await assignableStaff(
          tx,
          config,
          input.socialWorkerSub,
          'social_worker',
          'body.socialWorkerSub',
        );
        const kase = await caseLifecycle.lock(tx, caseId);
        caseLifecycle.check(kase, 'social_work_recorded', decision, refusal);
        const clock = await readEventClock(tx, config);
        const assignedAt = clock.at(input.occurredAt);
        clock.check({
          path: 'body.occurredAt',
          at: assignedAt,
          notBefore: [{ at: kase.intakeAt, what: 'the intake' }],
        });
        if (await socialServicesRepository.activeAssignment(tx, caseId, worker.sub)) {
          throw refusedConflict(
            'The social worker is already assigned to the case',
            decision,
            refusal,
            kase,
            {
              socialWorkerSub: worker.sub,
            },
          );
        }
        const row = await socialServicesRepository.insertAssignment(tx, {
          caseId,
          socialWorkerSub: worker.sub,
          orgId: worker.orgId,
          assignedBy: ctx.caller.sub,
          assignedAt,
        });
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'social_work_recorded',
          kind: 'social_worker_assigned',
          summary: 'Social worker assigned',
          occurredAt: assignedAt,
          resourceType: ASSIGNMENT,
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

    async getAssignment(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, (tx, audit) =>
        readOn(
          tx,
          ctx,
          audit,
          'social_services:list',
          ASSIGNMENT,
          id,
          socialServicesRepository.getAssignment,
        ),
      );
    },

    async endAssignment(
      ctx: RequestContext,
      id: string,
      input: z.infer<typeof SocialWorkEnd> = {},
      ifMatch?: string,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row: seen, decision } = await authorizeOn(
          tx,
          ctx,
          'social_work:assign',
          ASSIGNMENT,
          id,
          socialServicesRepository.getAssignment,
        );
        const refusal = {
          action: 'update' as const,
          resourceType: ASSIGNMENT,
          resourceId: id,
          caseId: seen.caseId,
        };
        const { kase, row } = await caseLifecycle.lockWith(
          tx,
          seen.caseId,
          id,
          socialServicesRepository.getAssignmentForUpdate,
          // A stale If-Match was ignored and the assignment ended (authorization matrix finding).
          ifMatch,
        );
        caseLifecycle.check(kase, 'social_work_recorded', decision, refusal);
        if (row.status !== 'active') {
          throw refusedConflict('The assignment has already ended', decision, refusal, kase, {
            currentStatus: row.status,
          });
        }
        const clock = await readEventClock(tx, config);
        const endedAt = clock.at(input.occurredAt);
        clock.check({
          path: 'body.occurredAt',
          at: endedAt,
          notBefore: [{ at: row.assignedAt, what: 'the assignment began' }],
        });
        const updated = await socialServicesRepository.endAssignment(tx, row, endedAt);
        await caseLifecycle.record(tx, kase, decision, ctx.caller.sub, {
          event: 'social_work_recorded',
          kind: 'social_worker_assignment_ended',
          summary: 'Social worker assignment ended',
          occurredAt: endedAt,
          resourceType: ASSIGNMENT,
          resourceId: row.id,
        });
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return updated;
      });
    },

    assess: (ctx: RequestContext, caseId: string, input: z.infer<typeof VulnerabilityAssessmentCreate>) =>
      recordFor(ctx, caseId, 'vulnerability_assessment', {
        category: input.category,
        title: input.title ?? 'Vulnerability assessment',
        content: input.content,
        details: input.details ?? null,
        occurredAt: input.occurredAt,
      }),

    refer: (ctx: RequestContext, caseId: string, input: z.infer<typeof ServiceReferralCreate>) =>
      recordFor(ctx, caseId, 'service_referral', {
        category: input.category,
        title: `Referral: ${input.service}`,
        content: input.content ?? null,
        details: { service: input.service, provider: input.provider ?? null },
        occurredAt: input.occurredAt,
      }),

    /** Metadata only; reading content is the records module's business, under consent. */
    async list(ctx: RequestContext, caseId: string, q: z.infer<typeof SocialServicesQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'social_services:list', { resourceType: 'record', caseId });
        const c = decodeTimeCursor(q.cursor);
        const rows = await socialServicesRepository.listRecords(tx, caseId, q.kind, c, q.limit + 1);
        await audit({ action: 'search', resourceType: 'record', caseId, decision, outcome: 'allowed' });
        return pageOf(rows, q.limit, (r) => [r.createdAt.toISOString(), r.id]);
      });
    },
  };
}

/** Closing a case ends its active social work assignments (issue 14). */
export const socialWorkClosing = {
  async endActive(tx: Executor, caseId: string, at: Date) {
    const rows = await socialServicesRepository.activeForCase(tx, caseId);
    return Promise.all(rows.map((r) => socialServicesRepository.endAssignment(tx, r, at)));
  },
};
