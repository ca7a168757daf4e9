/**
 * The authorization matrix (issue 9, item 11): who may call each operation of the OpenAPI document,
 * stated once, from the product specification (SPEC 3 and 4), independently of src/access. The
 * test (tests/authorization-matrix.test.ts) expands each rule into cells: every role, a partner
 * client with and without the operation's scope, related to the resource or not, consent or not
 * (sensitive content), sealed or not; and compares each cell's expected answer with the service's.
 *
 * How a rule reads:
 * - `roles` may take the action at all (rule 1); anyone else: 403. A partner system also needs
 *   `scope` in its token.
 * - `on` names what the answer depends on beyond the role:
 *     'role'      nothing else (directories, registries, worklists, de-identified figures);
 *     'case'      the case the resource belongs to: unrelated callers 404 (rule 2), a sealed case
 *                 404 to everyone but its sealing court naming the order, and only for reads (rule 6);
 *     'person'    the child: related through one of the child's cases;
 *     'receiving' a handover: only the receiving organisation may answer it;
 *     'owner'     a webhook subscription: only the partner client that made it.
 * - `ok`: the answer of an allowed call. Commands on an existing resource are sent with a stale
 *   `If-Match`, so an allowed call answers 412 and changes nothing; `okFor` overrides per role
 *   (the stage machine lets only some roles make a move: 403 for the others, related or not).
 * - `oversight`: roles that see every child or case (auditors), related or not, sealed or not
 *   (the audit trail keeps what happened to sealed cases, and auditors oversee it).
 * - `sensitive`: the answer holds content of a sensitive category, disclosed only with consent.
 * - `why`: the reason for anything not obvious from the above.
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

export const SCOPES = [
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
export type Scope = (typeof SCOPES)[number];

export type On = 'role' | 'case' | 'person' | 'receiving' | 'owner';

/** Kinds of partner systems (SPEC 3): what each is related to is its organisation's relationship. */
export const PARTNER_KINDS = ['police', 'court', 'probation', 'social_services'] as const;
export type PartnerKind = (typeof PARTNER_KINDS)[number];

export interface Rule {
  /** Health and readiness: no token needed, every caller answered. */
  public?: number;
  roles?: readonly Role[];
  /** The scope a partner system needs (one of them, for a list). */
  scope?: Scope | readonly Scope[];
  /**
   * The kinds of partner system that may act (default: any kind, related as the case's referrer):
   * a court system through its court's cases, police through the cases it brought, probation
   * through its officers' supervisions, social services through its workers' assignments and the
   * referrals sent to it.
   */
  partnerKinds?: readonly PartnerKind[];
  on?: On;
  ok?: number;
  okFor?: Partial<Record<Role, number>>;
  oversight?: readonly Role[];
  sensitive?: boolean;
  /**
   * The sealing court naming the order reads the sealed case (rule 6); writes stay refused, but for
   * corrections (kept with their history), marked `sealedRead` too.
   */
  sealedRead?: boolean;
  /** Roles related to the case that are not related for this action (e.g. a lawyer's view of a person is through the case). */
  notRelated?: readonly Role[];
  /**
   * Allowed calls change what other cells stand on (seal, expunge, delete): in the open world, each
   * cell acts on a fresh resource of its own.
   */
  fresh?: boolean;
  why?: string;
}

const COURT = ['court_clerk', 'judge'] as const;
/** Professionals who read the case path of a case they are related to (SPEC 4.2). */
const CASE_READERS = [
  'court_clerk',
  'judge',
  'prosecutor',
  'legal_aid_lawyer',
  'probation_officer',
  'social_worker',
] as const;
const CLERK = ['court_clerk'] as const;
/** Police systems record custody of the cases they brought (issue 10.3). */
const POLICE_CUSTODY = {
  roles: ['court_clerk', 'partner_system'],
  scope: 'custody:write',
  partnerKinds: ['police'],
} as const satisfies Partial<Rule>;
/** Court systems record the hearings and dispositions of their court's cases (issue 10.3). */
const COURT_SYSTEM = (scope: Scope) =>
  ({
    roles: ['court_clerk', 'partner_system'],
    scope,
    partnerKinds: ['court'],
  }) as const satisfies Partial<Rule>;
