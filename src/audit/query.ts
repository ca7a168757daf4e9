import { keysetAfter } from '../lib/pagination.js';
import { type SQL, and, desc, eq, gte, inArray, isNull, lte, or } from 'drizzle-orm';
import { cases } from '../db/schema/cases.js';
import { consents } from '../db/schema/consents.js';
import type { Executor } from '../db/client.js';
import { type AuditAction, type AuditOutcome, auditEvents } from '../db/schema/audit.js';

export interface AuditFilter {
  actor?: string;
  caseId?: string;
  personId?: string;
  action?: AuditAction;
  outcome?: AuditOutcome;
  from?: Date;
  to?: Date;
}

export type AuditEvent = typeof auditEvents.$inferSelect;

/** Newest first, keyset-paginated on (occurred_at, id). */
export async function findAuditEvents(
  tx: Executor,
  f: AuditFilter,
  after: { at: Date; id: string } | null,
  limit: number,
): Promise<AuditEvent[]> {
  const conditions: (SQL | undefined)[] = [
    f.actor ? eq(auditEvents.actorSub, f.actor) : undefined,
    f.caseId ? eq(auditEvents.caseId, f.caseId) : undefined,
    f.personId ? eq(auditEvents.personId, f.personId) : undefined,
    f.action ? eq(auditEvents.action, f.action) : undefined,
    f.outcome ? eq(auditEvents.outcome, f.outcome) : undefined,
    f.from ? gte(auditEvents.occurredAt, f.from) : undefined,
    f.to ? lte(auditEvents.occurredAt, f.to) : undefined,
    keysetAfter(auditEvents.occurredAt, auditEvents.id, after, 'desc'),
  ];
  return tx
    .select()
    .from(auditEvents)
    .where(and(...conditions))
    .orderBy(desc(auditEvents.occurredAt), desc(auditEvents.id))
    .limit(limit);
}

/** The case and child an earlier request's allowed audit row named (for replays of its response). */
export async function subjectsOfRequest(
  tx: Executor,
  requestId: string,
): Promise<{ caseId: string | null; personId: string | null }> {
  const [row] = await tx
    .select({ caseId: auditEvents.caseId, personId: auditEvents.personId })
    .from(auditEvents)
    .where(and(eq(auditEvents.requestId, requestId), eq(auditEvents.outcome, 'allowed')))
    .orderBy(desc(auditEvents.occurredAt))
    .limit(1);
  return row ?? { caseId: null, personId: null };
}

/**
 * A child's disclosure ledger: every allowed read or export of the child's data by someone,
 * with the categories, purpose and basis. Searches and the child's own registration are not disclosures.
 */
export async function findDisclosures(
  tx: Executor,
  personId: string,
  /** For callers who oversee nothing (the child's lawyer): only rows of cases they may see, or of no case. */
  visibleCases: SQL | null,
  after: { at: Date; id: string } | null,
  limit: number,
): Promise<AuditEvent[]> {
  return tx
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.personId, personId),
        eq(auditEvents.outcome, 'allowed'),
        inArray(auditEvents.action, ['read', 'execute']),
        visibleCases
          ? or(
              isNull(auditEvents.caseId),
              inArray(auditEvents.caseId, tx.select({ id: cases.id }).from(cases).where(visibleCases)),
            )
          : undefined,
        keysetAfter(auditEvents.occurredAt, auditEvents.id, after, 'desc'),
      ),
    )
    .orderBy(desc(auditEvents.occurredAt), desc(auditEvents.id))
    .limit(limit);
}

/**
 * Who recorded and who confirmed each consent that opened something (issue 8): the ledger lists
 * them beside every disclosure a consent allowed. `basisIds` are the ledger rows' basis ids (several
 * joined by ','); ids that are not consents find nothing.
 */
export async function consentSignatures(
  tx: Executor,
  basisIds: (string | null)[],
): Promise<Map<string, { id: string; recordedBy: string; confirmedBy: string | null }>> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const ids = [...new Set(basisIds.flatMap((b) => (b ?? '').split(',')).filter((id) => uuid.test(id)))];
  if (ids.length === 0) return new Map();
  const rows = await tx
    .select({ id: consents.id, recordedBy: consents.recordedBy, confirmedBy: consents.confirmedBy })
    .from(consents)
    .where(inArray(consents.id, ids));
  return new Map(rows.map((r) => [r.id, r]));
}
