import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Db } from '../../db/client.js';
import { conflict, notFound, unprocessable } from '../../lib/errors.js';
import { decodeCursor, pageOf } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { organizationRepository } from '../organizations/repository.js';
import { type PartnerClientRow, partnerClientRepository } from './repository.js';
import type { PartnerClientCreate } from './schemas.js';

const RESOURCE = 'partner_client';

const view = (r: PartnerClientRow) => ({
  clientId: r.clientId,
  orgId: r.orgId,
  kind: r.kind,
  allowedScopes: r.allowedScopes as z.infer<typeof PartnerClientCreate>['allowedScopes'],
  createdAt: r.createdAt,
});

export function partnerClientService(db: Db) {
  return {
    async create(ctx: RequestContext, input: z.infer<typeof PartnerClientCreate>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'partner_client:write', {
          resourceType: RESOURCE,
          resourceId: input.clientId,
        });
        if (!(await organizationRepository.get(tx, input.orgId))) {
          throw unprocessable('The organisation is not registered', [
            { path: 'body.orgId', message: 'unknown organisation' },
          ]);
        }
        const row = await partnerClientRepository.insert(tx, {
          clientId: input.clientId,
          orgId: input.orgId,
          kind: input.kind,
          allowedScopes: [...new Set(input.allowedScopes)],
          createdBy: ctx.caller.sub,
        });
        if (!row) throw conflict('A client with this id is already registered');
        await audit({
          action: 'create',
          resourceType: RESOURCE,
          resourceId: row.clientId,
          decision,
          outcome: 'allowed',
        });
        return view(row);
      });
    },

    async list(ctx: RequestContext, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'partner_client:read', { resourceType: RESOURCE });
        const after = decodeCursor(q.cursor, 1);
        const rows = await partnerClientRepository.list(tx, after ? String(after[0]) : null, q.limit + 1);
        await audit({ action: 'search', resourceType: RESOURCE, decision, outcome: 'allowed' });
        const p = pageOf(rows, q.limit, (r) => [r.clientId]);
        return { items: p.items.map(view), nextCursor: p.nextCursor };
      });
    },

    async get(ctx: RequestContext, clientId: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'partner_client:read', {
          resourceType: RESOURCE,
          resourceId: clientId,
        });
        const row = await partnerClientRepository.get(tx, clientId);
        if (!row) throw notFound('partner client');
        await audit({
          action: 'read',
          resourceType: RESOURCE,
          resourceId: clientId,
          decision,
          outcome: 'allowed',
        });
        return view(row);
      });
    },

    /** Deregistering refuses the client's next token, and stops its webhook deliveries. */
    async remove(ctx: RequestContext, clientId: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'partner_client:write', {
          resourceType: RESOURCE,
          resourceId: clientId,
        });
        if (!(await partnerClientRepository.remove(tx, clientId))) throw notFound('partner client');
        await audit({
          action: 'delete',
          resourceType: RESOURCE,
          resourceId: clientId,
          decision,
          outcome: 'allowed',
        });
      });
    },
  };
}

/** For the authentication plugin: the registered client of a partner token. */
export const partnerClientQueries = {
  get: (db: Db, clientId: string) => partnerClientRepository.get(db, clientId),
};