/** The officer, or the probation system of the officer's office (issue 10.3). */
const PROBATION = {
  roles: ['probation_officer', 'partner_system'],
  scope: 'supervision:write',
  partnerKinds: ['probation'],
} as const satisfies Partial<Rule>;
/** The receiving office's social worker, or its social services system (issue 10.3). */
const SOCIAL_SERVICES = (roles: readonly Role[]) =>
  ({
    roles: [...roles, 'partner_system'],
    scope: 'referrals:write',
    partnerKinds: ['social_services'],
  }) as const satisfies Partial<Rule>;
const REGISTRY_READERS = [...CASE_READERS, 'admin', 'auditor', 'analyst'] as const;

/** Reads of the case path: every related professional; the sealing court with the order. */
const pathRead = (roles: readonly Role[] = CASE_READERS, extra: Partial<Rule> = {}): Rule => ({
  roles,
  on: 'case',
  ok: 200,
  sealedRead: true,
  ...extra,
});
/** A command of the court's clerk on the case or one of its resources. */
const clerkCommand = (ok: number, extra: Partial<Rule> = {}): Rule => ({
  roles: CLERK,
  on: 'case',
  ok,
  ...extra,
});

export const RULES: Record<string, Rule> = {
  getHealth: { public: 200 },
  getReadiness: { public: 200 },

  // Directory and registries (SPEC 3: admins manage organisations, staff and partner clients).
  createOrganization: { roles: ['admin'], on: 'role', ok: 201 },
  listOrganizations: { roles: ['admin', ...COURT, 'auditor'], on: 'role', ok: 200 },
  getOrganization: { roles: ['admin', ...COURT, 'auditor'], on: 'role', ok: 200 },
  putStaffMember: { roles: ['admin'], on: 'role', ok: 412, why: 'stale If-Match on an existing member' },
  getStaffMember: { roles: ['admin', 'court_clerk'], on: 'role', ok: 200 },
  listStaff: { roles: ['admin', 'court_clerk'], on: 'role', ok: 200 },
  registerPartnerClient: { roles: ['admin'], on: 'role', ok: 201 },
  listPartnerClients: { roles: ['admin'], on: 'role', ok: 200 },
  getPartnerClient: { roles: ['admin'], on: 'role', ok: 200 },
  deletePartnerClient: {
    roles: ['admin'],
    on: 'role',
    ok: 204,
    fresh: true,
    why: 'a registration has no version: If-Match is not looked at',
  },

  // Children (SPEC 6): registered by the court or a partner; read by whoever is related to a case of theirs.
  createPerson: {
    roles: ['court_clerk', 'partner_system'],
    scope: ['cases:write', 'arrests:write'],
    on: 'role',
    ok: 201,
    why: 'a police system recording an arrest registers the child first',
  },
  matchPersons: {
    roles: ['court_clerk', 'partner_system'],
    scope: ['cases:write', 'arrests:write'],
    on: 'role',
    ok: 200,
  },
  getPerson: {
    roles: [...CASE_READERS, 'partner_system'],
    scope: 'cases:read',
    on: 'person',
    ok: 200,
    sealedRead: true,
  },
  correctPerson: { roles: CLERK, on: 'person', ok: 412, sealedRead: true },
  mergePerson: {
    roles: CLERK,
    on: 'person',
    ok: 412,
    why: 'merged into another child of the court named with a stale version: passed access, changed nothing',
  },
  listPersonCorrections: {
    roles: [...CASE_READERS, 'partner_system'],
    scope: 'cases:read',
    on: 'person',
    ok: 200,
    sealedRead: true,
  },

  // Cases.
  createCase: {
    roles: ['court_clerk', 'partner_system'],
    scope: 'cases:write',
    on: 'role',
    ok: 201,
    why: 'any court may open a case on a registered child (issue 8.5); body on a spare child',
  },
  listCases: {
    roles: [...CASE_READERS, 'partner_system'],
    scope: 'cases:read',
    on: 'role',
    ok: 200,
    why: 'lists leave out what the caller may not see',
  },
  getCase: pathRead([...CASE_READERS, 'partner_system'], { scope: 'cases:read' }),
  correctCase: clerkCommand(412, { sealedRead: true }),
  closeCase: clerkCommand(412),
  acceptCaseIntake: {
    roles: COURT,
    on: 'case',
    ok: 409,
    okFor: { court_clerk: 403 },
    why: 'the world’s cases were accepted at intake: nothing waits; with no other court holding the child, a judge accepts (a second person: the clerk opened it)',
  },
  listCaseCorrections: pathRead([...CASE_READERS, 'partner_system'], {
    scope: 'cases:read',
    why: 'the partner reads the corrections of the intake it submitted',
  }),
  getCaseTimeline: pathRead(CASE_READERS, { sensitive: true }),
  sealCase: clerkCommand(200, { fresh: true }),
  expungeCase: clerkCommand(200, { fresh: true }),

  // Legal aid.
  assignLegalAid: clerkCommand(409, {
    why: 'the case has an accepted assignment: passed access, refused by state',
  }),
  requestLegalAid: clerkCommand(409, { why: 'the case has an accepted assignment' }),
  listCaseLegalAidAssignments: pathRead(['court_clerk', 'judge', 'legal_aid_lawyer']),
  getLegalAidAssignment: pathRead(['court_clerk', 'judge', 'legal_aid_lawyer']),
  listMyLegalAidAssignments: { roles: ['legal_aid_lawyer'], on: 'role', ok: 200 },
  acceptLegalAidAssignment: {
    roles: ['legal_aid_lawyer'],
    on: 'case',
    ok: 412,
    why: 'answered by the lawyer it is addressed to',
  },
  declineLegalAidAssignment: { roles: ['legal_aid_lawyer'], on: 'case', ok: 412 },
  withdrawLegalAidAssignment: { roles: ['court_clerk', 'legal_aid_lawyer'], on: 'case', ok: 412 },
  completeLegalAidAssignment: { roles: ['court_clerk', 'legal_aid_lawyer'], on: 'case', ok: 412 },

  // Transfers and referrals (the receiving organisation answers).
  transferCase: clerkCommand(201),
  transferSupervision: clerkCommand(201),
  referCase: { roles: ['court_clerk', 'social_worker'], on: 'case', ok: 201 },
  listIncomingTransfers: { roles: ['court_clerk', 'probation_officer'], on: 'role', ok: 200 },
  listIncomingReferrals: { ...SOCIAL_SERVICES(['social_worker']), on: 'role', ok: 200 },
  getTransfer: pathRead(['court_clerk', 'judge', 'probation_officer']),
  acceptTransfer: {
    roles: ['court_clerk', 'probation_officer'],
    on: 'receiving',
    ok: 412,
    notRelated: ['probation_officer'],
    why: 'the world’s transfer is a case transfer, answered by the receiving court (officers answer supervision transfers)',
  },
  declineTransfer: {
    roles: ['court_clerk', 'probation_officer'],
    on: 'receiving',
    ok: 412,
    notRelated: ['probation_officer'],
  },
  getReferral: pathRead(['court_clerk', 'judge', 'social_worker'], {
    ...SOCIAL_SERVICES(['court_clerk', 'judge', 'social_worker']),
    sensitive: true,
  }),
  acceptReferral: { ...SOCIAL_SERVICES(['social_worker']), on: 'receiving', ok: 412 },
  declineReferral: { ...SOCIAL_SERVICES(['social_worker']), on: 'receiving', ok: 412 },
  startReferral: { ...SOCIAL_SERVICES(['social_worker']), on: 'receiving', ok: 412 },
  completeReferral: { ...SOCIAL_SERVICES(['social_worker']), on: 'receiving', ok: 412 },
  // The sending side takes back what is still pending (issue 14).
  withdrawTransfer: { roles: CLERK, on: 'case', ok: 412 },
  withdrawReferral: {
    roles: ['court_clerk', 'social_worker'],
    on: 'case',
    ok: 412,
    notRelated: ['social_worker'],
    why: 'a referral is taken back by the organisation that sent it: the world’s was sent by the court',
  },

  // Custody and detention places.
  startCustodyEpisode: clerkCommand(409, { ...POLICE_CUSTODY, why: 'the child is in custody already' }),
  listCustodyEpisodes: pathRead(),
  getCustodyEpisode: pathRead(),
  endCustodyEpisode: clerkCommand(412, POLICE_CUSTODY),
  recordFamilyVisit: clerkCommand(201, POLICE_CUSTODY),
  listFamilyVisits: pathRead(),
  createFacility: { roles: ['admin'], on: 'role', ok: 201 },
  listFacilities: { roles: REGISTRY_READERS, on: 'role', ok: 200 },
  getFacility: { roles: REGISTRY_READERS, on: 'role', ok: 200 },
  recordCustodyIncident: {
    roles: ['admin', 'court_clerk'],
    on: 'role',
    ok: 201,
    okFor: { court_clerk: 403 },
    why: 'a facility-wide incident is the administration’s; the court records one that happened to a child of its case',
  },
  listCustodyIncidents: { roles: ['admin', 'auditor'], on: 'role', ok: 200 },
  recordFacilityInspection: { roles: ['admin', 'auditor'], on: 'role', ok: 201 },
  listFacilityInspections: { roles: REGISTRY_READERS, on: 'role', ok: 200 },

  // Diversion.
  proposeDiversion: {
    roles: ['court_clerk', 'prosecutor'],
    on: 'case',
    ok: 409,
    why: 'the first case is under supervision: past diversion',
  },
  listDiversions: pathRead(),
  getDiversion: pathRead(),
  acceptDiversion: { roles: ['court_clerk', 'prosecutor'], on: 'case', ok: 412 },
  declineDiversion: { roles: ['court_clerk', 'prosecutor'], on: 'case', ok: 412 },
  startDiversion: { roles: ['court_clerk', 'prosecutor'], on: 'case', ok: 412 },
  completeDiversion: { roles: ['court_clerk', 'prosecutor'], on: 'case', ok: 412 },
  failDiversion: { roles: ['court_clerk', 'prosecutor'], on: 'case', ok: 412 },
  getDiversionCondition: pathRead(),
  recordDiversionConditionDone: { roles: ['court_clerk', 'prosecutor'], on: 'case', ok: 412 },
  recordDiversionConditionNotDone: { roles: ['court_clerk', 'prosecutor'], on: 'case', ok: 412 },
  waiveDiversionCondition: {
    roles: ['prosecutor'],
    on: 'case',
    ok: 412,
    why: 'waiving a condition is the prosecutor’s decision',
  },

  // Hearings and dispositions.
  scheduleHearing: clerkCommand(201, COURT_SYSTEM('hearings:write')),
  listHearings: pathRead(),
  getHearing: pathRead(),
  holdHearing: clerkCommand(412, COURT_SYSTEM('hearings:write')),
  adjournHearing: clerkCommand(412, COURT_SYSTEM('hearings:write')),
  cancelHearing: clerkCommand(412, COURT_SYSTEM('hearings:write')),
  recordDisposition: clerkCommand(409, {
    ...COURT_SYSTEM('dispositions:write'),
    why: 'the first case is disposed already',
  }),
  listDispositions: pathRead(),
  getDisposition: pathRead(),

  // Supervision.
  startSupervision: clerkCommand(409, { why: 'the first case is under supervision already' }),
  listMySupervisions: { roles: ['probation_officer'], on: 'role', ok: 200 },
  getSupervision: pathRead(['court_clerk', 'judge', 'probation_officer', 'legal_aid_lawyer']),
  listSupervisionEntries: pathRead(['court_clerk', 'judge', 'probation_officer', 'legal_aid_lawyer']),
  recordSupervisionContact: {
    ...PROBATION,
    on: 'case',
    ok: 422,
    why: 'the supervision starts tomorrow: nothing can have happened in it yet (true dates)',
  },
  recordSupervisionViolation: { ...PROBATION, on: 'case', ok: 422 },
  recordSupervisionProgressNote: { ...PROBATION, on: 'case', ok: 422 },
  addSupervisionCondition: { ...PROBATION, on: 'case', ok: 201 },
  completeSupervision: { ...PROBATION, on: 'case', ok: 412 },
  requestSupervisionRevocation: { ...PROBATION, on: 'case', ok: 412 },
  revokeSupervision: clerkCommand(412, { why: 'the court decides on the officer’s request' }),

  // Social services.
  assignSocialWorker: clerkCommand(409, { why: 'the social worker is assigned already' }),
  getSocialWorkAssignment: pathRead(['court_clerk', 'judge', 'social_worker']),
  endSocialWorkAssignment: clerkCommand(412),
  recordVulnerabilityAssessment: { roles: ['social_worker'], on: 'case', ok: 201 },
  recordServiceReferral: { roles: ['social_worker'], on: 'case', ok: 201 },
  listSocialServicesRecords: pathRead(['court_clerk', 'judge', 'social_worker']),

  // Sensitive records, consents, court orders, break-glass (SPEC 4.3 to 4.5).
  createRecord: { roles: ['court_clerk', 'probation_officer', 'social_worker'], on: 'case', ok: 201 },
  listRecords: pathRead(CASE_READERS, { sensitive: true }),
  getRecord: pathRead(CASE_READERS, { sensitive: true }),
  createConsent: { roles: ['court_clerk', 'social_worker'], on: 'person', ok: 201 },
  listConsents: {
    roles: ['court_clerk', 'judge', 'legal_aid_lawyer', 'probation_officer', 'social_worker', 'auditor'],
    on: 'person',
    ok: 200,
    oversight: ['auditor'],
    sealedRead: true,
  },
  getConsent: {
    roles: ['court_clerk', 'judge', 'legal_aid_lawyer', 'probation_officer', 'social_worker', 'auditor'],
    on: 'person',
    ok: 200,
    oversight: ['auditor'],
    sealedRead: true,
  },
  confirmConsent: {
    roles: ['court_clerk', 'judge', 'legal_aid_lawyer'],
    on: 'person',
    ok: 409,
    okFor: { court_clerk: 403 },
    why: 'the world’s consent needs no confirmation (409); its recorder, the clerk, may never confirm it (403)',
  },
  revokeConsent: { roles: ['court_clerk', 'social_worker'], on: 'person', ok: 412 },
  listDisclosures: {
    roles: ['auditor', 'legal_aid_lawyer'],
    on: 'person',
    ok: 200,
    oversight: ['auditor'],
    why: 'a child’s ledger: auditors, and the child’s assigned lawyer',
  },
  createCourtOrder: clerkCommand(201),
  listCourtOrders: pathRead([
    'court_clerk',
    'judge',
    'legal_aid_lawyer',
    'probation_officer',
    'social_worker',
  ]),
  getCourtOrder: pathRead(['court_clerk', 'judge', 'legal_aid_lawyer', 'probation_officer', 'social_worker']),
  revokeCourtOrder: clerkCommand(412),
  openBreakGlass: {
    roles: ['court_clerk', 'judge', 'legal_aid_lawyer', 'probation_officer', 'social_worker'],
    on: 'case',
    ok: 201,
  },
  listBreakGlass: { roles: ['auditor'], on: 'role', ok: 200 },
  reviewBreakGlass: {
    roles: ['judge', 'auditor'],
    on: 'case',
    ok: 409,
    oversight: ['auditor'],
    why: 'auditors review any grant, judges those of their court; the world’s grant is reviewed already (409)',
  },

  // Audit trail (SPEC 5).
  listAuditEvents: { roles: ['auditor'], on: 'role', ok: 200 },
  verifyAuditTrail: { roles: ['auditor'], on: 'role', ok: 200 },
  listAuditCheckpoints: { roles: ['auditor'], on: 'role', ok: 200 },

  // Alerts (SPEC 7).
  listAlerts: { roles: CASE_READERS, on: 'role', ok: 200 },
  listSealingEligibleCases: { roles: COURT, on: 'role', ok: 200, why: 'the court’s own closed cases' },
  getAlertSummary: { roles: CASE_READERS, on: 'role', ok: 200 },
  acknowledgeAlert: {
    roles: CASE_READERS,
    on: 'case',
    ok: 201,
    notRelated: ['social_worker'],
    why: 'the world’s alert is a detention without a hearing, which social workers are not shown (alerts are per rule)',
  },

  // Indicators (SPEC 7): de-identified figures.
  putPopulation: { roles: ['analyst'], on: 'role', ok: 200 },
  getIndicators: { roles: ['analyst', 'auditor'], on: 'role', ok: 200 },
  getIndicatorReport: { roles: ['analyst', 'auditor'], on: 'role', ok: 200 },

  // Integration (SPEC 8).
  listEvents: { roles: [...CASE_READERS, 'partner_system'], scope: 'events:read', on: 'role', ok: 200 },
  createWebhookSubscription: { roles: ['partner_system'], scope: 'events:read', on: 'role', ok: 201 },
  listWebhookSubscriptions: { roles: ['partner_system'], scope: 'events:read', on: 'role', ok: 200 },
  getWebhookSubscription: { roles: ['partner_system'], scope: 'events:read', on: 'owner', ok: 200 },
  deleteWebhookSubscription: {
    roles: ['partner_system'],
    scope: 'events:read',
    on: 'owner',
    ok: 204,
    fresh: true,
    why: 'a subscription has no version: If-Match is not looked at',
  },
  // A subscription has no version: If-Match is not looked at; pausing and resuming are idempotent.
  pauseWebhookSubscription: { roles: ['partner_system'], scope: 'events:read', on: 'owner', ok: 200 },
  resumeWebhookSubscription: { roles: ['partner_system'], scope: 'events:read', on: 'owner', ok: 200 },
  rotateWebhookSecret: { roles: ['partner_system'], scope: 'events:read', on: 'owner', ok: 200 },
  listWebhookDeliveries: { roles: ['partner_system'], scope: 'events:read', on: 'owner', ok: 200 },
  replayWebhookDeliveries: { roles: ['partner_system'], scope: 'events:read', on: 'owner', ok: 200 },

  // Bulk import (issue 10.4): a court's clerks into their court; police, prosecution and court
  // systems (this matrix has no prosecution system).
  createImport: {
    roles: ['court_clerk', 'partner_system'],
    scope: 'imports:write',
    partnerKinds: ['police', 'court'],
    on: 'role',
    ok: 415,
    why: 'the matrix sends JSON; imports take NDJSON (tests/imports.test.ts). The role is decided before the media type',
  },
  getImport: {
    roles: ['court_clerk', 'partner_system'],
    scope: 'imports:write',
    partnerKinds: ['police', 'court'],
    on: 'owner',
    ok: 200,
    notRelated: ['partner_system'],
    why: "the world's import is its court clerk's: any clerk of the court follows it, no partner does",
  },
};
