import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type Client, type Harness, uid } from './app.js';
import { createStaff } from './case-path.js';
import { createCase, createOrg, createPerson } from './factories.js';

/**
 * How to call every operation of the OpenAPI document with real resources: a world of one court
 * holding one of every resource the API addresses by id, and per operation the resource its path
 * names and a valid body. Shared by the existence test, the authorization matrix and the fuzzer.
 */

export const now = () => new Date().toISOString();
/** A calendar day `days` from today (UTC): supervision periods start after the disposition. */
export const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
export const ok = (res: LightMyRequestResponse, status = 201) => {
  if (res.statusCode !== status) throw new Error(`setup: ${res.statusCode} ${res.body}`);
  return res.json();
};

/** The real resources, all of court A, which none of the callers below is related to. */
export interface World {
  court: string;
  /** The three cases of the child. */
  cases: string[];
  person: string;
  kase: string;
  custody: string;
  hearing: string;
  disposition: string;
  diversion: string;
  assignment: string;
  supervision: string;
  socialWork: string;
  record: string;
  consent: string;
  courtOrder: string;
  condition: string;
  breakGlass: string;
  alert: string;
  facility: string;
  webhook: string;
  partnerClient: string;
  staffSub: string;
  officerSub: string;
  workerSub: string;
  transfer: string;
  referral: string;
  importJob: string;
}

/** How one operation is called: the real resource its path names, and a valid body. */
export interface Spec {
  /** The World key of the resource the path's id names; absent: the operation names no resource. */
  resource?: keyof World;
  body?: (w: World) => unknown;
  /** For operations that name no resource in the path: where the id goes (query or body). */
  idIn?: (id: string, w: World) => { url?: string; body?: unknown };
  /** A query string the operation needs to be valid. */
  query?: string;
  /** Roles that may see the real resource by design (directory, oversight): compared no further. */
  sees?: string[];
  why?: string;
}

