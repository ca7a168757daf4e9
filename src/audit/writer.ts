import type { RequestContext } from '../access/caller.js';
import type { Decision } from '../access/decide.js';
import type { Executor } from '../db/client.js';
import { insertRecordset } from '../db/recordset.js';
import { type AuditAction, type AuditOutcome, auditEvents } from '../db/schema/audit.js';
import { insertStatement } from '../db/statements.js';
import { storableText } from '../lib/text.js';
import { eventOfAudit, writeEvent, writeEvents } from '../modules/events/outbox.js';

/** What a service says about one access decision or change; the actor comes from the request context. */
export interface AuditEntry {
  action: AuditAction;
  resourceType: string;
  resourceId?: string | null;
  caseId?: string | null;
  personId?: string | null;
  categoriesDisclosed?: string[];
  categoriesWithheld?: string[];
  /** The decision that allowed or denied it: supplies purpose, basis and reason, and the case and child it was about. */
  decision?: Decision & { caseId?: string | null; personId?: string | null };
  basisType?: string | null;
  basisId?: string | null;
  breakGlass?: boolean;
  outcome: AuditOutcome;
  reason?: string | null;
}

export type AuditFn = (entry: AuditEntry) => Promise<void>;

/**
 * The one writer of audit rows. It must be called with the transaction of the change it records,
 * so that the change and its row commit together or not at all. Time is the database's clock.
 * An allowed change to a case also raises its thin event in the outbox, in the same transaction.
 */
export async function writeAudit(tx: Executor, ctx: RequestContext, entry: AuditEntry): Promise<void> {
  const { row, event } = auditRowOf(ctx, entry);
  await insertAuditRow.run(tx, row);
  if (event) await writeEvent(tx, event);
}

/**
 * writeAudit for many entries of one transaction (a batch of a bulk import): the same rows and
 * events, in two statements (src/db/recordset.ts) instead of two round trips per entry.
 */
export async function writeAudits(tx: Executor, ctx: RequestContext, entries: AuditEntry[]): Promise<void> {
  const rows = entries.map((e) => auditRowOf(ctx, e));
  await insertRecordset(
    tx,
    auditEvents,
    rows.map((r) => r.row),
  );
  await writeEvents(
    tx,
    rows.flatMap((r) => (r.event ? [r.event] : [])),
  );
}

/** Every request writes one: its text is built once (src/db/statements.ts). */
const insertAuditRow = insertStatement(auditEvents);

function auditRowOf(ctx: RequestContext, entry: AuditEntry) {
  const d = entry.decision;
  const caseId = entry.caseId ?? d?.caseId ?? null;
  // Text that reached here from a token or a path is cleaned (NUL dropped, lone surrogates
  // replaced, length capped): recording a decision must never fail because of what the caller sent.
  const text = <T extends string | null | undefined>(v: T) => (typeof v === 'string' ? storableText(v) : v);
  const row = {
    actorSub: storableText(ctx.caller.sub),
    actorRoles: ctx.caller.roles.map((r) => storableText(r)),
    actorOrg: text(ctx.caller.org),
    clientId: text(ctx.caller.clientId),
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: text(entry.resourceId ?? null),
    // A row about a case or a child names them even when the service did not repeat them, so the
    // child's disclosure ledger misses no read.
    caseId,
    personId: entry.personId ?? d?.personId ?? null,
    categoriesDisclosed: entry.categoriesDisclosed ?? [],
    categoriesWithheld: entry.categoriesWithheld ?? [],
    purpose: text(d?.purpose ?? null),
    basisType: entry.basisType ?? (d?.allow ? d.basis.type : null),
    basisId: text(entry.basisId ?? (d?.allow && 'id' in d.basis ? d.basis.id : null)),
    breakGlass: entry.breakGlass ?? false,
    outcome: entry.outcome,
    reason: text(entry.reason ?? (d && !d.allow ? d.reason : null)),
    requestId: storableText(ctx.requestId),
    clientAddress: text(ctx.clientAddress),
  } satisfies typeof auditEvents.$inferInsert;
  return { row, event: eventOfAudit(entry, caseId) };
}
