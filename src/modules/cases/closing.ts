import type { RequestContext } from '../../access/caller.js';
import { authorize } from '../../access/authorize.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { checkIfMatch } from '../../lib/etag.js';
import { readEventClock } from '../../lib/event-time.js';
import { withTransaction } from '../../lib/transaction.js';
import { custodyQueries } from '../custody/service.js';
import { diversionQueries } from '../diversion/service.js';
import { hearingQueries } from '../hearings/service.js';
import { legalAidClosing } from '../legal-aid/service.js';
import { socialWorkClosing } from '../social-services/service.js';
import { supervisionQueries } from '../supervision/service.js';
import { caseLifecycle, refusedConflict } from './lifecycle.js';

/** Something still open on a case, named in the 409 that refuses to close it. */
export interface OpenItem {
  resourceType: string;
  id: string;
  status: string;
}

/**
 * Closing a case with a reason (court clerk), decided per open item (issue 14, README "Closing"):
 * - refused (409 naming each in `openItems`): an active supervision, a custody episode under the
 *   case, a proposed diversion. Each needs a decision of its own (completion or revocation, a
 *   release, the family's answer) that closing must not invent.
 * - ended with the closing reason, in the same transaction, each on the timeline: scheduled hearings
 *   (cancelled), legal aid (accepted: completed; requested or assigned: withdrawn), active social
 *   work assignments (ended). Their people stop being related to the case.
 */
export function caseClosingService(db: Db, config: Config) {
  return {
    async close(
      ctx: RequestContext,
      caseId: string,
      input: { reason: string; occurredAt?: string },
      ifMatch?: string,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'case:close', {
          resourceType: 'case',
          resourceId: caseId,
          caseId,
        });
        const refusal = { action: 'update' as const, resourceType: 'case', resourceId: caseId, caseId };
        const kase = await caseLifecycle.lock(tx, caseId);
        if (ifMatch !== undefined) checkIfMatch(ifMatch, kase.version);
        caseLifecycle.check(kase, 'case_closed', decision, refusal);
        const blocking: OpenItem[] = [];
        const supervision = await supervisionQueries.active(tx, caseId);
        if (supervision) {
          blocking.push({ resourceType: 'supervision', id: supervision.id, status: supervision.status });
        }
        const custody = await custodyQueries.openForCase(tx, caseId);
        if (custody) blocking.push({ resourceType: 'custody_episode', id: custody.id, status: 'open' });
        const diversion = await diversionQueries.open(tx, caseId);
        if (diversion)
          blocking.push({ resourceType: 'diversion', id: diversion.id, status: diversion.status });
        if (blocking.length) {
          const detail = supervision
            ? 'The case is under active supervision'
            : custody
              ? 'The child is in custody under this case; record the release first'
              : 'A proposed diversion awaits the family’s answer; record it first';
          throw refusedConflict(detail, decision, refusal, kase, {
            openItems: blocking,
            ...(supervision ? { supervisionId: supervision.id } : {}),
            ...(custody ? { custodyEpisodeId: custody.id } : {}),
          });
        }
        const clock = await readEventClock(tx, config);
        const closedAt = clock.at(input.occurredAt);
        clock.check({
          path: 'body.occurredAt',
          at: closedAt,
          notBefore: [{ at: kase.intakeAt, what: 'the intake' }],
        });
        const why = `Case closed: ${input.reason}`;
        const actor = { sub: ctx.caller.sub, role: decision.role };
        for (const h of await hearingQueries.cancelScheduled(tx, caseId, why)) {
          await caseLifecycle.note(tx, caseId, actor, {
            kind: 'hearing_cancelled',
            occurredAt: closedAt,
            summary: 'Hearing cancelled: the case closed',
            resourceType: 'hearing',
            resourceId: h.id,
          });
        }
        for (const a of await legalAidClosing.endOpen(tx, caseId, why, closedAt)) {
          await caseLifecycle.note(tx, caseId, actor, {
            kind: `legal_aid_${a.status}`,
            occurredAt: closedAt,
            summary: `Legal aid ${a.status}: the case closed`,
            resourceType: 'legal_aid_assignment',
            resourceId: a.id,
          });
        }
        for (const s of await socialWorkClosing.endActive(tx, caseId, closedAt)) {
          await caseLifecycle.note(tx, caseId, actor, {
            kind: 'social_worker_assignment_ended',
            occurredAt: closedAt,
            summary: 'Social worker assignment ended: the case closed',
            resourceType: 'social_work_assignment',
            resourceId: s.id,
          });
        }
        const closed = await caseLifecycle.record(
          tx,
          kase,
          decision,
          ctx.caller.sub,
          {
            event: 'case_closed',
            occurredAt: closedAt,
            summary: 'Case closed',
            resourceType: 'case',
            resourceId: caseId,
          },
          { closedReason: input.reason },
        );
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return closed;
      });
    },
  };
}
