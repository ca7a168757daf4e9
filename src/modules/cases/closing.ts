import type { RequestContext } from '../../access/caller.js';
import { authorize } from '../../access/authorize.js';
import type { Db } from '../../db/client.js';
import { checkIfMatch } from '../../lib/etag.js';
import { withTransaction } from '../../lib/transaction.js';
import { custodyQueries } from '../custody/service.js';
import { supervisionQueries } from '../supervision/service.js';
import { caseLifecycle, refusedConflict } from './lifecycle.js';

/**
 * Closing a case with a reason (court clerk). A case under active supervision, or whose child is
 * still detained under it, stays open (409): closing would hide what still needs watching.
 */
export function caseClosingService(db: Db) {
  return {
    async close(ctx: RequestContext, caseId: string, reason: string, ifMatch?: string) {
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
        const active = await supervisionQueries.active(tx, caseId);
        if (active) {
          throw refusedConflict('The case is under active supervision', decision, refusal, {
            currentStage: kase.stage,
            supervisionId: active.id,
          });
        }
        const custody = await custodyQueries.openForCase(tx, caseId);
        if (custody) {
          throw refusedConflict(
            'The child is in custody under this case; record the release first',
            decision,
            refusal,
            {
              currentStage: kase.stage,
              custodyEpisodeId: custody.id,
            },
          );
        }
        const closed = await caseLifecycle.record(
          tx,
          kase,
          decision,
          ctx.caller.sub,
          { event: 'case_closed', summary: 'Case closed', resourceType: 'case', resourceId: caseId },
          { closedReason: reason },
        );
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return closed;
      });
    },
  };
}
