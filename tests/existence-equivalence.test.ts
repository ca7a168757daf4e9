import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { createStaff } from './helpers/case-path.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

/**
 * Existence must not show through the answer (SPEC 4.2, issue 8): for every operation of the
 * served OpenAPI document, every role, acting outside the resource's court and relationships,
 * gets the same status and the same body for the id of a real resource as for a random id.
 * A new operation that is not in OPERATIONS below fails the first test.
 */
let h: Harness;
beforeAll(async () => {
  // A webhook target on the loopback (nothing listens there; no delivery matters to this test).
  h = await createHarness({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_POLL_INTERVAL_MS: '60000' });
});
afterAll(async () => h?.close());

const now = () => new Date().toISOString();
/** A calendar day `days` from today (UTC): supervision periods start after the disposition. */
const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const ok = (res: LightMyRequestResponse, status = 201) => {
  if (res.statusCode !== status) throw new Error(`setup: ${res.statusCode} ${res.body}`);
  return res.json();
};

/** The real resources, all of court A, which none of the callers below is related to. */
interface World {
  court: string;
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
}

/** How one operation is called: the real resource its path names, and a valid body. */
interface Spec {
  /** The World key of the resource the path's id names; absent: the operation names no resource. */
  resource?: keyof World;
  body?: (w: World) => unknown;
  /** For operations that name no resource in the path: where the id goes (query or body). */
  idIn?: (id: string, w: World) => { url?: string; body?: unknown };
  /** Roles that may see the real resource by design (directory, oversight): compared no further. */
  sees?: string[];
  why?: string;
}

const reason = { reason: 'A reason long enough for the record' };
/** Who reads the registry of detention places (facility:read). */
const REGISTRY_READERS = [
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
const OPERATIONS: Record<string, Spec> = {
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
  createOrganization: { why: 'no resource (administrators register organisations)' },
  listOrganizations: { why: 'no resource' },
  getOrganization: {
    resource: 'court',
    sees: ['admin', 'court_clerk', 'judge', 'auditor'],
    why: 'the organisation directory is not case data',
  },
  createPerson: { why: 'no resource' },
  matchPersons: { why: 'no resource: matches are minimal by design' },
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
  createFacility: { why: 'no resource (administrators register detention places)' },
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
  createWebhookSubscription: { why: 'no resource' },
  listWebhookSubscriptions: { why: 'no resource: the caller’s own subscriptions' },
  getWebhookSubscription: { resource: 'webhook' },
  deleteWebhookSubscription: { resource: 'webhook' },
  pauseWebhookSubscription: { resource: 'webhook', body: () => ({}) },
  resumeWebhookSubscription: { resource: 'webhook', body: () => ({}) },
  rotateWebhookSecret: { resource: 'webhook', body: () => ({}) },
  listWebhookDeliveries: { resource: 'webhook' },
  replayWebhookDeliveries: { resource: 'webhook', body: () => ({}) },
  getIndicators: { why: 'no resource: de-identified figures' },
  putPopulation: { why: 'no resource: population figures, no personal data' },
  listPartnerClients: { why: 'no resource' },
  registerPartnerClient: { why: 'no resource (administrators register partner clients)' },
  getPartnerClient: { resource: 'partnerClient', sees: ['admin'], why: 'the partner client directory' },
  deletePartnerClient: { resource: 'partnerClient', sees: ['admin'], why: 'the partner client directory' },
  getIndicatorReport: { why: 'no resource: de-identified figures' },
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
};

interface Operation {
  id: string;
  method: string;
  path: string;
}

function operations(): Operation[] {
  const doc = h.app.swagger() as unknown as {
    paths: Record<string, Record<string, { operationId: string }>>;
  };
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) out.push({ id: op.operationId, method, path });
  }
  return out;
}