const reason = { reason: 'A reason long enough for the record' };
/** Who reads the registry of detention places (facility:read). */
export const REGISTRY_READERS = [
  'court_clerk',
  'judge',
  'prosecutor',
  'legal_aid_lawyer',
  'probation_officer',
  'social_worker',
  'admin',
  'auditor',
  'analyst',
];
export const OPERATIONS: Record<string, Spec> = {
  getHealth: { why: 'no resource' },
  getReadiness: { why: 'no resource' },
  listAuditEvents: { why: 'no resource; auditors only (role check)' },
  listAuditCheckpoints: { why: 'no resource' },
  verifyAuditTrail: { why: 'no resource' },
  listBreakGlass: { why: 'no resource' },
  listEvents: { why: 'no resource: the feed leaves out every case the caller may not see' },
  listCases: { idIn: (id) => ({ url: `/v1/cases?personId=${id}` }) },
  createCase: {
    idIn: (id) => ({
      body: {
        personId: id,
        intakeKind: 'arrest',
        offenceDate: '2026-11-01T10:00:00Z',
        intakeAt: '2026-11-01T12:00:00Z',
        agency: 'Police',
        detained: false,
        charges: [{ code: 'PC-1', description: 'Theft' }],
      },
    }),
    // Children move between courts: any court may open a case on a registered child (issue 8.5),
    // whose existence the match endpoint already shows it.
    sees: ['court_clerk', 'partner_system'],
  },
  getCase: { resource: 'kase' },
  acceptCaseIntake: { resource: 'kase', body: () => ({}) },
  openBreakGlass: { resource: 'kase', body: () => ({ reason: 'Emergency: the child is in hospital now' }) },
  closeCase: { resource: 'kase', body: () => ({ reason: 'done' }) },
  createCourtOrder: {
    resource: 'kase',
    body: () => ({
      reference: 'CO-1',
      categories: ['health'],
      purposes: ['court_proceeding'],
      grantees: [{ type: 'role', value: 'judge' }],
    }),
  },
  listCourtOrders: { resource: 'kase' },
  listCustodyEpisodes: { resource: 'kase' },
  startCustodyEpisode: {
    resource: 'kase',
    body: () => ({ kind: 'pre_trial', facility: 'Centre', startedAt: '2026-11-01T12:30:00Z' }),
  },
  listDispositions: { resource: 'kase' },
  recordDisposition: { resource: 'kase', body: () => ({ outcome: 'warning', decidedAt: now() }) },
  listDiversions: { resource: 'kase' },
  proposeDiversion: { resource: 'kase', body: () => ({ provider: 'Youth centre', conditions: ['attend'] }) },
  expungeCase: { resource: 'kase', body: () => ({ orderReference: 'EX-1' }) },
  listHearings: { resource: 'kase' },
  scheduleHearing: { resource: 'kase', body: () => ({ scheduledAt: now(), purpose: 'review' }) },
  assignLegalAid: { resource: 'kase', body: (w) => ({ lawyerSub: w.staffSub }) },
  requestLegalAid: { resource: 'kase', body: () => ({ source: 'clerk' }) },
  getCustodyEpisode: { resource: 'custody' },
  getDisposition: { resource: 'disposition' },
  getDiversion: { resource: 'diversion' },
  getHearing: { resource: 'hearing' },
  getLegalAidAssignment: { resource: 'assignment' },
  listCaseLegalAidAssignments: { resource: 'kase' },
  createRecord: {
    resource: 'kase',
    body: () => ({ category: 'health', title: 'Note', content: 'Content' }),
  },
  listRecords: { resource: 'kase' },
  sealCase: { resource: 'kase', body: () => ({ orderReference: 'SE-1' }) },
  recordServiceReferral: { resource: 'kase', body: () => ({ service: 'Counselling' }) },
  listSocialServicesRecords: { resource: 'kase' },
  assignSocialWorker: { resource: 'kase', body: (w) => ({ socialWorkerSub: w.workerSub }) },
  startSupervision: {
    resource: 'kase',
    body: (w) => ({ officerSub: w.officerSub, startsOn: day(1), endsOn: day(366) }),
  },
  getCaseTimeline: { resource: 'kase' },
  recordVulnerabilityAssessment: { resource: 'kase', body: () => ({ content: 'Assessment' }) },
  revokeConsent: { resource: 'consent', body: () => ({}) },
  confirmConsent: { resource: 'consent', body: () => ({}) },
  endCustodyEpisode: {
    resource: 'custody',
    body: () => ({ releasedAt: now(), releaseReason: 'Released' }),
  },
  acceptDiversion: { resource: 'diversion', body: () => ({}) },
  completeDiversion: { resource: 'diversion', body: () => ({}) },
  declineDiversion: { resource: 'diversion', body: () => reason },
  failDiversion: { resource: 'diversion', body: () => reason },
  startDiversion: { resource: 'diversion', body: () => ({}) },
  adjournHearing: { resource: 'hearing', body: () => ({ newScheduledAt: now(), ...reason }) },
  cancelHearing: { resource: 'hearing', body: () => reason },
  holdHearing: {
    resource: 'hearing',
    body: () => ({ heldAt: now(), outcome: 'Held', attendees: ['child'], childFriendlyCourtroom: true }),
  },
  listMyLegalAidAssignments: { why: 'no resource: the caller’s own worklist' },
  acceptLegalAidAssignment: { resource: 'assignment', body: () => ({}) },
  completeLegalAidAssignment: { resource: 'assignment', body: () => ({}) },
  declineLegalAidAssignment: { resource: 'assignment', body: () => reason },
  withdrawLegalAidAssignment: { resource: 'assignment', body: () => reason },
  createOrganization: {
    why: 'no resource (administrators register organisations)',
    body: () => ({ id: uid('org'), name: 'An organisation', kind: 'court', region: 'north' }),
  },
  listOrganizations: { why: 'no resource' },
  getOrganization: {
    resource: 'court',
    sees: ['admin', 'court_clerk', 'judge', 'auditor'],
    why: 'the organisation directory is not case data',
  },
  createPerson: {
    why: 'no resource',
    body: () => ({
      givenName: 'Aysel',
      familyName: uid('Family'),
      dateOfBirth: '2010-05-01',
      sex: 'female',
      region: 'north',
      guardians: [{ name: 'A Guardian', relationship: 'mother' }],
    }),
  },
  matchPersons: {
    why: 'no resource: matches are minimal by design',
    query: '?givenName=Nobody&familyName=Known&dateOfBirth=2010-05-01',
  },
  getPerson: { resource: 'person' },
  createConsent: {
    resource: 'person',
    body: () => ({
      grantor: { kind: 'guardian', name: 'A Guardian' },
      grantee: { type: 'role', value: 'judge' },
      categories: ['health'],
      purposes: ['court_proceeding'],
      evidenceReference: 'signed-form:F-1',
    }),
  },
  listConsents: { resource: 'person', sees: ['auditor'], why: 'auditors oversee every child' },
  listDisclosures: { resource: 'person', sees: ['auditor'], why: 'auditors oversee every child' },
  getRecord: { resource: 'record' },
  endSocialWorkAssignment: { resource: 'socialWork', body: () => ({}) },
  listStaff: { why: 'no resource' },
  getStaffMember: { resource: 'staffSub', sees: ['admin', 'court_clerk'], why: 'the staff directory' },
  putStaffMember: {
    resource: 'staffSub',
    body: (w) => ({ displayName: 'X', orgId: w.court, roles: ['judge'] }),
    sees: ['admin'],
    why: 'the staff directory',
  },
  listMySupervisions: { why: 'no resource: the caller’s own caseload' },
  getSupervision: { resource: 'supervision' },
  completeSupervision: { resource: 'supervision', body: () => ({}) },
  addSupervisionCondition: { resource: 'supervision', body: () => ({ condition: 'Curfew' }) },
  recordSupervisionContact: {
    resource: 'supervision',
    body: () => ({ occurredAt: now(), kind: 'phone', notes: 'Called' }),
  },
  listSupervisionEntries: { resource: 'supervision' },
  recordSupervisionProgressNote: { resource: 'supervision', body: () => ({ notes: 'Fine' }) },
  requestSupervisionRevocation: { resource: 'supervision', body: () => reason },
  revokeSupervision: { resource: 'supervision', body: () => reason },
  recordSupervisionViolation: { resource: 'supervision', body: () => ({ occurredAt: now(), notes: 'Late' }) },
  // Operations main added since (corrections, diversion conditions, court orders, break-glass
  // review, alerts, detention places, webhooks).
  correctPerson: { resource: 'person', body: () => ({ reason: 'Spelling', region: 'south' }) },
  mergePerson: {
    resource: 'person',
    body: () => ({
      survivorId: '00000000-0000-4000-8000-000000000001',
      survivorVersion: 1,
      reason: 'Same child',
    }),
  },
  correctCase: { resource: 'kase', body: () => ({ reason: 'Typo', agency: 'Police South' }) },
  listCaseCorrections: { resource: 'kase' },
  listPersonCorrections: { resource: 'person' },
  getDiversionCondition: { resource: 'condition' },
  recordDiversionConditionDone: { resource: 'condition', body: () => ({}) },
  recordDiversionConditionNotDone: { resource: 'condition', body: () => reason },
  waiveDiversionCondition: { resource: 'condition', body: () => reason },
  getSocialWorkAssignment: { resource: 'socialWork' },
  getConsent: { resource: 'consent', sees: ['auditor'], why: 'auditors oversee every child' },
  getCourtOrder: { resource: 'courtOrder' },
  revokeCourtOrder: { resource: 'courtOrder', body: () => reason },
  reviewBreakGlass: {
    resource: 'breakGlass',
    body: () => ({ verdict: 'justified', note: 'Reviewed' }),
    sees: ['auditor'],
    why: 'auditors review every grant',
  },
  listAlerts: { why: 'no resource: alerts of the caller’s own cases' },
  listSealingEligibleCases: { why: 'no resource: the caller’s own court’s closed cases' },
  getAlertSummary: { why: 'no resource: counts for the caller’s own court or office' },
  acknowledgeAlert: { resource: 'alert', body: () => ({ note: 'On it' }) },
  createFacility: {
    why: 'no resource (administrators register detention places)',
    body: () => ({
      name: uid('Centre'),
      kind: 'pre_trial_centre',
      region: 'north',
      separatedFromAdults: true,
      complaintsMechanism: true,
    }),
  },
  listFacilities: { why: 'no resource' },
  getFacility: {
    resource: 'facility',
    sees: REGISTRY_READERS,
    why: 'detention places hold no personal data',
  },
  recordCustodyIncident: {
    resource: 'facility',
    body: () => ({ kind: 'other', occurredAt: now() }),
    sees: ['admin', 'court_clerk'],
    why: 'detention places hold no personal data',
  },
  listCustodyIncidents: {
    resource: 'facility',
    sees: ['admin', 'auditor'],
    why: 'the registry of detention places',
  },
  recordFacilityInspection: {
    resource: 'facility',
    body: () => ({ inspectedAt: now(), inspectorBody: 'Ombudsman', independent: true }),
    sees: ['admin', 'auditor'],
    why: 'the registry of detention places',
  },
  listFacilityInspections: {
    resource: 'facility',
    sees: REGISTRY_READERS,
    why: 'the registry of detention places',
  },
  recordFamilyVisit: {
    resource: 'custody',
    body: () => ({ occurredAt: now(), visitorRelationship: 'parent' }),
  },
  listFamilyVisits: { resource: 'custody' },
  createWebhookSubscription: { why: 'no resource', body: () => ({ url: 'http://127.0.0.1:9/hook' }) },
  listWebhookSubscriptions: { why: 'no resource: the caller’s own subscriptions' },
  getWebhookSubscription: { resource: 'webhook' },
  deleteWebhookSubscription: { resource: 'webhook' },
  pauseWebhookSubscription: { resource: 'webhook', body: () => ({}) },
  resumeWebhookSubscription: { resource: 'webhook', body: () => ({}) },
  rotateWebhookSecret: { resource: 'webhook', body: () => ({}) },
  listWebhookDeliveries: { resource: 'webhook' },
  replayWebhookDeliveries: { resource: 'webhook', body: () => ({}) },
  getIndicators: { why: 'no resource: de-identified figures', query: '?from=2025-01-01&to=2026-01-01' },
  putPopulation: {
    why: 'no resource: population figures, no personal data',
    body: () => ({ year: 2025, figures: [{ region: 'north', sex: 'female', age: 15, count: 1200 }] }),
  },
  listPartnerClients: { why: 'no resource' },
  createImport: { why: 'no resource: what it creates is the caller’s own' },
  getImport: { resource: 'importJob' },
  registerPartnerClient: {
    why: 'no resource (administrators register partner clients)',
    body: (w) => ({ clientId: uid('client'), orgId: w.court, kind: 'court', allowedScopes: ['cases:read'] }),
  },
  getPartnerClient: { resource: 'partnerClient', sees: ['admin'], why: 'the partner client directory' },
  deletePartnerClient: { resource: 'partnerClient', sees: ['admin'], why: 'the partner client directory' },
  getIndicatorReport: { why: 'no resource: de-identified figures', query: '?from=2025-01-01&to=2026-01-01' },
  listIncomingReferrals: { why: 'no resource: the caller’s own organisation’s queue' },
  listIncomingTransfers: { why: 'no resource: the caller’s own organisation’s queue' },
  transferCase: {
    resource: 'kase',
    body: () => ({ toCourtOrgId: 'court-elsewhere', reason: 'The family moved' }),
  },
  transferSupervision: {
    resource: 'supervision',
    body: () => ({ toOrgId: 'probation-elsewhere', reason: 'The family moved' }),
  },
  referCase: {
    resource: 'kase',
    body: () => ({ receivingOrgId: 'services-elsewhere', service: 'Counselling' }),
  },
  getTransfer: { resource: 'transfer' },
  acceptTransfer: { resource: 'transfer', body: () => ({}) },
  declineTransfer: { resource: 'transfer', body: () => ({ reason: 'No capacity' }) },
  getReferral: { resource: 'referral' },
  acceptReferral: { resource: 'referral', body: () => ({}) },
  declineReferral: { resource: 'referral', body: () => ({ reason: 'No capacity' }) },
  startReferral: { resource: 'referral', body: () => ({}) },
  completeReferral: { resource: 'referral', body: () => ({ outcome: 'Sessions held' }) },
  withdrawTransfer: { resource: 'transfer', body: () => ({ reason: 'Sent in error' }) },
  withdrawReferral: { resource: 'referral', body: () => ({ reason: 'Sent in error' }) },
};

