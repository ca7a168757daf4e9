import type { AuditAction } from '../db/schema/audit.js';
import type { Executor } from '../db/client.js';
import { forbidden, notFound } from '../lib/errors.js';
import type { RequestContext } from './caller.js';
import { type Decision, decide } from './decide.js';
import { loadCaseFacts, loadPersonFacts } from './facts.js';
import type { Action } from './roles.js';

export type Allowed = Extract<Decision, { allow: true }>;

export interface Target {
  resourceType: string;
  resourceId?: string | null;
  caseId?: string | null;
  personId?: string | null;
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
  const decision = decide({
    caller: ctx.caller,
    action,
    requestedPurpose: ctx.requestedPurpose,
    case: facts ?? undefined,
    person: personFacts ?? undefined,
  });
  if (decision.allow) return decision;
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

export function auditActionOf(action: Action): AuditAction {
  const verb = action.split(':')[1];
  if (verb === 'create') return 'create';
  if (verb === 'read') return 'read';
  if (verb === 'list' || verb === 'match' || verb === 'search') return 'search';
  if (verb === 'write' || verb === 'update') return 'update';
  if (verb === 'delete') return 'delete';
  return 'execute';
}