/** A court A with a child, two cases and one of every resource the API addresses by id. */
async function buildWorld(): Promise<World> {
  const court = await createOrg(h, 'court');
  const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
  const person = await createPerson(clerk);
  const kase = await createCase(clerk, person.id);
  const lawyer = await createStaff(h, 'legal_aid_lawyer');
  const officer = await createStaff(h, 'probation_officer');
  const worker = await createStaff(h, 'social_worker');
  const custody = ok(
    await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
      kind: 'pre_trial',
      facility: 'Centre',
      startedAt: '2026-11-01T12:30:00Z',
    }),
  );
  const assignment = ok(
    await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub }),
  );
  ok(await lawyer.post(`/v1/legal-aid/assignments/${assignment.id}/accept`, {}), 200);
  const socialWork = ok(
    await clerk.post(`/v1/cases/${kase.id}/social-work-assignments`, { socialWorkerSub: worker.sub }),
  );
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
  const second = await createCase(clerk, person.id, { detained: false });
  const diversion = ok(
    await clerk.post(`/v1/cases/${second.id}/diversions`, { provider: 'Youth centre', conditions: ['a'] }),
  );
  const record = ok(
    await clerk.post(`/v1/cases/${second.id}/records`, { category: 'health', title: 'T', content: 'C' }),
  );
  const consent = ok(
    await clerk.post(`/v1/persons/${person.id}/consents`, {
      grantor: { kind: 'guardian', name: 'A Guardian' },
      grantee: { type: 'role', value: 'judge' },
      categories: ['health'],
      purposes: ['court_proceeding'],
      evidenceReference: 'signed-form:F-2',
    }),
  );
  const courtOrder = ok(
    await clerk.post(`/v1/cases/${kase.id}/court-orders`, {
      reference: uid('CO'),
      categories: ['health'],
      purposes: ['court_proceeding'],
      grantees: [{ type: 'role', value: 'judge' }],
    }),
  );
  const breakGlass = ok(
    await clerk.post(`/v1/cases/${kase.id}/break-glass`, {
      reason: 'Emergency: the child is in hospital now',
    }),
  );
  // A detained child with no hearing yet: the detention alert stands on this case.
  const detained = await createCase(clerk, person.id, { detained: true });
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
  const partner = await h.as({
    sub: uid('client'),
    roles: ['partner_system'],
    org: await createOrg(h, 'police'),
    scope: 'events:read cases:read',
    clientId: uid('rms'),
  });
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
  // A case transfer and a social-services referral, both pending, to organisations of their own.
  const transfer = ok(
    await clerk.post(`/v1/cases/${detained.id}/transfers`, {
      toCourtOrgId: await createOrg(h, 'court'),
      reason: 'The family moved',
    }),
  );
  const referral = ok(
    await clerk.post(`/v1/cases/${second.id}/referrals`, {
      receivingOrgId: await createOrg(h, 'social_services'),
      service: 'Counselling',
    }),
  );
  return {
    court,
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

/** One caller per role, in organisations of their own: related to nothing of court A. */
async function strangers(): Promise<Record<string, Client>> {
  const court = await createOrg(h, 'court');
  const office = await createOrg(h, 'prosecution');
  const one = (role: string, org: string, extra: Record<string, string> = {}) =>
    h.as({ sub: uid(role), roles: [role], org, ...extra });
  return {
    court_clerk: await one('court_clerk', court),
    judge: await one('judge', court),
    prosecutor: await one('prosecutor', office),
    legal_aid_lawyer: await one('legal_aid_lawyer', uid('legal-aid')),
    probation_officer: await one('probation_officer', uid('probation')),
    social_worker: await one('social_worker', uid('social')),
    auditor: await one('auditor', 'oversight'),
    analyst: await one('analyst', 'statistics'),
    admin: await one('admin', 'ministry'),
    partner_system: await one('partner_system', uid('police'), {
      scope: 'cases:read cases:write arrests:write events:read',
      clientId: uid('client'),
    }),
  };
}

/** What the caller learns from an answer: its status and body, without the per-request fields. */
function answer(res: LightMyRequestResponse) {
  let body: unknown = res.body;
  try {
    body = JSON.parse(res.body);
  } catch {}
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const { requestId: _r, instance: _i, ...rest } = body as Record<string, unknown>;
    body = rest;
  }
  return { status: res.statusCode, body };
}

async function call(client: Client, op: Operation, url: string, body: unknown) {
  const method = op.method.toUpperCase();
  if (method === 'GET') return client.get(url);
  if (method === 'PUT') return client.put(url, body, { 'if-match': '"1"' });
  if (method === 'PATCH' || method === 'DELETE') {
    return h.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${client.token}`, 'if-match': '"1"' },
      ...(method === 'PATCH' ? { payload: body as object } : {}),
    });
  }
  return client.post(url, body);
}

describe('existence does not show through the answer', () => {
  it('knows every operation of the OpenAPI document', () => {
    const missing = operations()
      .map((o) => o.id)
      .filter((id) => !(id in OPERATIONS));
    expect(missing, 'operations without an entry in OPERATIONS').toEqual([]);
  });

  it('answers every role the same for a real id it may not see as for a random id, on every operation', async () => {
    const world = await buildWorld();
    const callers = await strangers();
    const differences: string[] = [];
    let compared = 0;
    const statuses: Record<number, number> = {};
    for (const op of operations()) {
      const spec = OPERATIONS[op.id];
      if (!spec || (!spec.resource && !spec.idIn)) continue;
      for (const [role, client] of Object.entries(callers)) {
        if (spec.sees?.includes(role)) continue;
        const request = (id: string) => {
          if (spec.idIn) {
            const { url, body } = spec.idIn(id, world);
            return call(client, op, url ?? `/v1${op.path.replace(/^\/v1/, '')}`, body ?? {});
          }
          const url = op.path.replace(/\{[^}]+\}/, id);
          return call(client, op, url, spec.body ? spec.body(world) : undefined);
        };
        const realId = spec.idIn ? world.person : world[spec.resource!];
        const randomId =
          spec.resource === 'staffSub' || spec.resource === 'court' || spec.resource === 'partnerClient'
            ? uid('nobody')
            : spec.resource === 'alert'
              ? `detained_without_first_hearing:${randomUUID()}:${randomUUID()}`
              : randomUUID();
        const real = answer(await request(realId));
        const random = answer(await request(randomId));
        compared++;
        statuses[real.status] = (statuses[real.status] ?? 0) + 1;
        // A body the schema refuses never reaches the access decision: the comparison would prove nothing.
        if (real.status === 400)
          differences.push(`${op.id} as ${role}: the test's body is invalid: ${JSON.stringify(real.body)}`);
        if (JSON.stringify(real) !== JSON.stringify(random)) {
          differences.push(
            `${op.id} as ${role}: real ${real.status} ${JSON.stringify(real.body)} / random ${random.status} ${JSON.stringify(random.body)}`,
          );
        }
      }
    }
    expect(compared).toBeGreaterThan(400);
    // Both answers occur: roles that may take the action (404) and roles that may not (403).
    expect(statuses[404]).toBeGreaterThan(100);
    expect(statuses[403]).toBeGreaterThan(100);
    expect(differences).toEqual([]);
  }, 240_000);
});