export interface Operation {
  id: string;
  method: string;
  path: string;
}

export function operationsOf(app: FastifyInstance): Operation[] {
  const doc = app.swagger() as unknown as {
    paths: Record<string, Record<string, { operationId: string }>>;
  };
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) out.push({ id: op.operationId, method, path });
  }
  return out;
}

type Staff = Client & { sub: string; org: string };

export interface WorldOptions {
  /** The owning court and its clerk (default: a new court). */
  court?: string;
  clerk?: Client;
  /** A partner system (police) that registers the child and brings the cases to the court. */
  referrer?: Client;
  /** The prosecution office the cases are referred to. */
  prosecutionOrgId?: string;
  lawyer?: Staff;
  officer?: Staff;
  worker?: Staff;
  /** The partner owning the webhook subscription. */
  webhookOwner?: Client;
  /** The court the pending transfer goes to, and the social-services office the referral goes to. */
  transferTo?: string;
  referTo?: string;
  /** The lawyer and the social worker are assigned to every case of the child, not the first alone. */
  relateEverywhere?: boolean;
}

/**
 * A court with a child, three cases and one of every resource the API addresses by id: the first
 * case held, disposed and supervised (custody, legal aid, social work, court order, break-glass,
 * record, referral), the second on the diversion path, the third a detained child with no hearing
 * (an alert stands) and a pending transfer.
 */
