import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import { visibleCasesCondition } from '../../access/scope.js';
import type { RequestContext } from '../../access/caller.js';
import { consentSignatures, findAuditEvents, findDisclosures } from '../../audit/query.js';
import type { AuditSealer } from '../../audit/sealer.js';
import type { CheckpointKey } from '../../audit/signing.js';
import { verifyAuditTrail } from '../../audit/verify.js';
import type { Database, Db } from '../../db/client.js';
import { desc } from 'drizzle-orm';
import { auditCheckpoints } from '../../db/schema/audit.js';
import { decodeTimeCursor, pageOf } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import type { AuditQuery } from './schemas.js';

/**
 * Audit queries and the disclosure ledger tolerate replication lag: the rows are read through
 * `reads` (the read replica when DATABASE_READ_URL is set, else the primary), while the access
 * decision and the audit row of the query itself stay in the primary transaction.
 */
export function auditService(
  db: Db,
  sealer: () => AuditSealer,
  key: () => Promise<CheckpointKey>,
  reads: Database['readLagTolerant'] = (primary, work) => work(primary),
) {
  return {
    async events(ctx: RequestContext, q: z.infer<typeof AuditQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'audit:read', { resourceType: 'audit_event' });
        const rows = await reads(tx, (source) =>
          findAuditEvents(
            source,
            { ...q, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined },
            decodeTimeCursor(q.cursor),
            q.limit + 1,
          ),
        );
        await audit({
          action: 'search',
          resourceType: 'audit_event',
          caseId: q.caseId ?? null,
          personId: q.personId ?? null,
          decision,
          outcome: 'allowed',
        });
        return pageOf(rows, q.limit, (r) => [r.occurredAt.toISOString(), r.id]);
      });
    },

    async disclosures(ctx: RequestContext, personId: string, q: { limit: number; cursor?: string }) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'disclosure:read', {
          resourceType: 'disclosure_ledger',
          resourceId: personId,
          personId,
        });
        // Auditors oversee every child; the child's lawyer sees only what happened on cases they may see
        // (a sealed case, or another court's, must not surface through its access history).
        const visible = decision.basis.type === 'role' ? null : visibleCasesCondition(ctx.caller);
        const rows = await reads(tx, (source) =>
          findDisclosures(source, personId, visible, decodeTimeCursor(q.cursor), q.limit + 1),
        );
        await audit({
          action: 'read',
          resourceType: 'disclosure_ledger',
          resourceId: personId,
          personId,
          decision,
          outcome: 'allowed',
        });
        const pageRows = pageOf(rows, q.limit, (r) => [r.occurredAt.toISOString(), r.id]);
        const signatures = await consentSignatures(
          tx,
          pageRows.items.filter((r) => r.basisType?.includes('consent')).map((r) => r.basisId),
        );
        return {
          ...pageRows,
          items: pageRows.items.map((r) => ({
            ...r,
            at: r.occurredAt,
            consents: (r.basisType?.includes('consent') ? (r.basisId ?? '').split(',') : [])
              .map((id) => signatures.get(id))
              .filter((c) => c !== undefined),
          })),
        };
      });
    },

    async verify(ctx: RequestContext) {
      const decision = await withTransaction(db, ctx, async (tx, audit) => {
        const d = await authorize(tx, ctx, 'audit:verify', { resourceType: 'audit_trail' });
        await audit({ action: 'execute', resourceType: 'audit_trail', decision: d, outcome: 'allowed' });
        return d;
      });
      void decision;
      // Seal what is sealable first, so that the report speaks of (almost) everything written so far.
      await sealer().sealNow();
      return verifyAuditTrail(db, [(await key()).publicJwk]);
    },

    async checkpoints(ctx: RequestContext, limit: number) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'audit:verify', { resourceType: 'audit_checkpoint' });
        const items = await tx
          .select()
          .from(auditCheckpoints)
          .orderBy(desc(auditCheckpoints.seq))
          .limit(limit);
        await audit({ action: 'search', resourceType: 'audit_checkpoint', decision, outcome: 'allowed' });
        return { items, publicKey: (await key()).publicJwk as Record<string, unknown> };
      });
    },
  };
}
