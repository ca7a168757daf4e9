import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Db } from '../../db/client.js';
import { caseEvents } from '../../db/schema/cases.js';
import { unprocessable } from '../../lib/errors.js';
import { withTransaction } from '../../lib/transaction.js';
import { assertGranteeExists } from '../consents/service.js';
import { organizationRepository } from '../organizations/repository.js';
import { type CourtOrderRow, courtOrderRepository } from './repository.js';
import type { CourtOrderCreate } from './schemas.js';

const viewOf = (row: CourtOrderRow, now: Date) => ({
  ...row,
  active: row.validFrom <= now && (row.validUntil === null || now < row.validUntil),
});

export function courtOrderService(db: Db) {
  return {
    async create(ctx: RequestContext, caseId: string, input: z.infer<typeof CourtOrderCreate>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'court_order:create', {
          resourceType: 'court_order',
          caseId,
        });
        const issuer = input.issuingCourtOrgId ?? ctx.caller.org;
        const court = issuer ? await organizationRepository.get(tx, issuer) : null;
        if (court?.kind !== 'court') {
          throw unprocessable('The issuing court is not a registered court', [
            { path: 'body.issuingCourtOrgId', message: 'not a registered court' },
          ]);
        }
        const validFrom = input.validFrom ? new Date(input.validFrom) : new Date();
        const validUntil = input.validUntil ? new Date(input.validUntil) : null;
        if (validUntil && validUntil <= validFrom) {
          throw unprocessable('The order must end after it starts', [
            { path: 'body.validUntil', message: 'not after validFrom' },
          ]);
        }
        for (const grantee of input.grantees) await assertGranteeExists(tx, grantee);
        const row = await courtOrderRepository.insert(tx, {
          caseId,
          reference: input.reference,
          issuingCourtOrgId: court.id,
          categories: input.categories,
          purposes: input.purposes,
          grantees: input.grantees,
          validFrom,
          validUntil,
          recordedBy: ctx.caller.sub,
        });
        await tx.insert(caseEvents).values({
          caseId,
          kind: 'court_order_recorded',
          actorSub: ctx.caller.sub,
          actorRole: decision.role,
          summary: 'Court order on access to sensitive records recorded',
          resourceType: 'court_order',
          resourceId: row.id,
        });
        await audit({
          action: 'create',
          resourceType: 'court_order',
          resourceId: row.id,
          caseId,
          decision,
          outcome: 'allowed',
        });
        return viewOf(row, new Date());
      });
    },

    async list(ctx: RequestContext, caseId: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'court_order:read', {
          resourceType: 'court_order',
          caseId,
        });
        const rows = await courtOrderRepository.listForCase(tx, caseId);
        await audit({ action: 'search', resourceType: 'court_order', caseId, decision, outcome: 'allowed' });
        const now = new Date();
        return { items: rows.map((r) => viewOf(r, now)) };
      });
    },
  };
}