export async function buildWorld(h: Harness, opts: WorldOptions = {}): Promise<World> {
  const court = opts.court ?? (await createOrg(h, 'court'));
  const clerk = opts.clerk ?? (await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court }));
  const creator = opts.referrer ?? clerk;
  const intake = {
    // A partner's arrest, so the detention alert stands on the third case as it does for the court's.
    ...(opts.referrer ? { courtOrgId: court } : {}),
    ...(opts.prosecutionOrgId ? { prosecutionOrgId: opts.prosecutionOrgId } : {}),
  };
  const person = await createPerson(creator);
  const kase = await createCase(creator, person.id, intake);
  const lawyer = opts.lawyer ?? (await createStaff(h, 'legal_aid_lawyer'));
  const officer = opts.officer ?? (await createStaff(h, 'probation_officer'));
  const worker = opts.worker ?? (await createStaff(h, 'social_worker'));
  const assignLawyer = async (caseId: string) => {
    const a = ok(await clerk.post(`/v1/cases/${caseId}/legal-aid-assignments`, { lawyerSub: lawyer.sub }));
    ok(await lawyer.post(`/v1/legal-aid/assignments/${a.id}/accept`, {}), 200);
    return a;
  };
  const assignWorker = async (caseId: string) =>
    ok(await clerk.post(`/v1/cases/${caseId}/social-work-assignments`, { socialWorkerSub: worker.sub }));
  const custody = ok(
    await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
      kind: 'pre_trial',
      facility: 'Centre',
      startedAt: '2026-11-01T12:30:00Z',
    }),
  );
  const assignment = await assignLawyer(kase.id);
  const socialWork = await assignWorker(kase.id);
  const hearing = ok(
    await clerk.post(`/v1/cases/${kase.id}/hearings`, { scheduledAt: now(), purpose: 'adjudication' }),
  );
  ok(
    await clerk.post(`/v1/hearings/${hearing.id}/hold`, {
      heldAt: now(),
      outcome: 'Guilty',
      attendees: ['child'],
      childFriendlyCourtroom: true,
    }),
    200,
  );
  const disposition = ok(
    await clerk.post(`/v1/cases/${kase.id}/dispositions`, { outcome: 'probation', decidedAt: now() }),
  );
  const supervision = ok(
    await clerk.post(`/v1/cases/${kase.id}/supervisions`, {
      officerSub: officer.sub,
      startsOn: day(1),
      endsOn: day(366),
    }),
  );
  const record = ok(
    await clerk.post(`/v1/cases/${kase.id}/records`, { category: 'health', title: 'T', content: 'C' }),
  );
  const second = await createCase(creator, person.id, { ...intake, detained: false });
  const diversion = ok(
    await clerk.post(`/v1/cases/${second.id}/diversions`, { provider: 'Youth centre', conditions: ['a'] }),
  );
  // The consent, court order and break-glass of the world open nothing of the health record or the
  // referral (education only; break-glass on the second case), so the matrix decides disclosure.
  const consent = ok(
    await clerk.post(`/v1/persons/${person.id}/consents`, {
      grantor: { kind: 'guardian', name: 'A Guardian' },
      grantee: { type: 'role', value: 'judge' },
      categories: ['education'],
      purposes: ['court_proceeding'],
      evidenceReference: 'signed-form:F-2',
    }),
  );
  const courtOrder = ok(
    await clerk.post(`/v1/cases/${kase.id}/court-orders`, {
      reference: uid('CO'),
      categories: ['education'],
      purposes: ['court_proceeding'],
      grantees: [{ type: 'role', value: 'judge' }],
    }),
  );
  const breakGlass = ok(
    await clerk.post(`/v1/cases/${second.id}/break-glass`, {
      reason: 'Emergency: the child is in hospital now',
    }),
  );
  // A detained child with no hearing yet: the detention alert stands on this case.
  const detained = await createCase(creator, person.id, { ...intake, detained: true });
  if (opts.relateEverywhere) {
    for (const c of [second, detained]) {
      await assignLawyer(c.id);
      await assignWorker(c.id);
    }
  }
  const admin = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
  const facility = ok(
    await admin.post('/v1/facilities', {
      name: uid('Centre'),
      kind: 'pre_trial_centre',
      region: 'north',
      separatedFromAdults: true,
      complaintsMechanism: true,
    }),
  );
  const partner =
    opts.webhookOwner ??
    (await h.as({
      sub: uid('client'),
      roles: ['partner_system'],
      org: await createOrg(h, 'police'),
      scope: 'events:read cases:read',
      clientId: uid('rms'),
    }));
  const webhook = ok(await partner.post('/v1/webhook-subscriptions', { url: 'http://127.0.0.1:9/hook' }));
  const partnerClient = uid('client');
  ok(
    await admin.post('/v1/partner-clients', {
      clientId: partnerClient,
      orgId: await createOrg(h, 'police'),
      kind: 'police',
      allowedScopes: ['cases:read'],
    }),
  );
  // A case transfer and a social-services referral, both pending.
  const transfer = ok(
    await clerk.post(`/v1/cases/${detained.id}/transfers`, {
      toCourtOrgId: opts.transferTo ?? (await createOrg(h, 'court')),
      reason: 'The family moved',
    }),
  );
  const referral = ok(
    await clerk.post(`/v1/cases/${kase.id}/referrals`, {
      receivingOrgId: opts.referTo ?? (await createOrg(h, 'social_services')),
      service: 'Counselling',
    }),
  );
  // A bulk import by the court's clerk (one child): followed by the court's clerks only.
  const importJob = await h.app.inject({
    method: 'POST',
    url: '/v1/imports',
    headers: { authorization: `Bearer ${clerk.token}`, 'content-type': 'application/x-ndjson' },
    payload: `${JSON.stringify({ type: 'person', externalId: uid('P'), givenName: 'A', familyName: 'B', dateOfBirth: '2010-01-01' })}\n`,
  });
  if (importJob.statusCode !== 201) throw new Error(`import: ${importJob.statusCode} ${importJob.body}`);
  return {
    court,
    importJob: importJob.json().id,
    cases: [kase.id, second.id, detained.id],
    transfer: transfer.id,
    referral: referral.id,
    partnerClient,
    courtOrder: courtOrder.id,
    condition: diversion.conditions[0].id,
    breakGlass: breakGlass.id,
    alert: `detained_without_first_hearing:${detained.id}:${detained.id}`,
    facility: facility.id,
    webhook: webhook.id,
    person: person.id,
    kase: kase.id,
    custody: custody.id,
    hearing: hearing.id,
    disposition: disposition.id,
    diversion: diversion.id,
    assignment: assignment.id,
    supervision: supervision.id,
    socialWork: socialWork.id,
    record: record.id,
    consent: consent.id,
    staffSub: lawyer.sub,
    officerSub: officer.sub,
    workerSub: worker.sub,
  };
}

