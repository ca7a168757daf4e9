import type { SensitiveCategory } from '../db/schema/records.js';
import type { Caller } from './caller.js';
import { ACTIONS, type Action, type Purpose, ROLE_PURPOSES, type Role, roleMayAct } from './roles.js';

/** What the decision needs to know about a case; loaded by src/access/facts.ts. */
export interface CaseFacts {
  id: string;
  personId: string;
  courtOrgId: string;
  referringOrgId: string | null;
  /** The prosecution office the case is referred to. */
  prosecutionOrgId: string | null;
  sealed: boolean;
  /** The order the case was sealed under; the sealing court names it to open the case (rule 6). */
  sealedOrderRef: string | null;
  /** Expunged: a tombstone, invisible to everyone. */
  expunged: boolean;
  /** Active professional relationships only (accepted assignment, active supervision...). */
  participants: Participant[];
  /** Closed: its court keeps the child's identity but no longer the guardians' contact. */
  closed?: boolean;
  /**
   * Opened on a child another court held an open case for, and not yet accepted by the intake
   * rules (issue 8.5): its court sees only the child's identity through it.
   */
  intakePending?: boolean;
  /** Handovers to another organisation that relate it while they are open (capability 11). */
  incoming?: Incoming[];
}

/** A transfer or referral sent to another organisation, while it relates that organisation. */
export interface Incoming {
  kind: 'case_transfer' | 'supervision_transfer' | 'referral';
  orgId: string;
  /** The handover that relates the organisation. */
  refId: string;
}

export interface Participant {
  kind: 'legal_aid' | 'supervision' | 'social_work';
  sub: string;
  /** The assignment or supervision that makes the person related. */
  refId: string;
  /** The organisation of the assignment or supervision (its partner system is related through it). */
  orgId?: string | null;
}

/** What the decision needs to know about a child's record (person-scoped actions). */
export interface PersonFacts {
  id: string;
  /** The organisation that registered the child; it keeps sight of the record before any case exists. */
  createdByOrg: string | null;
  expunged: boolean;
  /** Merged into another record of the same child (capability 12): a redirect, nothing to act on. */
  merged?: boolean;
  cases: CaseFacts[];
}

/** Whom a consent or a court order opens sensitive content to. */
export interface Grantee {
  type: 'role' | 'organization' | 'person';
  value: string;
}

export interface ConsentFacts {
  id: string;
  personId: string;
  categories: string[];
  purposes: string[];
  grantee: Grantee;
  validFrom: Date;
  validUntil: Date | null;
  revokedAt: Date | null;
  /** False while a consent recorded by its own grantee waits for a second person's confirmation. */
  confirmed?: boolean;
}

export interface CourtOrderFacts {
  id: string;
  caseId: string;
  categories: string[];
  purposes: string[];
  grantees: Grantee[];
  validFrom: Date;
  validUntil: Date | null;
  /** Revoked by its court: it opens nothing from then on. */
  revokedAt: Date | null;
}

export interface BreakGlassFacts {
  id: string;
  caseId: string;
  sub: string;
  openedAt: Date;
  expiresAt: Date;
}

/** What rules 3 and 5 need: the categories asked for, what could open them, and the time. */
export interface SensitiveFacts {
  now: Date;
  categories: SensitiveCategory[];
  consents: ConsentFacts[];
  courtOrders: CourtOrderFacts[];
  breakGlass: BreakGlassFacts[];
}

export interface DecisionInput {
  caller: Caller;
  action: Action;
  /** The Purpose-Of-Use header, if the caller named one. */
  requestedPurpose?: string | null;
  /** The Court-Order-Reference header: how the sealing court opens a case it sealed (rule 6). */
  courtOrderReference?: string | null;
  /** Present for case-scoped actions. */
  case?: CaseFacts;
  /** Present for person-scoped actions. */
  person?: PersonFacts;
  /** Present for actions on sensitive content (rules 3 and 5). */
  sensitive?: SensitiveFacts;
}

