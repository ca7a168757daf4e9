import { type SQL, and, eq, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import { cases } from '../db/schema/cases.js';
import { events } from '../db/schema/events.js';
import { legalAidAssignments } from '../db/schema/legal-aid.js';
import { ALERT_RULES, RULE_DECLARATIONS } from '../modules/alerts/rules.js';
import { EVENT_RESOURCES, type EventResource } from '../modules/events/types.js';
import type { Caller } from './caller.js';
import { type Action, type Role, roleMayAct } from './roles.js';
import { visibleCasesCondition } from './scope.js';

const COURT_ROLES: readonly Role[] = ['court_clerk', 'judge'];

/** Rule 1 of decide() alone: the caller's roles that may take the action (partners also need its scope). */
export function rolesFor(caller: Caller, action: Action): Role[] {
  return caller.roles.filter((r) => roleMayAct(caller, action, r));
}

/**
 * `alert.*` events, per rule, exactly as GET /v1/alerts shows the alerts themselves: a caller sees a
 * rule's event only through a role that may list alerts and can act on that rule (its `actors`), and
 * only while related to the case in that role; the lawyer a waiting assignment is addressed to also
 * sees its `legal_aid_not_accepted` events. The rule is the first part of the event's resource id
 * (`rule:caseId:subjectId`). Sealed and expunged cases' alert events are shown to nobody.
 */
function alertEventBranches(caller: Caller): SQL[] {
  const listing = rolesFor(caller, 'alert:list');
  const out: SQL[] = [];
  for (const rule of ALERT_RULES) {
    const roles = listing.filter((r) => RULE_DECLARATIONS[rule].actors.includes(r));
    const ofRule = and(
      eq(events.resourceType, 'alert'),
      sql`split_part(${events.resourceId}, ':', 1) = ${rule}`,
    )!;
    const related: SQL[] = roles.length ? [visibleCasesCondition({ ...caller, roles })] : [];
    if (rule === 'legal_aid_not_accepted' && listing.includes('legal_aid_lawyer')) {
      related.push(
        and(
          isNull(cases.sealedAt),
          isNull(cases.expungedAt),
          sql`exists (select 1 from ${legalAidAssignments} where ${legalAidAssignments.id}::text = split_part(${events.resourceId}, ':', 3) and ${legalAidAssignments.lawyerSub} = ${caller.sub})`,
        )!,
      );
    }
    if (related.length) out.push(and(ofRule, or(...related))!);
  }
  return out;
}

/**
 * The events a caller may see now, as one SQL condition over `events` joined to `cases`, so that
 * a page is filtered in the query (a short page means "caught up", never "filtered away").
 * An event is visible when some role of the caller may read its kind of resource (rule 1) and, in
 * that role, is related to its case now (rule 2, the same condition as case lists). A sealed case's
 * events vanish for everyone but its sealing court naming the order (Court-Order-Reference, rule 6);
 * an expunged case's vanish for everyone. An event addressed to an organisation (`audience_org`)
 * is also shown to that organisation's callers while the case is neither sealed nor expunged.
 */
export function visibleEventsCondition(caller: Caller, courtOrderReference: string | null): SQL {
  const byAction = new Map<Action, EventResource[]>();
  for (const [resource, action] of Object.entries(EVENT_RESOURCES) as [EventResource, Action][]) {
    byAction.set(action, [...(byAction.get(action) ?? []), resource]);
  }
  const branches: SQL[] = [];
  for (const [action, resources] of byAction) {
    if (action === 'alert:list') {
      branches.push(...alertEventBranches(caller));
      continue;
    }
    const roles = rolesFor(caller, action);
    if (roles.length === 0) continue;
    const asRoles: Caller = { ...caller, roles };
    const related = [visibleCasesCondition(asRoles)];
    const sealingCourt = roles.some((r) => COURT_ROLES.includes(r));
    if (sealingCourt && caller.org && courtOrderReference) {
      related.push(
        and(
          isNotNull(cases.sealedAt),
          isNull(cases.expungedAt),
          eq(cases.courtOrgId, caller.org),
          eq(cases.sealedOrderRef, courtOrderReference),
        )!,
      );
    }
    branches.push(and(inArray(events.resourceType, resources), or(...related))!);
  }
  if (caller.org) {
    branches.push(and(eq(events.audienceOrg, caller.org), isNull(cases.sealedAt), isNull(cases.expungedAt))!);
  }
  return branches.length ? or(...branches)! : sql`false`;
}
