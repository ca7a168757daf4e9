import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { caseEvents } from '../../db/schema/cases.js';
import { forbidden, preconditionFailed, unprocessable } from '../../lib/errors.js';
import { checkIfMatch } from '../../lib/etag.js';
import { readEventClock } from '../../lib/event-time.js';
import { withTransaction } from '../../lib/transaction.js';
import { authorizeOn, caseLifecycle, readOn, refusedConflict } from '../cases/lifecycle.js';
import { assertGranteeExists } from '../consents/service.js';
import { organizationRepository } from '../organizations/repository.js';
import { type CourtOrderRow, courtOrderRepository } from './repository.js';
import type { CourtOrderCreate } from './schemas.js';

const RESOURCE = 'court_order';

const viewOf = (row: CourtOrderRow, now: Date) => ({
  ...row,
  active: row.revokedAt === null && row.validFrom <= now && (row.validUntil === null || now < row.validUntil),
});

export function courtOrderService(db: Db, config: Config) {
  return {
    async get(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, async (tx, audit) =>
        viewOf(
          await readOn(tx, ctx, audit, 'court_order:read', RESOURCE, id, courtOrderRepository.get),
          new Date(),
        ),
      );
    },

    /**
     * Revocation by the court that issued the order (issue 14): from then on it opens nothing, on the
     * very next request (the access decision reads revokedAt). Once only: the statement that revokes
     * checks it is not revoked yet, so two clerks at once get one 200 and one 409.
     */
    async revoke(
      ctx: RequestContext,
      id: string,
      input: { reason: string; occurredAt?: string },
      ifMatch?: string,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const { row, decision } = await authorizeOn(
          tx,
          ctx,
          'court_order:revoke',
          RESOURCE,
          id,
          courtOrderRepository.get,
        );
        const refusal = {
          action: 'update' as const,
          resourceType: RESOURCE,
          resourceId: id,
          caseId: row.caseId,
        };
        if (ctx.caller.org !== row.issuingCourtOrgId) {
          throw forbidden('Only the court that issued the order may revoke it').withAudit({
            ...refusal,
            decision,
            outcome: 'denied',
            reason: 'not the issuing court',
          });
        }
        if (ifMatch !== undefined) checkIfMatch(ifMatch, row.version);
        const kase = await caseLifecycle.lock(tx, row.caseId);
        const clock = await readEventClock(tx, config);
        const revokedAt = clock.at(input.occurredAt);
        clock.check({
          path: 'body.occurredAt',
          at: revokedAt,
          notBefore: [{ at: row.createdAt, what: 'the order was recorded' }],
        });
        const revoked = row.revokedAt
          ? null
          : await courtOrderRepository.revoke(tx, row, {
              revokedAt,
              revokedBy: ctx.caller.sub,
              revocationReason: input.reason,
            });
        if (!revoked) {
          if (ifMatch !== undefined && !row.revokedAt) throw preconditionFailed();
          throw refusedConflict('The court order is already revoked', decision, refusal, kase, {
            currentStatus: 'revoked',
          });
        }
        await caseLifecycle.note(
          tx,
          row.caseId,
          { sub: ctx.caller.sub, role: decision.role },
          {
            kind: 'court_order_revoked',
            occurredAt: revokedAt,
            summary: 'Court order on access to sensitive records revoked by its court',
            resourceType: RESOURCE,
            resourceId: id,
          },
        );
        await audit({ ...refusal, personId: kase.personId, decision, outcome: 'allowed' });
        return viewOf(revoked, new Date());
      });
    },

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
