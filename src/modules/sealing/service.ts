import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Db } from '../../db/client.js';
import { caseEvents } from '../../db/schema/cases.js';
import { conflict } from '../../lib/errors.js';
import { withTransaction } from '../../lib/transaction.js';
import { sealingRepository } from './repository.js';
import type { ExpungeRequest, SealRequest } from './schemas.js';

export function sealingService(db: Db) {
  return {
    /**
     * SPEC 4.6: the owning court's clerk seals a case under a court order. From then on the case
     * answers 404 to everyone but that court acting with the order (Court-Order-Reference header).
     */
    async seal(ctx: RequestContext, caseId: string, input: z.infer<typeof SealRequest>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'case:seal', {
          resourceType: 'case',
          resourceId: caseId,
          caseId,
          courtOrderReference: input.orderReference,
        });
        const at = new Date();
        const row = await sealingRepository.seal(tx, caseId, input.orderReference, at);
        // A stored Idempotency-Key response would hand the sealed case, its child or their records back to a retry.
        if (row) await sealingRepository.forgetReplays(tx, { caseId, personId: row.personId });
        if (!row) {
          throw conflict('The case is already sealed').withAudit({
            action: 'update',
            resourceType: 'case',
            resourceId: caseId,
            caseId,
            decision,
            reason: 'case already sealed',
          });
        }
        await tx.insert(caseEvents).values({
          caseId,
          kind: 'sealed',
          occurredAt: at,
          actorSub: ctx.caller.sub,
          actorRole: decision.role,
          summary: 'Case sealed by court order',
          resourceType: 'case',
          resourceId: caseId,
        });
        await audit({
          action: 'update',
          resourceType: 'case',
          resourceId: caseId,
          caseId,
          decision,
          outcome: 'allowed',
        });
        return { id: row.id, sealedAt: row.sealedAt!, sealedOrderRef: row.sealedOrderRef! };
      });
    },

    /**
     * Erases the case's personal data and sensitive content and leaves a tombstone. The child's
     * identity goes too unless another case of theirs is still live. Audit rows hold only ids and
     * stay as they are.
     */
    async expunge(ctx: RequestContext, caseId: string, input: z.infer<typeof ExpungeRequest>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'case:expunge', {
          resourceType: 'case',
          resourceId: caseId,
          caseId,
          courtOrderReference: input.orderReference,
        });
        const at = new Date();
        const row = await sealingRepository.eraseCase(tx, caseId, input.orderReference, at);
        const personErased = !(await sealingRepository.hasOtherLiveCase(tx, row.personId, caseId));
        if (personErased) await sealingRepository.erasePerson(tx, row.personId, at);
        await sealingRepository.forgetReplays(tx, { caseId, personId: row.personId });
        await audit({
          action: 'delete',
          resourceType: 'case',
          resourceId: caseId,
          caseId,
          personId: row.personId,
          decision,
          outcome: 'allowed',
        });
        return { id: row.id, expungedAt: row.expungedAt!, personErased };
      });
    },
  };
}