export type Basis =
  | { type: 'role' }
  | { type: 'owning_court'; id: string }
  | { type: 'referrer'; id: string }
  | { type: 'prosecution_office'; id: string }
  | { type: 'registering_org'; id: string }
  | { type: 'sealing_order'; id: string }
  | { type: 'receiving_org'; id: string }
  | { type: Participant['kind']; id: string };

/** What opened one sensitive category. */
export type SensitiveBasis = { type: 'consent' | 'court_order' | 'break_glass'; id: string };

/** Rule 3's answer for each category asked for: disclosed (with what opened it) or withheld. */
export interface Disclosure {
  disclosed: SensitiveCategory[];
  withheld: SensitiveCategory[];
  bases: { category: SensitiveCategory; basis: SensitiveBasis }[];
  /** Some category was opened by break-glass only: the read must be flagged. */
  breakGlass: boolean;
}

/**
 * How much of a child's record a relationship opens, widest first; properties.ts narrows it
 * further per role. record: identity, region and guardians with their contact; file: the same
 * without the guardians' contact; identity: name, date of birth, sex; reference: the id alone.
 */
export const PERSON_VIEWS = ['record', 'file', 'identity', 'reference'] as const;
export type PersonView = (typeof PERSON_VIEWS)[number];

export type Decision =
  | {
      allow: true;
      purpose: Purpose;
      role: Role;
      basis: Basis;
      disclosure?: Disclosure;
      /** Person-scoped actions: how much of the child's record the relationship opens. */
      personView?: PersonView;
    }
  | { allow: false; status: 403 | 404; reason: string; purpose: Purpose | null };

const COURT_ROLES: readonly Role[] = ['court_clerk', 'judge'];
/**
 * What the sealing court naming the order may still do to a sealed case besides reading it:
 * seal (409: already), expunge, and correct its data (kept with the previous values in a history).
 */
const SEALED_CASE_COMMANDS: readonly Action[] = [
  'case:seal',
  'case:expunge',
  'case:correct',
  'person:correct',
];
/** Actions that only read (their verb): everything else changes something. */
const readsOnly = (action: Action) => ['read', 'list'].includes(action.split(':')[1]);
/** The roles of a receiving organisation that act on each kind of handover. */
const RECEIVING_ROLES: Record<Incoming['kind'], readonly Role[]> = {
  case_transfer: ['court_clerk', 'judge'],
  supervision_transfer: ['probation_officer'],
  referral: ['social_worker', 'partner_system'],
};
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
  const { action } = input;
  const rule = ACTIONS[action];
  const first = decideRole(input);
  if (!first.allow) return first;
  const { purposeRoles, purposeFor } = first;

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
  const related = decideCase(
    action,
    input.caller,
    input.case,
    purposeRoles,
    purposeFor,
    input.courtOrderReference,
    'incoming' in rule
      ? { kinds: rule.incoming, only: 'incomingOnly' in rule && rule.incomingOnly }
      : undefined,
    'partnerKinds' in rule,
  );
  if (!related.allow || !('sensitive' in rule && rule.sensitive)) return related;

  // 3. Sensitive categories: on top of the relationship, each category needs its own basis.
  // Default deny: a service that asks for sensitive content without the facts gets nothing.
  if (!input.sensitive || !input.case)
    return deny(403, 'sensitive content asked for without its consent facts', related.purpose);
  return { ...related, disclosure: decideCategories(input.caller, related, input.case, input.sensitive) };
}

/**
 * Rule 1 alone (role, partner scope, purpose of use): what can be decided before anything is
 * loaded. Services addressed by the id of a resource ask this first, so that a role that may not
 * act answers 403 whether or not the id exists, and the existence of the id never shows.
 */
export function decideRole(
  input: Pick<DecisionInput, 'caller' | 'action' | 'requestedPurpose'>,
):
  | { allow: true; purposeRoles: Role[]; purposeFor: (role: Role) => Purpose | null }
  | Extract<Decision, { allow: false }> {
  const { caller, action } = input;
  // 1. Role: some role of the caller may take this action at all (partner systems also need the scope).
  // Partner systems also need one of the action's scopes, and to be of one of its partner kinds.
  const roles = caller.roles.filter((r) => roleMayAct(caller, action, r));
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
  return { allow: true, purposeRoles, purposeFor };
}

