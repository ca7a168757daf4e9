import type { z } from 'zod';
import type { RequestContext } from '../../access/caller.js';
import { authorize } from '../../access/authorize.js';
import type { Db } from '../../db/client.js';
import { conflict, notFound, unprocessable } from '../../lib/errors.js';
import { checkIfMatch } from '../../lib/etag.js';
import { decodeCursor, pageOf } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { organizationRepository, staffRepository } from './repository.js';
import type { OrganizationCreate, StaffPut } from './schemas.js';

export function organizationService(db: Db) {
  return {
    async create(ctx: RequestContext, input: z.infer<typeof OrganizationCreate>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'organization:create', { resourceType: 'organization' });
        const row = await organizationRepository.insert(tx, { ...input, region: input.region ?? null });
        if (!row) throw conflict('An organisation with this id already exists');
        await audit({
          action: 'create',
          resourceType: 'organization',
          resourceId: row.id,
          decision,
          outcome: 'allowed',
        });
        return row;
      });
    },

    async list(ctx: RequestContext, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'organization:read', { resourceType: 'organization' });
        const after = decodeCursor(q.cursor, 1);
        const rows = await organizationRepository.list(tx, after ? String(after[0]) : null, q.limit + 1);
        await audit({ action: 'search', resourceType: 'organization', decision, outcome: 'allowed' });
        return pageOf(rows, q.limit, (r) => [r.id]);
      });
    },

    async get(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'organization:read', {
          resourceType: 'organization',
          resourceId: id,
        });
        const row = await organizationRepository.get(tx, id);
        if (!row) throw notFound('organization');
        await audit({
          action: 'read',
          resourceType: 'organization',
          resourceId: id,
          decision,
          outcome: 'allowed',
        });
        return row;
      });
    },

    async putStaff(
      ctx: RequestContext,
      sub: string,
      input: z.infer<typeof StaffPut>,
      ifMatch: string | undefined,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'staff:write', { resourceType: 'staff', resourceId: sub });
        if (!(await organizationRepository.get(tx, input.orgId))) {
          throw unprocessable('The organisation does not exist', [
            { path: 'body.orgId', message: 'unknown organisation' },
          ]);
        }
        const values = { sub, ...input };
        const audited = (action: 'create' | 'update') =>
          audit({ action, resourceType: 'staff', resourceId: sub, decision, outcome: 'allowed' });
        let existing = await staffRepository.getForUpdate(tx, sub);
        if (!existing) {
          const created = await staffRepository.insert(tx, values);
          if (created) {
            await audited('create');
            return { row: created, created: true };
          }
          // A concurrent first PUT created the member meanwhile: this one is answered as if it had
          // come after it (428 without If-Match, 412 with a stale one), never a silent overwrite.
          existing = await staffRepository.getForUpdate(tx, sub);
          if (!existing) throw new Error('staff member vanished after a conflicting insert');
        }
        checkIfMatch(ifMatch, existing.version);
        const row = await staffRepository.replace(tx, existing, values);
        await audited('update');
        return { row, created: false };
      });
    },

    async getStaff(ctx: RequestContext, sub: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'staff:read', { resourceType: 'staff', resourceId: sub });
        const row = await staffRepository.get(tx, sub);
        if (!row) throw notFound('staff member');
        await audit({ action: 'read', resourceType: 'staff', resourceId: sub, decision, outcome: 'allowed' });
        return row;
      });
    },

    async listStaff(ctx: RequestContext, q: { role?: string; org?: string; limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'staff:read', { resourceType: 'staff' });
        const after = decodeCursor(q.cursor, 1);
        const rows = await staffRepository.list(tx, q, after ? String(after[0]) : null, q.limit + 1);
        await audit({ action: 'search', resourceType: 'staff', decision, outcome: 'allowed' });
        return pageOf(rows, q.limit, (r) => [r.sub]);
      });
    },
  };
}
