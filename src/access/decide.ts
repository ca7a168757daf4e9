import type { Caller } from './caller.js';
import { ACTIONS, type Action, type Purpose, ROLE_PURPOSES, type Role } from './roles.js';

/** What the decision needs to know about a case; loaded by src/access/facts.ts. */
export interface CaseFacts {
  id: string;
  personId: string;
  courtOrgId: string;
  referringOrgId: string | null;
  sealed: boolean;
  /** Active professional relationships only (accepted assignment, active supervision...). */
  participants: Participant[];
}

export interface Participant {
  kind: 'legal_aid' | 'supervision' | 'social_work';
  sub: string;
  /** The assignment or supervision that makes the person related. */
  refId: string;
}

/** What the decision needs to know about a child's record (person-scoped actions). */
export interface PersonFacts {
  id: string;
  /** The organisation that registered the child; it keeps sight of the record before any case exists. */
  createdByOrg: string | null;
  expunged: boolean;
  cases: CaseFacts[];
}

export interface DecisionInput {
  caller: Caller;
  action: Action;
  /** The Purpose-Of-Use header, if the caller named one. */
  requestedPurpose?: string | null;
  /** Present for case-scoped actions. */
  case?: CaseFacts;
  /** Present for person-scoped actions. */
  person?: PersonFacts;
}

export type Basis =
  | { type: 'role' }
  | { type: 'owning_court'; id: string }
  | { type: 'referrer'; id: string }
  | { type: 'registering_org'; id: string }
  | { type: Participant['kind']; id: string };

export type Decision =
  | { allow: true; purpose: Purpose; role: Role; basis: Basis }
  | { allow: false; status: 403 | 404; reason: string; purpose: Purpose | null };

const COURT_ROLES: readonly Role[] = ['court_clerk', 'judge'];
const PARTICIPANT_ROLE: Record<Participant['kind'], Role> = {
  legal_aid: 'legal_aid_lawyer',
  supervision: 'probation_officer',
  social_work: 'social_worker',
};

/**
 * The access decision (SPEC 4), pure: same input, same answer, no I/O. Default deny.
 * Rules are applied in the order of the SPEC and the first that fails decides.
 */
export function decide(input: DecisionInput): Decision {
  const { caller, action } = input;
  const rule = ACTIONS[action];

  // 1. Role: some role of the caller may take this action at all (partner systems also need the scope).
  const roles = caller.roles.filter(
    (r) =>
      (rule.roles as readonly Role[]).includes(r) &&
      (r !== 'partner_system' || rule.scope === null || caller.scopes.includes(rule.scope)),
  );
  if (roles.length === 0) return deny(403, `role may not ${action}`, null);

  // Purpose of use: the role's default, or another one the role is allowed to name.
  const purposeFor = (role: Role): Purpose | null => {
    const p = ROLE_PURPOSES[role];
    if (!input.requestedPurpose) return p.default;
    return (p.allowed as string[]).includes(input.requestedPurpose)
      ? (input.requestedPurpose as Purpose)
      : null;
  };
  const purposeRoles = roles.filter((r) => purposeFor(r) !== null);
  if (purposeRoles.length === 0)
    return deny(403, `purpose ${input.requestedPurpose} not allowed for the role`, null);

  const oversight =
    'oversightRoles' in rule
      ? purposeRoles.find((r) => (rule.oversightRoles as readonly Role[]).includes(r))
      : undefined;
  if (oversight)
    return { allow: true, role: oversight, purpose: purposeFor(oversight)!, basis: { type: 'role' } };
  if ('personScoped' in rule && rule.personScoped) return decidePerson(input, purposeRoles, purposeFor);
  if (!rule.caseScoped) {
    const role = purposeRoles[0];
    return { allow: true, role, purpose: purposeFor(role)!, basis: { type: 'role' } };
  }
  return decideCase(input.caller, input.case, purposeRoles, purposeFor);
}

/** Rule 2 (relationship) and rule 6 (sealing) for one case. */
function decideCase(
  caller: Caller,
  c: CaseFacts | undefined,
  purposeRoles: Role[],
  purposeFor: (role: Role) => Purpose | null,
): Decision {
  // 2. Relationship: case data only for those related to the case; anyone else gets 404.
  if (!c) return deny(404, 'case not found', purposeFor(purposeRoles[0]));
  // 6. Sealing: a sealed case is invisible (sealing-court access with an order is decided by its own action).
  if (c.sealed) return deny(404, 'case sealed', purposeFor(purposeRoles[0]));

  for (const role of purposeRoles) {
    const purpose = purposeFor(role)!;
    if (COURT_ROLES.includes(role) && caller.org === c.courtOrgId) {
      return { allow: true, role, purpose, basis: { type: 'owning_court', id: c.courtOrgId } };
    }
    if (role === 'partner_system' && c.referringOrgId && caller.org === c.referringOrgId) {
      return { allow: true, role, purpose, basis: { type: 'referrer', id: c.referringOrgId } };
    }
    const participant = c.participants.find((p) => p.sub === caller.sub && PARTICIPANT_ROLE[p.kind] === role);
    if (participant)
      return { allow: true, role, purpose, basis: { type: participant.kind, id: participant.refId } };
  }
  return deny(404, 'not related to the case', purposeFor(purposeRoles[0]));
}

/**
 * A child's record is visible to whoever may see one of the child's cases, and to the
 * organisation that registered the child (so a clerk can open the first case).
 */
function decidePerson(
  input: DecisionInput,
  purposeRoles: Role[],
  purposeFor: (role: Role) => Purpose | null,
): Decision {
  const p = input.person;
  if (!p || p.expunged) return deny(404, 'person not found', purposeFor(purposeRoles[0]));
  for (const c of p.cases) {
    const d = decideCase(input.caller, c, purposeRoles, purposeFor);
    if (d.allow) return d;
  }
  const registrar = purposeRoles.find((r) => r === 'court_clerk' || r === 'partner_system');
  if (registrar && p.createdByOrg && input.caller.org === p.createdByOrg) {
    return {
      allow: true,
      role: registrar,
      purpose: purposeFor(registrar)!,
      basis: { type: 'registering_org', id: p.createdByOrg },
    };
  }
  return deny(404, 'not related to the person', purposeFor(purposeRoles[0]));
}

function deny(status: 403 | 404, reason: string, purpose: Purpose | null): Decision {
  return { allow: false, status, reason, purpose };
}
