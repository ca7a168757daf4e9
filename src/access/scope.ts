import { type SQL, and, eq, exists, inArray, isNull, or, sql } from 'drizzle-orm';
import { cases } from '../db/schema/cases.js';
import { legalAidAssignments } from '../db/schema/legal-aid.js';
import { socialWorkAssignments } from '../db/schema/social-work.js';
import { ACTIVE_SUPERVISION_STATUSES, supervisions } from '../db/schema/supervision.js';
import type { Caller } from './caller.js';
import type { Role } from './roles.js';

/**
 * The SQL twin of rule 2 of decide(): the cases a caller may see in lists and searches.
 * Sealed and expunged cases never appear. Kept beside decide() so that both change together;
 * tests assert that every case a list returns also passes decide().
 */
export function visibleCasesCondition(caller: Caller): SQL {
  const branches: SQL[] = [];
  const isCourt = caller.roles.includes('court_clerk') || caller.roles.includes('judge');
  if (isCourt && caller.org) branches.push(eq(cases.courtOrgId, caller.org));
  if (caller.roles.includes('partner_system') && caller.org && caller.scopes.includes('cases:read')) {
    branches.push(eq(cases.referringOrgId, caller.org));
  }
  if (caller.roles.includes('prosecutor') && caller.org)
    branches.push(eq(cases.prosecutionOrgId, caller.org));
  // Participants (decide(): PARTICIPANT_ROLE): each sees the cases of their own active relationships.
  if (caller.roles.includes('legal_aid_lawyer')) {
    branches.push(
      exists(
        sql`(select 1 from ${legalAidAssignments} where ${legalAidAssignments.caseId} = ${cases.id} and ${legalAidAssignments.lawyerSub} = ${caller.sub} and ${legalAidAssignments.status} = 'accepted')`,
      ),
    );
  }
  if (caller.roles.includes('probation_officer')) {
    branches.push(
      exists(
        sql`(select 1 from ${supervisions} where ${supervisions.caseId} = ${cases.id} and ${supervisions.officerSub} = ${caller.sub} and ${inArray(supervisions.status, ACTIVE_SUPERVISION_STATUSES)})`,
      ),
    );
  }
  if (caller.roles.includes('social_worker')) {
    branches.push(
      exists(
        sql`(select 1 from ${socialWorkAssignments} where ${socialWorkAssignments.caseId} = ${cases.id} and ${socialWorkAssignments.socialWorkerSub} = ${caller.sub} and ${socialWorkAssignments.status} = 'active')`,
      ),
    );
  }
  const visible = branches.length ? or(...branches)! : sql`false`;
  return and(visible, isNull(cases.sealedAt), isNull(cases.expungedAt))!;
}

/**
 * visibleCasesCondition for the caller acting only in some of their roles: a rule that only the
 * court can act on is shown to a caller through their court role, never through another one.
 * Null when the caller holds none of them (the query then leaves that rule out).
 */
export function visibleCasesConditionAs(caller: Caller, roles: readonly Role[]): SQL | null {
  const acting = caller.roles.filter((r) => roles.includes(r));
  return acting.length ? visibleCasesCondition({ ...caller, roles: acting }) : null;
}

/**
 * The cases an organisation answers for, for counts that name no case (alert summaries): the
 * court that owns them, the prosecution office they are referred to, and the legal aid, probation
 * and social services organisations with an active assignment on them. Sealed and expunged cases
 * never count. Null when the caller has no organisation or none of the roles.
 */
export function organisationCasesConditionAs(caller: Caller, roles: readonly Role[]): SQL | null {
  if (!caller.org) return null;
  const org = caller.org;
  const acting = caller.roles.filter((r) => roles.includes(r));
  const branches: SQL[] = [];
  if (acting.includes('court_clerk') || acting.includes('judge')) branches.push(eq(cases.courtOrgId, org));
  if (acting.includes('prosecutor')) branches.push(eq(cases.prosecutionOrgId, org));
  if (acting.includes('legal_aid_lawyer')) {
    branches.push(
      exists(
        sql`(select 1 from ${legalAidAssignments} where ${legalAidAssignments.caseId} = ${cases.id} and ${legalAidAssignments.legalAidOrgId} = ${org} and ${inArray(legalAidAssignments.status, ['assigned', 'accepted'])})`,
      ),
    );
  }
  if (acting.includes('probation_officer')) {
    branches.push(
      exists(
        sql`(select 1 from ${supervisions} where ${supervisions.caseId} = ${cases.id} and ${supervisions.officerOrgId} = ${org} and ${inArray(supervisions.status, ACTIVE_SUPERVISION_STATUSES)})`,
      ),
    );
  }
  if (acting.includes('social_worker')) {
    branches.push(
      exists(
        sql`(select 1 from ${socialWorkAssignments} where ${socialWorkAssignments.caseId} = ${cases.id} and ${socialWorkAssignments.orgId} = ${org} and ${socialWorkAssignments.status} = 'active')`,
      ),
    );
  }
  if (!branches.length) return null;
  return and(or(...branches)!, isNull(cases.sealedAt), isNull(cases.expungedAt))!;
}