/** The URL and body of one call of `op` on the world's resources (or on `id` in its place). */
export function requestFor(op: Operation, world: World, id?: string): { url: string; body: unknown } {
  const spec = OPERATIONS[op.id];
  if (spec?.idIn) {
    const { url, body } = spec.idIn(id ?? world.person, world);
    return { url: url ?? op.path, body: body ?? {} };
  }
  const target = id ?? (spec?.resource ? String(world[spec.resource]) : undefined);
  const url = target === undefined ? op.path : op.path.replace(/\{[^}]+\}/, encodeURIComponent(target));
  return { url: url + (spec?.query ?? ''), body: spec?.body ? spec.body(world) : undefined };
}

/**
 * Sends one request of `op` as `client`. Updates carry `If-Match` (default `"1"`): PUT, PATCH and
 * DELETE always, other methods when `headers` name one.
 */
export function callOperation(
  h: Harness,
  client: Client,
  op: Operation,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const method = op.method.toUpperCase() as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  const all: Record<string, string> = { authorization: `Bearer ${client.token}`, ...headers };
  if (method === 'PUT' || method === 'PATCH' || method === 'DELETE') all['if-match'] ??= '"1"';
  const payload = method === 'GET' || method === 'DELETE' ? undefined : (body ?? {});
  return h.app.inject({
    method,
    url,
    headers: all,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}
