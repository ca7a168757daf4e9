import type { AuditEntry } from '../audit/writer.js';
import type { AuditAction } from '../db/schema/audit.js';
import type { Executor } from '../db/client.js';
import type { SensitiveCategory } from '../db/schema/records.js';
import { forbidden, notFound } from '../lib/errors.js';
import type { RequestContext } from './caller.js';
import {
  type CaseFacts,
  type Decision,
  casesHoldingTheChild,
  decide,
  decideIntakeAcceptance,
  decideRole,
} from './decide.js';
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
 * The first of several actions that allow the caller (rule 1 decides which is tried; the last is
 * decided in full, so its refusal is the one audited): e.g. an arrest intake through case:create or,
 * for a police system holding only `arrests:write`, arrest:create (roles.ts, intakeActions).
 */
export async function authorizeFirst(
  tx: Executor,
  ctx: RequestContext,
  actions: readonly Action[],
  target: Target,
): Promise<Allowed> {
  const action =
    actions.find(
      (a) => decideRole({ caller: ctx.caller, action: a, requestedPurpose: ctx.requestedPurpose }).allow,
    ) ?? actions[0];
  return authorize(tx, ctx, action, target);
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
 * Issue 8.5: may the caller accept the intake of a case opened on a child another court held an
 * open case for? Decided on the case and every case of the child (decideIntakeAcceptance).
 */
export async function authorizeIntakeAcceptance(
  tx: Executor,
  ctx: RequestContext,
  caseId: string,
): Promise<Allowed> {
  authorizeRole(ctx, 'case:accept_intake', { resourceType: 'case', resourceId: caseId });
  const facts = await loadCaseFacts(tx, caseId);
  const child = facts ? await loadPersonFacts(tx, facts.personId) : null;
  const decision = decideIntakeAcceptance(ctx.caller, facts ?? undefined, child?.cases ?? []);
  if (decision.allow) return { ...decision, caseId: facts!.id, personId: facts!.personId };
  const error =
    decision.status === 404
      ? notFound('case')
      : forbidden(`Your court may not accept this intake: ${decision.reason}`);
  throw error.withAudit({
    action: 'update',
    resourceType: 'case',
    resourceId: caseId,
    caseId: facts ? facts.id : null,
    personId: facts?.personId ?? null,
    decision,
    outcome: 'denied',
  });
}

/** The cases of other courts that hold the child: a new case waits for acceptance while any do. */
export async function casesHoldingChild(
  tx: Executor,
  personId: string,
  courtOrgId: string,
): Promise<CaseFacts[]> {
  const child = await loadPersonFacts(tx, personId);
  return child ? casesHoldingTheChild(courtOrgId, child.cases) : [];
}

/** Who made an Idempotency-Key's first request, and what its response named. */
export interface FirstRequest {
  org: string | null;
  roles: string[] | null;
  caseId: string | null;
  personId: string | null;
}

/**
 * Issue 8: a stored response is handed out again only to the caller who could take it now: the
 * same organisation and roles as the first request (the sub is the key's own), and still related
 * to the case and the child it named (sealing, expungement, an ended assignment all end that).
 * Returns null when the replay may be served, else the reason it may not (for the audit row).
 */
export async function authorizeReplay(
  tx: Executor,
  ctx: RequestContext,
  first: FirstRequest,
): Promise<string | null> {
  const same = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && [...a].sort().every((r, i) => r === [...b].sort()[i]);
  if (first.roles === null || first.org !== ctx.caller.org || !same(first.roles, ctx.caller.roles)) {
    return 'caller acts for another organisation or with other roles than the first request';
  }
  const common = {
    caller: ctx.caller,
    requestedPurpose: ctx.requestedPurpose,
    courtOrderReference: ctx.courtOrderReference ?? null,
  };
  if (first.caseId) {
    const facts = await loadCaseFacts(tx, first.caseId);
    const d = decide({ ...common, action: 'replay:case', case: facts ?? undefined });
    if (!d.allow) return `case no longer visible to the caller (${d.reason})`;
  }
  if (first.personId) {
    const facts = await loadPersonFacts(tx, first.personId);
    const d = decide({ ...common, action: 'replay:person', person: facts ?? undefined });
    if (!d.allow) return `child no longer visible to the caller (${d.reason})`;
  }
  return null;
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
  if (verb === 'write' || verb === 'update' || verb === 'correct') return 'update';
  if (verb === 'delete') return 'delete';
  return 'execute';
}