/**
 * Rule 2 (relationship) and rule 6 (sealing) for one case. `incoming`: the action also relates the
 * receiving organisation of an open handover of those kinds (or, with `only`, relates only it).
 */
function decideCase(
  action: Action,
  caller: Caller,
  c: CaseFacts | undefined,
  purposeRoles: Role[],
  purposeFor: (role: Role) => Purpose | null,
  courtOrderReference?: string | null,
  incoming?: { kinds: readonly Incoming['kind'][]; only: boolean },
  byPartnerKind = false,
): Decision {
  // 2. Relationship: case data only for those related to the case; anyone else gets 404.
  if (!c) return deny(404, 'case not found', purposeFor(purposeRoles[0]));
  // 6. Expungement leaves a tombstone nobody reads.
  if (c.expunged) return deny(404, 'case expunged', purposeFor(purposeRoles[0]));
  // 6. Sealing: invisible to everyone but the sealing court acting with the order's reference.
  if (c.sealed) {
    const sealingCourt = purposeRoles.find((r) => COURT_ROLES.includes(r) && caller.org === c.courtOrgId);
    const withOrder = c.sealedOrderRef !== null && courtOrderReference === c.sealedOrderRef;
    if (!sealingCourt || !withOrder) return deny(404, 'case sealed', purposeFor(purposeRoles[0]));
    // Anything else is refused on a sealed case, to its sealing court too: records, court orders,
    // break-glass and consents were written to sealed cases (authorization matrix finding).
    if (!readsOnly(action) && !SEALED_CASE_COMMANDS.includes(action))
      return deny(404, 'case sealed: read-only', purposeFor(sealingCourt));
    return {
      allow: true,
      role: sealingCourt,
      purpose: purposeFor(sealingCourt)!,
      basis: { type: 'sealing_order', id: c.sealedOrderRef! },
    };
  }

  for (const role of purposeRoles) {
    const purpose = purposeFor(role)!;
    const handover = incoming
      ? (c.incoming ?? []).find(
          (i) =>
            incoming.kinds.includes(i.kind) &&
            i.orgId === caller.org &&
            RECEIVING_ROLES[i.kind].includes(role),
        )
      : undefined;
    if (handover) return { allow: true, role, purpose, basis: { type: 'receiving_org', id: handover.refId } };
    if (incoming?.only) continue;
    if (role === 'partner_system' && byPartnerKind) {
      const basis = partnerRelation(caller, c);
      if (basis) return { allow: true, role, purpose, basis };
      continue;
    }
    if (COURT_ROLES.includes(role) && caller.org === c.courtOrgId) {
      return { allow: true, role, purpose, basis: { type: 'owning_court', id: c.courtOrgId } };
    }
    if (role === 'prosecutor' && c.prosecutionOrgId && caller.org === c.prosecutionOrgId) {
      return { allow: true, role, purpose, basis: { type: 'prosecution_office', id: c.prosecutionOrgId } };
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
 * How a partner system is related to a case for the actions that name partner kinds: the same
 * relationships as the people of its organisation. A court system through its court's cases, a
 * police system through the cases it referred (its arrests), a probation system through an active
 * supervision by its organisation, a social services system through an active social work
 * assignment of its organisation (an open referral to it is a handover, decided above).
 */
function partnerRelation(caller: Caller, c: CaseFacts): Basis | null {
  if (!caller.org) return null;
  switch (caller.partnerKind) {
    case 'court':
      return c.courtOrgId === caller.org ? { type: 'owning_court', id: c.courtOrgId } : null;
    case 'police':
      return c.referringOrgId === caller.org ? { type: 'referrer', id: c.referringOrgId } : null;
    case 'prosecution':
      return c.prosecutionOrgId === caller.org
        ? { type: 'prosecution_office', id: c.prosecutionOrgId }
        : null;
    case 'probation':
    case 'social_services': {
      const kind = caller.partnerKind === 'probation' ? 'supervision' : 'social_work';
      const p = c.participants.find((x) => x.kind === kind && x.orgId === caller.org);
      return p ? { type: p.kind, id: p.refId } : null;
    }
    default:
      return null;
  }
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
  // A merged record answers through its survivor (the person service decides on the survivor).
  if (p.merged) return deny(404, 'person merged into another record', purposeFor(purposeRoles[0]));
  // Every relationship to the child counts; the widest view of the record wins.
  const allowed: Extract<Decision, { allow: true }>[] = [];
  for (const c of p.cases) {
    const d = decideCase(input.action, input.caller, c, purposeRoles, purposeFor, input.courtOrderReference);
    if (!d.allow) continue;
    const view = personViewOf(d.basis, c);
    // A court whose case waits for intake acceptance reads the child's identity, and nothing else
    // of the child (consents, ledger...) through it.
    if (view === 'identity' && input.action !== 'person:read') continue;
    allowed.push({ ...d, personView: view });
  }
  // 6. A child whose every case is sealed is as invisible as the cases (matches hide them too).
  const allSealed = everyCaseSealed(p.cases);
  if (allowed.length === 0 && allSealed)
    return deny(404, 'every case of the child sealed', purposeFor(purposeRoles[0]));
  const registrar = purposeRoles.find((r) => r === 'court_clerk' || r === 'partner_system');
  if (registrar && p.createdByOrg && input.caller.org === p.createdByOrg && !allSealed) {
    // The registering organisation sees what it registered. Once the child has cases, a court's
    // sight of the guardians' contact goes with its open cases (above); a partner keeps what it submitted.
    allowed.push({
      allow: true,
      role: registrar,
      purpose: purposeFor(registrar)!,
      basis: { type: 'registering_org', id: p.createdByOrg },
      personView: registrar === 'partner_system' || p.cases.length === 0 ? 'record' : 'file',
    });
  }
  const rule = ACTIONS[input.action];
  const bases = 'personBases' in rule ? (rule.personBases as readonly string[]) : null;
  const through = bases ? allowed.filter((d) => bases.includes(d.basis.type)) : allowed;
  if (through.length === 0) return deny(404, 'not related to the person', purposeFor(purposeRoles[0]));
  const rank = (d: (typeof allowed)[number]) => PERSON_VIEWS.indexOf(d.personView!);
  return through.reduce((best, d) => (rank(d) < rank(best) ? d : best));
}

/** Rule 6 for a child: the child has cases and every one is sealed (or expunged). */
export function everyCaseSealed(cases: Pick<CaseFacts, 'sealed'>[]): boolean {
  return cases.length > 0 && cases.every((c) => c.sealed);
}

/**
 * Whether a child may be proposed as a match at all (capability 12): a live record (not expunged,
 * not merged into another), and not a child whose every case is sealed (rule 6: as invisible as the
 * cases). A match shows only the id, a score and the birth year, to the roles that register
 * children. The persons repository's match query states the same condition in SQL (live record, and
 * no case or some case neither sealed nor expunged); tests/person-matching.test.ts holds them equal.
 */
export function isMatchCandidate(p: Pick<PersonFacts, 'expunged' | 'merged' | 'cases'>): boolean {
  return !p.expunged && !p.merged && !everyCaseSealed(p.cases);
}

/**
 * How much of the child's record one relationship to one case opens (issue 8): the referring
 * partner submitted the case, not the court's record of the child, so it is shown the id alone;
 * a court keeps the guardians' contact only while its case is open.
 */
function personViewOf(basis: Basis, c: CaseFacts): PersonView {
  if (basis.type === 'referrer') return 'reference';
  if (basis.type === 'owning_court' || basis.type === 'sealing_order') {
    if (c.intakePending) return 'identity';
    return c.closed ? 'file' : 'record';
  }
  return 'record';
}

/**
 * Rules 3 and 5 for each category asked for, in order of preference: an active consent of the
 * child, then an active court order on the case, then the caller's own open break-glass. Each must
 * cover the category, the purpose of use and the grantee (the acting role, the caller's
 * organisation or the caller in person). Active means validFrom <= now < validUntil, not revoked.
 */
function decideCategories(
  caller: Caller,
  allowed: { role: Role; purpose: Purpose },
  c: CaseFacts,
  s: SensitiveFacts,
): Disclosure {
  const { now } = s;
  const covers = (g: Grantee) =>
    (g.type === 'role' && g.value === allowed.role) ||
    (g.type === 'organization' && caller.org !== null && g.value === caller.org) ||
    (g.type === 'person' && g.value === caller.sub);
  const inPeriod = (from: Date, until: Date | null) => from <= now && (until === null || now < until);

  const disclosure: Disclosure = { disclosed: [], withheld: [], bases: [], breakGlass: false };
  for (const category of [...new Set(s.categories)]) {
    const consent = s.consents.find(
      (k) =>
        k.personId === c.personId &&
        // Any recorded revocation counts at once: revokedAt comes from another instance's clock.
        k.revokedAt === null &&
        // A self-granted consent opens nothing until someone else confirmed it (issue 8).
        k.confirmed !== false &&
        inPeriod(k.validFrom, k.validUntil) &&
        k.categories.includes(category) &&
        k.purposes.includes(allowed.purpose) &&
        covers(k.grantee),
    );
    const order = consent
      ? undefined
      : s.courtOrders.find(
          (o) =>
            o.caseId === c.id &&
            // Like consents: a recorded revocation counts at once, whatever the clocks say.
            o.revokedAt === null &&
            inPeriod(o.validFrom, o.validUntil) &&
            o.categories.includes(category) &&
            o.purposes.includes(allowed.purpose) &&
            o.grantees.some(covers),
        );
    // 5. Break-glass: the caller's own emergency window on this case opens every category, flagged.
    const glass =
      consent || order
        ? undefined
        : s.breakGlass.find(
            (g) => g.caseId === c.id && g.sub === caller.sub && g.openedAt <= now && now < g.expiresAt,
          );
    const basis: SensitiveBasis | null = consent
      ? { type: 'consent', id: consent.id }
      : order
        ? { type: 'court_order', id: order.id }
        : glass
          ? { type: 'break_glass', id: glass.id }
          : null;
    if (basis) {
      disclosure.disclosed.push(category);
      disclosure.bases.push({ category, basis });
      if (basis.type === 'break_glass') disclosure.breakGlass = true;
    } else {
      disclosure.withheld.push(category);
    }
  }
  return disclosure;
}

/**
 * Issue 8.6: a lawyer's worklist shows the case essentials (the child, the charges, hearings,
 * custody) only for an assignment the lawyer accepted, the same relationship that opens the case
 * (SPEC 4.2: accepted assignment, not withdrawn). An assignment named to the lawyer and not yet
 * answered is shown without them, like the organisation's queue: enough to accept or decline.
 */
export function assignmentOpensCase(
  assignment: { lawyerSub: string | null; status: string },
  caller: Pick<Caller, 'sub'>,
): boolean {
  return assignment.lawyerSub === caller.sub && assignment.status === 'accepted';
}

/**
 * The intake rules for a child who moves between courts (issue 8.5). A case opened on a child for
 * whom another court holds an open case (not closed, sealed or expunged) waits for acceptance.
 * Returns the cases of other courts that make it wait (empty: accepted at once).
 */
export function casesHoldingTheChild(courtOrgId: string, childCases: CaseFacts[]): CaseFacts[] {
  return childCases.filter((c) => c.courtOrgId !== courtOrgId && !c.closed && !c.sealed && !c.expunged);
}

/**
 * Who accepts a waiting case: a clerk or judge of a court that holds an open case of the child
 * (the court that knows the child confirms it is the same child, moving); once no other court
 * holds one, a judge of the new court (a second person: the clerk opened it). Anyone else related
 * to the new case is refused with 403; anyone related to neither, 404, as for any case.
 */
export function decideIntakeAcceptance(
  caller: Caller,
  kase: CaseFacts | undefined,
  childCases: CaseFacts[],
): Decision {
  const first = decideRole({ caller, action: 'case:accept_intake' });
  if (!first.allow) return first;
  const { purposeRoles, purposeFor } = first;
  if (!kase || kase.sealed || kase.expunged) return deny(404, 'case not found', purposeFor(purposeRoles[0]));
  const court = purposeRoles.find((r) => COURT_ROLES.includes(r));
  const holding = casesHoldingTheChild(kase.courtOrgId, childCases);
  const holder = holding.find((c) => c.courtOrgId === caller.org);
  if (court && holder) {
    return {
      allow: true,
      role: court,
      purpose: purposeFor(court)!,
      basis: { type: 'owning_court', id: holder.courtOrgId },
    };
  }
  if (caller.org !== kase.courtOrgId || !court)
    return deny(404, 'not related to the case', purposeFor(purposeRoles[0]));
  const judge = purposeRoles.includes('judge');
  if (holding.length === 0 && judge) {
    return {
      allow: true,
      role: 'judge',
      purpose: purposeFor('judge')!,
      basis: { type: 'owning_court', id: kase.courtOrgId },
    };
  }
  return deny(
    403,
    holding.length
      ? 'accepted by the court holding the child’s open case'
      : 'accepted by a judge of the court once no other court holds an open case',
    purposeFor(court),
  );
}

/**
 * Issue 8.4: whether a consent opens content to the very caller recording it: the grantee is the
 * caller in person, the role the caller acts in, or the caller's organisation.
 */
export function grantsToRecorder(grantee: Grantee, caller: Caller, actingRole: Role): boolean {
  return (
    (grantee.type === 'person' && grantee.value === caller.sub) ||
    (grantee.type === 'role' && grantee.value === actingRole) ||
    (grantee.type === 'organization' && caller.org !== null && grantee.value === caller.org)
  );
}

/**
 * Evidence someone other than the recorder can check, for a consent to oneself: a signed form, the
 * record of a hearing, or a guardian's statement (taken by a second professional), written
 * `<kind>:<where it is kept>`, e.g. `signed-form:SF-2026-17`.
 */
export const CHECKABLE_EVIDENCE_KINDS = ['signed-form', 'hearing-record', 'guardian-statement'] as const;
export function isCheckableEvidence(reference: string): boolean {
  const [kind, ...rest] = reference.split(':');
  return (CHECKABLE_EVIDENCE_KINDS as readonly string[]).includes(kind) && rest.join(':').trim().length > 0;
}

/**
 * Who may confirm a consent waiting for confirmation, beyond the relationship decide() checked
 * (owning court or the child's accepted lawyer): a second person, never its recorder.
 */
export function consentConfirmation(
  consent: { recordedBy: string },
  caller: Pick<Caller, 'sub'>,
): { allow: true } | { allow: false; reason: string } {
  if (consent.recordedBy === caller.sub) return { allow: false, reason: 'the recorder may not confirm' };
  return { allow: true };
}

/**
 * Whose external ids an import uses and who may follow it (issue 10.4): a partner system's own
 * client (its ids are its own), or the court of a clerk (any clerk of the court continues the work
 * of another). Null: the caller imports for nobody (no organisation).
 */
export function importOwner(caller: Pick<Caller, 'roles' | 'clientId' | 'org'>): string | null {
  if (caller.roles.includes('court_clerk') && caller.org) return `org:${caller.org}`;
  if (caller.roles.includes('partner_system') && caller.clientId) return `client:${caller.clientId}`;
  return null;
}

/**
 * The court an imported case goes to (the property rule of intake): a clerk's own court (a line
 * may not name another); a court system's own court; another partner names a court on each line.
 */
export function importCourt(
  caller: Pick<Caller, 'roles' | 'org' | 'partnerKind'>,
  named: string | undefined,
): { court: string } | { problem: string } {
  const own = caller.roles.includes('court_clerk') || caller.partnerKind === 'court';
  if (own) {
    if (!caller.org) return { problem: 'the caller has no court' };
    if (named !== undefined && named !== caller.org) return { problem: 'may only name your own court' };
    return { court: caller.org };
  }
  return named === undefined ? { problem: 'required' } : { court: named };
}

function deny(
  status: 403 | 404,
  reason: string,
  purpose: Purpose | null,
): Extract<Decision, { allow: false }> {
  return { allow: false, status, reason, purpose };
}
