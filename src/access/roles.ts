import type { PartnerKind } from '../db/schema/partner-clients.js';
import type { Caller } from './caller.js';

/**
 * Roles, actions and purposes of use, declared once as data. The decision function (decide.ts)
 * reads these tables; nothing else grants anything.
 */
export const ROLES = [
  'court_clerk',
  'judge',
  'prosecutor',
  'legal_aid_lawyer',
  'probation_officer',
  'social_worker',
  'auditor',
  'analyst',
  'admin',
  'partner_system',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * The scopes a partner client may be allowed (SPEC 3). Actions name the scope a partner system
 * needs in ACTIONS below; a token asking for a scope its client is not allowed is refused.
 */
export const PARTNER_SCOPES = [
  'cases:read',
  'cases:write',
  'arrests:write',
  'custody:write',
  'hearings:write',
  'dispositions:write',
  'supervision:write',
  'referrals:write',
  'events:read',
  'imports:write',
] as const;
export type PartnerScope = (typeof PARTNER_SCOPES)[number];
export const isRole = (r: unknown): r is Role =>
  typeof r === 'string' && (ROLES as readonly string[]).includes(r);

export const PURPOSES = [
  'court_proceeding',
  'legal_defence',
  'supervision',
  'social_services',
  'prosecution',
  'audit',
  'statistics',
  'administration',
  'emergency',
  'integration',
] as const;
export type Purpose = (typeof PURPOSES)[number];

/** Each role's default purpose, and the others it may name with the Purpose-Of-Use header. */
export const ROLE_PURPOSES: Record<Role, { default: Purpose; allowed: Purpose[] }> = {
  court_clerk: { default: 'court_proceeding', allowed: ['court_proceeding'] },
  judge: { default: 'court_proceeding', allowed: ['court_proceeding'] },
  prosecutor: { default: 'prosecution', allowed: ['prosecution'] },
  legal_aid_lawyer: { default: 'legal_defence', allowed: ['legal_defence'] },
  probation_officer: { default: 'supervision', allowed: ['supervision', 'court_proceeding'] },
  social_worker: { default: 'social_services', allowed: ['social_services', 'court_proceeding'] },
  auditor: { default: 'audit', allowed: ['audit'] },
  analyst: { default: 'statistics', allowed: ['statistics'] },
  admin: { default: 'administration', allowed: ['administration'] },
  partner_system: { default: 'integration', allowed: ['integration'] },
};

/**
 * Professionals who may read the case path of a case they are related to (decided per case).
 * Partner systems read only the case they submitted, not the path that follows.
 */
const CASE_READERS = [
  'court_clerk',
  'judge',
  'prosecutor',
  'legal_aid_lawyer',
  'probation_officer',
  'social_worker',
] as const satisfies readonly Role[];

/** The case itself (not its path) is also read by the partner system that referred it. */
const CASE_READERS_AND_REFERRERS = [...CASE_READERS, 'partner_system'] as const satisfies readonly Role[];

/**
 * Every action the API knows. Case-scoped actions also need a relationship to the case
 * (SPEC 4.2); the rest are decided on role (and scope, for partner systems) alone.
 */
export const ACTIONS = {
  'organization:create': { roles: ['admin'], scope: null, caseScoped: false },
  'organization:read': {
    roles: ['admin', 'court_clerk', 'judge', 'auditor'],
    scope: null,
    caseScoped: false,
  },
  'staff:write': { roles: ['admin'], scope: null, caseScoped: false },
  'staff:read': { roles: ['admin', 'court_clerk'], scope: null, caseScoped: false },
  /** A police system recording an arrest registers the child first (`arrests:write` is enough). */
  'person:create': {
    roles: ['court_clerk', 'partner_system'],
    scope: ['cases:write', 'arrests:write'],
    caseScoped: false,
  },
  'person:read': {
    roles: CASE_READERS_AND_REFERRERS,
    scope: 'cases:read',
    caseScoped: false,
    personScoped: true,
  },
  /** Corrections of a child's details (SPEC 6): the court that registered the child or owns a case of theirs. */
  'person:correct': { roles: ['court_clerk'], scope: null, caseScoped: false, personScoped: true },
  'person:match': {
    roles: ['court_clerk', 'partner_system'],
    scope: ['cases:write', 'arrests:write'],
    caseScoped: false,
  },
  /**
   * Merging two records of the same child (capability 12): a court clerk, decided on each record
   * alone (the clerk's court sees both), never a partner system.
   */
  'person:merge': { roles: ['court_clerk'], scope: null, caseScoped: false, personScoped: true },
  'case:create': { roles: ['court_clerk', 'partner_system'], scope: 'cases:write', caseScoped: false },
  /**
   * Intake of an arrest (intakeKind `arrest`): a police system with `arrests:write` alone may open
   * it, besides anyone who may take case:create (intakeActions below).
   */
  'arrest:create': {
    roles: ['partner_system'],
    scope: 'arrests:write',
    caseScoped: false,
    partnerKinds: ['police'],
  },
  'case:list': {
    roles: CASE_READERS_AND_REFERRERS,
    scope: 'cases:read',
    caseScoped: false,
  },
  'case:read': {
    roles: CASE_READERS_AND_REFERRERS,
    scope: 'cases:read',
    caseScoped: true,
  },
  /** Corrections of intake data and charges, kept with the previous values in the history. */
  'case:correct': { roles: ['court_clerk'], scope: null, caseScoped: true },
  // The case path (issue 3). Moves of the case's stage are also bounded by src/modules/cases/stages.ts.
  'case:close': { roles: ['court_clerk'], scope: null, caseScoped: true },
  'timeline:read': { roles: CASE_READERS, scope: null, caseScoped: true },
  /** Police systems (custody:write) record custody of the cases their organisation referred. */
  'custody:write': {
    roles: ['court_clerk', 'partner_system'],
    scope: 'custody:write',
    caseScoped: true,
    partnerKinds: ['police'],
  },
  'custody:read': { roles: CASE_READERS, scope: null, caseScoped: true },
  'diversion:write': { roles: ['court_clerk', 'prosecutor'], scope: null, caseScoped: true },
  /** Waiving a diversion condition is the prosecutor's decision, with a reason. */
  'diversion:waive': { roles: ['prosecutor'], scope: null, caseScoped: true },
  'diversion:read': { roles: CASE_READERS, scope: null, caseScoped: true },
  'legal_aid:assign': { roles: ['court_clerk'], scope: null, caseScoped: true },
  /** Recording that the child needs a lawyer (asked by the clerk, or by the child through the court). */
  'legal_aid:request': { roles: ['court_clerk'], scope: null, caseScoped: true },
  /** Withdrawal and completion: the court, or the accepted lawyer. */
  'legal_aid:end': { roles: ['court_clerk', 'legal_aid_lawyer'], scope: null, caseScoped: true },
  'legal_aid:read': { roles: ['court_clerk', 'judge', 'legal_aid_lawyer'], scope: null, caseScoped: true },
  /**
   * Accepting or declining an assignment addressed to the caller: the lawyer is not related to the
   * case yet, so the role decides here and the service answers 404 for assignments addressed to others.
   */
  'legal_aid:respond': { roles: ['legal_aid_lawyer'], scope: null, caseScoped: false },
  'legal_aid:worklist': { roles: ['legal_aid_lawyer'], scope: null, caseScoped: false },
  /** Court systems (hearings:write) record the hearings of their own court's cases. */
  'hearing:write': {
    roles: ['court_clerk', 'partner_system'],
    scope: 'hearings:write',
    caseScoped: true,
    partnerKinds: ['court'],
  },
  'hearing:read': { roles: CASE_READERS, scope: null, caseScoped: true },
  'disposition:write': {
    roles: ['court_clerk', 'partner_system'],
    scope: 'dispositions:write',
    caseScoped: true,
    partnerKinds: ['court'],
  },
  'disposition:read': { roles: CASE_READERS, scope: null, caseScoped: true },
  'supervision:assign': { roles: ['court_clerk'], scope: null, caseScoped: true },
  /** Contacts, violations, notes: the officer, or the probation system of the officer's organisation. */
  'supervision:write': {
    roles: ['probation_officer', 'partner_system'],
    scope: 'supervision:write',
    caseScoped: true,
    partnerKinds: ['probation'],
  },
  /** The court's answer to an officer's revocation request. */
  'supervision:decide': { roles: ['court_clerk'], scope: null, caseScoped: true },
  'supervision:read': {
    roles: ['court_clerk', 'judge', 'probation_officer', 'legal_aid_lawyer'],
    scope: null,
    caseScoped: true,
  },
  'supervision:caseload': { roles: ['probation_officer'], scope: null, caseScoped: false },
  // Transfers and referrals (issue 14, capability 11). `incoming` names the handovers whose
  // receiving organisation is related for the action; `incomingOnly`: only the receiving side may.
  'transfer:send': { roles: ['court_clerk'], scope: null, caseScoped: true },
  'transfer:read': {
    roles: ['court_clerk', 'judge', 'probation_officer'],
    scope: null,
    caseScoped: true,
    incoming: ['case_transfer', 'supervision_transfer'],
  },
  'transfer:respond': {
    roles: ['court_clerk', 'probation_officer'],
    scope: null,
    caseScoped: true,
    incoming: ['case_transfer', 'supervision_transfer'],
    incomingOnly: true,
  },
  'transfer:worklist': { roles: ['court_clerk', 'probation_officer'], scope: null, caseScoped: false },
  'referral:send': { roles: ['court_clerk', 'social_worker'], scope: null, caseScoped: true },
  /** A referral's content (service, outcome) is disclosed per its category, as records are. */
  'referral:read': {
    roles: ['court_clerk', 'judge', 'social_worker', 'partner_system'],
    scope: 'referrals:write',
    partnerKinds: ['social_services'],
    caseScoped: true,
    sensitive: true,
    incoming: ['referral'],
  },
  /** The receiving organisation's social worker, or its social services system (referrals:write). */
  'referral:respond': {
    roles: ['social_worker', 'partner_system'],
    scope: 'referrals:write',
    partnerKinds: ['social_services'],
    caseScoped: true,
    incoming: ['referral'],
    incomingOnly: true,
  },
  'referral:worklist': {
    roles: ['social_worker', 'partner_system'],
    scope: 'referrals:write',
    partnerKinds: ['social_services'],
    caseScoped: false,
  },
  'social_work:assign': { roles: ['court_clerk'], scope: null, caseScoped: true },
  'social_services:write': { roles: ['social_worker'], scope: null, caseScoped: true },
  /** Lists of assessments and referrals give metadata only; content is read through the records module. */
  'social_services:list': { roles: ['court_clerk', 'judge', 'social_worker'], scope: null, caseScoped: true },
  'audit:read': { roles: ['auditor'], scope: null, caseScoped: false },
  'audit:verify': { roles: ['auditor'], scope: null, caseScoped: false },
  /** A child's disclosure ledger: auditors for any child, the child's assigned lawyer for theirs. */
  'disclosure:read': {
    roles: ['auditor', 'legal_aid_lawyer'],
    scope: null,
    caseScoped: false,
    personScoped: true,
    oversightRoles: ['auditor'],
  },
  // Sensitive records, consents, court orders, break-glass, sealing (issue 4). `sensitive` actions
  // also need, per category, a consent, a court order or break-glass (rules 3 and 5 of decide.ts).
  'record:create': {
    roles: ['court_clerk', 'probation_officer', 'social_worker'],
    scope: null,
    caseScoped: true,
  },
  'record:read': {
    roles: ['court_clerk', 'judge', 'prosecutor', 'legal_aid_lawyer', 'probation_officer', 'social_worker'],
    scope: null,
    caseScoped: true,
    sensitive: true,
  },
  /** Consents are recorded by the court or the child's social worker, with the signed form as evidence. */
  'consent:create': {
    roles: ['court_clerk', 'social_worker'],
    scope: null,
    caseScoped: false,
    personScoped: true,
  },
  'consent:revoke': {
    roles: ['court_clerk', 'social_worker'],
    scope: null,
    caseScoped: false,
    personScoped: true,
  },
  'consent:read': {
    roles: ['court_clerk', 'judge', 'legal_aid_lawyer', 'probation_officer', 'social_worker', 'auditor'],
    scope: null,
    caseScoped: false,
    personScoped: true,
    oversightRoles: ['auditor'],
  },
  /**
   * Issue 8: a consent recorded by its own grantee opens nothing until a second person confirms it:
   * a clerk or judge of a court owning a case of the child, or the child's accepted lawyer
   * (never the recorder: decide.ts, consentConfirmation).
   */
  'consent:confirm': {
    roles: ['court_clerk', 'judge', 'legal_aid_lawyer'],
    scope: null,
    caseScoped: false,
    personScoped: true,
    personBases: ['owning_court', 'legal_aid'],
  },
  'court_order:create': { roles: ['court_clerk'], scope: null, caseScoped: true },
  /** Revoking an order: a clerk of the court that issued it (the service checks the court). */
  'court_order:revoke': { roles: ['court_clerk'], scope: null, caseScoped: true },
  'court_order:read': {
    roles: ['court_clerk', 'judge', 'legal_aid_lawyer', 'probation_officer', 'social_worker'],
    scope: null,
    caseScoped: true,
  },
  /** Opened by a user related to the case; reviewed by auditors. */
  'break_glass:open': {
    roles: ['court_clerk', 'judge', 'legal_aid_lawyer', 'probation_officer', 'social_worker'],
    scope: null,
    caseScoped: true,
  },
  'break_glass:list': { roles: ['auditor'], scope: null, caseScoped: false },
  /**
   * A verdict on a grant: auditors for any case (oversight), judges of the court that owns it.
   */
  'break_glass:review': {
    roles: ['judge', 'auditor'],
    scope: null,
    caseScoped: true,
    oversightRoles: ['auditor'],
  },
  /**
   * Serving a stored Idempotency-Key response again (issue 8): only while the caller is still
   * related to the case, or the child, the first response named. Any role: the first request was
   * already allowed; this asks only whether what it returned is still the caller's to see.
   */
  'replay:case': { roles: ROLES, scope: null, caseScoped: true },
  'replay:person': { roles: ROLES, scope: null, caseScoped: false, personScoped: true },
  /** Issue 8.5: accepting a case opened on a child another court held an open case for (decideIntakeAcceptance). */
  'case:accept_intake': { roles: ['court_clerk', 'judge'], scope: null, caseScoped: false },
  'case:seal': { roles: ['court_clerk'], scope: null, caseScoped: true },
  'case:expunge': { roles: ['court_clerk'], scope: null, caseScoped: true },
  /**
   * The court's own closed cases that the configured rules make eligible for sealing (issue 13):
   * its clerks and judges read the list to decide; sealing itself stays `case:seal`, one case at a time.
   */
  'sealing:eligible': { roles: ['court_clerk', 'judge'], scope: null, caseScoped: false },
  // Detention places (issue 11): the registry holds no personal data and is read by every
  // professional role and the analysts; visits are part of a child's custody (custody:write/read).
  'facility:create': { roles: ['admin'], scope: null, caseScoped: false },
  'facility:read': {
    roles: [...CASE_READERS, 'admin', 'auditor', 'analyst'],
    scope: null,
    caseScoped: false,
  },
  /** A facility-wide incident: the administration; one that happened to a child: also the court, on its case. */
  'facility:record_incident': { roles: ['admin', 'court_clerk'], scope: null, caseScoped: false },
  'facility:read_incidents': { roles: ['admin', 'auditor'], scope: null, caseScoped: false },
  /** Inspections are recorded by the administration or the oversight body (auditors). */
  'facility:record_inspection': { roles: ['admin', 'auditor'], scope: null, caseScoped: false },
  // Indicators (issue 11): figures of no child, for the analysts and auditors only; every query audited.
  'statistics:read': { roles: ['analyst', 'auditor'], scope: null, caseScoped: false },
  'statistics:population': { roles: ['analyst'], scope: null, caseScoped: false },
  // Deadline alerts (issue 11). Which alerts a caller sees is decided per rule and per case by the
  // same relationship facts as case reads (src/access/scope.ts), in the query itself.
  'alert:list': { roles: CASE_READERS, scope: null, caseScoped: false },
  'alert:acknowledge': { roles: CASE_READERS, scope: null, caseScoped: false },
  /** Counts per rule for the caller's own court or office: no case id, no child. */
  'alert:summary': { roles: CASE_READERS, scope: null, caseScoped: false },
  // Integration (issue 10). Each event is further filtered by the read action of its resource
  // and the caller's relationship to its case (src/access/event-scope.ts).
  'event:list': { roles: CASE_READERS_AND_REFERRERS, scope: 'events:read', caseScoped: false },
  /** A partner's own webhook subscriptions; what they deliver is filtered like the feed. */
  'webhook:manage': { roles: ['partner_system'], scope: 'events:read', caseScoped: false },
  /**
   * Bulk import of children and cases (issue 10.4): a court's clerks into their own court, and
   * police, prosecution and court systems holding `imports:write`. Not administrators: they manage
   * registries, not children's records. An import is read back by whoever may import for the same
   * owner (decide.ts, importOwner).
   */
  'import:create': {
    roles: ['court_clerk', 'partner_system'],
    scope: 'imports:write',
    partnerKinds: ['police', 'prosecution', 'court'],
    caseScoped: false,
  },
  'import:read': {
    roles: ['court_clerk', 'partner_system'],
    scope: 'imports:write',
    partnerKinds: ['police', 'prosecution', 'court'],
    caseScoped: false,
  },
  /** The registry of partner clients (SPEC 3: admins manage partner clients). */
  'partner_client:write': { roles: ['admin'], scope: null, caseScoped: false },
  'partner_client:read': { roles: ['admin'], scope: null, caseScoped: false },
} as const satisfies Record<
  string,
  {
    roles: readonly Role[];
    /** The scope a partner system needs (one of them, for a list); null: none. */
    scope: PartnerScope | readonly PartnerScope[] | null;
    /**
     * Partner systems of these kinds only, related to the case through their kind's relationship
     * (decide.ts, partnerRelation); without it, a partner is related as the case's referrer.
     */
    partnerKinds?: readonly PartnerKind[];
    caseScoped: boolean;
    /** Reads sensitive content: each category needs consent, a court order or break-glass. */
    sensitive?: boolean;
    /** Needs a relationship to the child through one of the child's cases. */
    personScoped?: boolean;
    /** Roles that oversee every child for this action and need no relationship. */
    oversightRoles?: readonly Role[];
    /** Person-scoped actions open only through these relationships (decide.ts Basis types). */
    personBases?: readonly string[];
    /** Handovers whose receiving organisation is related to the case for this action. */
    incoming?: readonly ('case_transfer' | 'supervision_transfer' | 'referral')[];
    /** Only the receiving organisation of such a handover may take the action. */
    incomingOnly?: boolean;
  }
>;

export type Action = keyof typeof ACTIONS;

/**
 * Rule 1 for one role of the caller: the role may take the action, and a partner system also holds
 * one of the action's scopes and is of one of its kinds.
 */
export function roleMayAct(
  caller: Pick<Caller, 'scopes' | 'partnerKind'>,
  action: Action,
  role: Role,
): boolean {
  const rule: {
    roles: readonly Role[];
    scope: PartnerScope | readonly PartnerScope[] | null;
    partnerKinds?: readonly PartnerKind[];
  } = ACTIONS[action];
  if (!rule.roles.includes(role)) return false;
  if (role !== 'partner_system') return true;
  if (rule.partnerKinds && !rule.partnerKinds.includes(caller.partnerKind as PartnerKind)) return false;
  if (rule.scope === null) return true;
  const scopes: readonly string[] = typeof rule.scope === 'string' ? [rule.scope] : rule.scope;
  return scopes.some((s) => caller.scopes.includes(s));
}

/** The actions that allow an intake of this kind: an arrest also through arrest:create (police). */
export function intakeActions(intakeKind: string): Action[] {
  return intakeKind === 'arrest' ? ['case:create', 'arrest:create'] : ['case:create'];
}
