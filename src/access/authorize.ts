import type { AuditEntry } from '../audit/writer.js';
import type { AuditAction } from '../db/schema/audit.js';
import type { Executor } from '../db/client.js';
import type { SensitiveCategory } from '../db/schema/records.js';
import { forbidden, notFound } from '../lib/errors.js';
import type { RequestContext } from './caller.js';
import { type Decision, decide, decideRole } from './decide.js';
import { loadCaseFacts, loadPersonFacts } from './facts.js';
import { loadSensitiveFacts } from './sensitive-facts.js';
import type { Action } from './roles.js';

/** The allowing decision, with the case and child it was about (so every audit row names them). */
export type Allowed = Extract<Decision, { allow: true }> & { caseId: string | null; personId: string | null };

export interface Target {
  resourceType: string;
  resourceId?: string | null;
  caseId?: string | null;
  personId?: string | null;
  /** Sensitive actions: the categories of the content asked for (rule 3). */
  categories?: SensitiveCategory[];
  /** Overrides the Court-Order-Reference header (a seal or expunge request names its order in the body). */
  courtOrderReference?: string | null;
}

/**
 * Every route's question to the access module: may this caller take this action on this target?
 * Returns the allowing decision (with its purpose and basis, for the audit row) or throws a 403/404
 * that carries its audit entry, so the denial is recorded even though the work rolls back.
 */
export async function authorize(
  tx: Executor,
  ctx: RequestContext,
  action: Action,
  target: Target,
): Promise<Allowed> {
  const facts = target.caseId ? await loadCaseFacts(tx, target.caseId) : undefined;
  const personFacts =
    !target.caseId && target.personId ? await loadPersonFacts(tx, target.personId) : undefined;
  const sensitive =
    facts && target.categories
      ? await loadSensitiveFacts(tx, facts, ctx.caller.sub, target.categories, new Date())
      : undefined;
  const decision = decide({
    caller: ctx.caller,
    action,
    requestedPurpose: ctx.requestedPurpose,
    courtOrderReference: target.courtOrderReference ?? ctx.courtOrderReference ?? null,
    case: facts ?? undefined,
    person: personFacts ?? undefined,
    sensitive,
  });
  if (decision.allow) {
    return { ...decision, caseId: facts?.id ?? null, personId: facts?.personId ?? personFacts?.id ?? null };
  }
  const error = decision.status === 404 ? notFound(target.resourceType) : forbidden();
  throw error.withAudit({
    action: auditActionOf(action),
    resourceType: target.resourceType,
    resourceId: target.resourceId ?? null,
    caseId: facts ? facts.id : null,
    personId: personFacts?.id ?? facts?.personId ?? null,
    decision,
    outcome: 'denied',
  });
}

/**
 * Rule 1 only, before anything is loaded: a role that may not take the action at all gets the same
 * 403 for a real id as for a random one (the existence of the id never shows through the status).
 * Services that must load a resource to find its case call this first, then authorize().
 */
export function authorizeRole(ctx: RequestContext, action: Action, target: Target): void {
  const decision = decideRole({ caller: ctx.caller, action, requestedPurpose: ctx.requestedPurpose });
  if (decision.allow) return;
  throw forbidden().withAudit({
    action: auditActionOf(action),
    resourceType: target.resourceType,
    resourceId: target.resourceId ?? null,
    decision,
    outcome: 'denied',
  });
}

/**
 * The audit fields of a sensitive read: categories disclosed and withheld, what opened them
 * (one basis, or several joined: types with '+', ids with ','), the break-glass flag, and the
 * reason when something was withheld. Without a disclosure, the relationship stays the basis.
 */
export function disclosureAudit(
  decision: Allowed,
): Pick<
  AuditEntry,
  'categoriesDisclosed' | 'categoriesWithheld' | 'basisType' | 'basisId' | 'breakGlass' | 'reason'
> {
  const d = decision.disclosure;
  if (!d) return {};
  const bases = [...new Map(d.bases.map((b) => [`${b.basis.type}:${b.basis.id}`, b.basis])).values()];
  return {
    categoriesDisclosed: d.disclosed,
    categoriesWithheld: d.withheld,
    ...(bases.length
      ? {
          basisType: [...new Set(bases.map((b) => b.type))].join('+'),
          basisId: bases.map((b) => b.id).join(','),
        }
      : {}),
    breakGlass: d.breakGlass,
    reason: d.withheld.length
      ? `no active consent, court order or break-glass for ${d.withheld.join(', ')} (purpose ${decision.purpose})`
      : null,
  };
}

export function auditActionOf(action: Action): AuditAction {
  const verb = action.split(':')[1];
  if (verb === 'create') return 'create';
  if (verb === 'read') return 'read';
  if (verb === 'list' || verb === 'match' || verb === 'search') return 'search';
  if (verb === 'write' || verb === 'update') return 'update';
  if (verb === 'delete') return 'delete';
  return 'execute';
}
