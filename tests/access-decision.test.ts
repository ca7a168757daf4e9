import { describe, expect, it } from 'vitest';
import type { Caller } from '../src/access/caller.js';
import {
  type BreakGlassFacts,
  type CaseFacts,
  type ConsentFacts,
  type CourtOrderFacts,
  type Decision,
  type DecisionInput,
  type PersonFacts,
  decide,
} from '../src/access/decide.js';
import type { SensitiveCategory } from '../src/db/schema/records.js';

/**
 * The access decision as a table (SPEC 4): every rule has a row that would fail if the rule were
 * removed. decide() is pure, so each row is one call with facts built here; no database, no HTTP.
 */
const NOW = new Date('2026-11-28T10:00:00Z');
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

const lawyer: Caller = {
  sub: 'lawyer-1',
  roles: ['legal_aid_lawyer'],
  org: 'legal-aid-1',
  clientId: null,
  scopes: [],
};
const otherLawyer: Caller = { ...lawyer, sub: 'lawyer-2' };
const clerk: Caller = { sub: 'clerk-1', roles: ['court_clerk'], org: 'court-1', clientId: null, scopes: [] };
const otherCourtClerk: Caller = { ...clerk, sub: 'clerk-9', org: 'court-9' };
const officer: Caller = {
  sub: 'officer-1',
  roles: ['probation_officer'],
  org: 'probation-1',
  clientId: null,
  scopes: [],
};
const auditor: Caller = {
  sub: 'auditor-1',
  roles: ['auditor'],
  org: 'oversight',
  clientId: null,
  scopes: [],
};

const baseCase: CaseFacts = {
  id: 'case-1',
  personId: 'child-1',
  courtOrgId: 'court-1',
  referringOrgId: null,
  prosecutionOrgId: 'prosecution-1',
  sealed: false,
  sealedOrderRef: null,
  expunged: false,
  participants: [
    { kind: 'legal_aid', sub: 'lawyer-1', refId: 'assignment-1' },
    { kind: 'supervision', sub: 'officer-1', refId: 'supervision-1' },
  ],
};

const consent = (over: Partial<ConsentFacts> = {}): ConsentFacts => ({
  id: 'consent-1',
  personId: 'child-1',
  categories: ['health'],
  purposes: ['legal_defence'],
  grantee: { type: 'role', value: 'legal_aid_lawyer' },
  validFrom: at(-60),
  validUntil: at(60),
  revokedAt: null,
  ...over,
});

const order = (over: Partial<CourtOrderFacts> = {}): CourtOrderFacts => ({
  id: 'order-1',
  caseId: 'case-1',
  categories: ['health'],
  purposes: ['legal_defence'],
  grantees: [{ type: 'role', value: 'legal_aid_lawyer' }],
  validFrom: at(-60),
  validUntil: null,
  revokedAt: null,
  ...over,
});

const glass = (over: Partial<BreakGlassFacts> = {}): BreakGlassFacts => ({
  id: 'glass-1',
  caseId: 'case-1',
  sub: 'lawyer-1',
  openedAt: at(-5),
  expiresAt: at(55),
  ...over,
});

interface Row {
  name: string;
  caller?: Caller;
  action?: DecisionInput['action'];
  purpose?: string;
  orderRef?: string;
  case?: Partial<CaseFacts> | null;
  categories?: SensitiveCategory[];
  consents?: ConsentFacts[];
  orders?: CourtOrderFacts[];
  breakGlass?: BreakGlassFacts[];
  /** Person-scoped actions: the child's record (registered by court-1). */
  person?: Partial<PersonFacts>;
  /** Leave the sensitive facts out altogether. */
  noSensitiveFacts?: boolean;
  expect:
    | { deny: 403 | 404; reason?: RegExp }
    | {
        basis: string;
        disclosed?: SensitiveCategory[];
        withheld?: SensitiveCategory[];
        via?: string[];
        breakGlass?: boolean;
      };
}

function run(row: Row): Decision {
  const action = row.action ?? 'record:read';
  const sensitive = action === 'record:read' && !row.noSensitiveFacts;
  return decide({
    caller: row.caller ?? lawyer,
    action,
    requestedPurpose: row.purpose ?? null,
    courtOrderReference: row.orderRef ?? null,
    case: row.case === null ? undefined : { ...baseCase, ...row.case },
    person: row.person
      ? { id: 'child-1', createdByOrg: 'court-1', expunged: false, cases: [], ...row.person }
      : undefined,
    sensitive: sensitive
      ? {
          now: NOW,
          categories: row.categories ?? ['health'],
          consents: row.consents ?? [],
          courtOrders: row.orders ?? [],
          breakGlass: row.breakGlass ?? [],
        }
      : undefined,
  });
}

const rows: Row[] = [
  // 1. Role
  { name: 'rule 1: an auditor may not read records at all', caller: auditor, expect: { deny: 403 } },
  {
    name: 'rule 1: a lawyer may not record a court order',
    action: 'court_order:create',
    expect: { deny: 403, reason: /role/ },
  },
  // Purpose of use
  {
    name: 'purpose: a lawyer may not name court_proceeding',
    purpose: 'court_proceeding',
    expect: { deny: 403, reason: /purpose/ },
  },
  {
    name: 'purpose: an officer may name court_proceeding, and a consent for it then applies',
    caller: officer,
    purpose: 'court_proceeding',
    consents: [
      consent({ purposes: ['court_proceeding'], grantee: { type: 'role', value: 'probation_officer' } }),
    ],
    expect: { basis: 'supervision', disclosed: ['health'], via: ['consent:consent-1'] },
  },
  {
    name: 'purpose: the same officer under the default purpose (supervision) is not covered',
    caller: officer,
    consents: [
      consent({ purposes: ['court_proceeding'], grantee: { type: 'role', value: 'probation_officer' } }),
    ],
    expect: { basis: 'supervision', withheld: ['health'] },
  },
  // 2. Relationship
  {
    name: 'rule 2: an unrelated lawyer gets 404',
    caller: otherLawyer,
    consents: [consent()],
    expect: { deny: 404 },
  },
  { name: 'rule 2: a missing case is 404', case: null, expect: { deny: 404 } },
  {
    name: 'rule 2: a clerk of another court gets 404',
    caller: otherCourtClerk,
    action: 'case:read',
    expect: { deny: 404, reason: /not related/ },
  },
  {
    name: 'rule 2: break-glass does not relate an unrelated user',
    caller: otherLawyer,
    breakGlass: [glass({ sub: 'lawyer-2' })],
    expect: { deny: 404 },
  },
  {
    name: 'rule 2: a prosecutor of the office the case is referred to reads it',
    caller: { sub: 'prosecutor-1', roles: ['prosecutor'], org: 'prosecution-1', clientId: null, scopes: [] },
    action: 'case:read',
    expect: { basis: 'prosecution_office' },
  },
  {
    name: 'rule 2: a prosecutor of another office gets 404',
    caller: { sub: 'prosecutor-2', roles: ['prosecutor'], org: 'prosecution-2', clientId: null, scopes: [] },
    action: 'case:read',
    expect: { deny: 404, reason: /not related/ },
  },
  {
    name: 'rule 2: a participant is related only in the role of the relationship (a lawyer acting as officer is not)',
    caller: { ...lawyer, roles: ['probation_officer'] },
    action: 'case:read',
    expect: { deny: 404, reason: /not related/ },
  },
  {
    name: 'rule 2: a partner system is related only to the cases its own organisation referred',
    caller: {
      sub: 'rms-b',
      roles: ['partner_system'],
      org: 'police-b',
      clientId: 'rms-b',
      scopes: ['cases:read'],
    },
    action: 'case:read',
    case: { referringOrgId: 'police-a' },
    expect: { deny: 404, reason: /not related/ },
  },
  {
    name: 'rule 2 (control): the referring partner reads the case it submitted',
    caller: {
      sub: 'rms-a',
      roles: ['partner_system'],
      org: 'police-a',
      clientId: 'rms-a',
      scopes: ['cases:read'],
    },
    action: 'case:read',
    case: { referringOrgId: 'police-a' },
    expect: { basis: 'referrer' },
  },
  {
    name: "oversight: an auditor reads any child's disclosure ledger without a relationship",
    caller: auditor,
    action: 'disclosure:read',
    person: { cases: [] },
    expect: { basis: 'role' },
  },
  {
    name: 'registration: another court does not see a child registered elsewhere with no case',
    caller: otherCourtClerk,
    action: 'person:read',
    person: { cases: [], createdByOrg: 'court-1' },
    expect: { deny: 404, reason: /not related/ },
  },
  {
    name: 'rule 2: the assigned lawyer reads core case data',
    action: 'case:read',
    expect: { basis: 'legal_aid' },
  },
  // 3. Sensitive categories
  { name: 'rule 3: no consent withholds the category', expect: { basis: 'legal_aid', withheld: ['health'] } },
  {
    name: 'rule 3: a consent covering category, purpose and grantee discloses it',
    consents: [consent()],
    expect: { basis: 'legal_aid', disclosed: ['health'], withheld: [], via: ['consent:consent-1'] },
  },
  {
    name: 'rule 3: a sensitive action without its facts is refused (default deny)',
    noSensitiveFacts: true,
    expect: { deny: 403, reason: /sensitive/ },
  },
  {
    name: 'rule 3: a consent for another category does not open health',
    consents: [consent({ categories: ['education'] })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'rule 3: a consent for another purpose does not open it',
    consents: [consent({ purposes: ['social_services'] })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'rule 3: a consent for another role does not open it',
    consents: [consent({ grantee: { type: 'role', value: 'social_worker' } })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'rule 3: a consent for the caller in person opens it',
    consents: [consent({ grantee: { type: 'person', value: 'lawyer-1' } })],
    expect: { basis: 'legal_aid', disclosed: ['health'] },
  },
  {
    name: 'rule 3: a consent for another person does not open it',
    consents: [consent({ grantee: { type: 'person', value: 'lawyer-2' } })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: "rule 3: a consent for the caller's organisation opens it",
    consents: [consent({ grantee: { type: 'organization', value: 'legal-aid-1' } })],
    expect: { basis: 'legal_aid', disclosed: ['health'] },
  },
  {
    name: 'rule 3: a consent for another organisation does not open it',
    consents: [consent({ grantee: { type: 'organization', value: 'legal-aid-2' } })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: "rule 3: another child's consent does not open this child's record",
    consents: [consent({ personId: 'child-2' })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'rule 3: each category is decided on its own',
    categories: ['health', 'education', 'health'],
    consents: [consent({ categories: ['education'] })],
    expect: { basis: 'legal_aid', disclosed: ['education'], withheld: ['health'] },
  },
  {
    name: 'rule 3: the owning court also needs consent for sensitive content',
    caller: clerk,
    expect: { basis: 'owning_court', withheld: ['health'] },
  },
  // 4. Consent lifecycle: revocation and validity period
  {
    name: 'rule 4: a revoked consent no longer opens it',
    consents: [consent({ revokedAt: at(-1) })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'rule 4: a consent revoked at this very instant no longer opens it',
    consents: [consent({ revokedAt: NOW })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'rule 4: a revocation recorded by an instance whose clock runs ahead still counts at once',
    consents: [consent({ revokedAt: at(2) })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'rule 4: an expired consent no longer opens it',
    consents: [consent({ validUntil: at(-1) })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'rule 4: validUntil is exclusive',
    consents: [consent({ validUntil: NOW })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'rule 4: a consent that starts later does not open it yet',
    consents: [consent({ validFrom: at(1) })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'rule 4: validFrom is inclusive and an open-ended consent is active',
    consents: [consent({ validFrom: NOW, validUntil: null })],
    expect: { basis: 'legal_aid', disclosed: ['health'] },
  },
  // Court orders stand in for consent
  {
    name: 'court order: an order on the case covering category, purpose and grantee opens it',
    orders: [order()],
    expect: { basis: 'legal_aid', disclosed: ['health'], via: ['court_order:order-1'] },
  },
  {
    name: 'court order: an order on another case does not',
    orders: [order({ caseId: 'case-2' })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'court order: an order for other grantees does not',
    orders: [order({ grantees: [{ type: 'role', value: 'judge' }] })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'court order: an order for another purpose does not',
    orders: [order({ purposes: ['court_proceeding'] })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'court order: an order past its period does not',
    orders: [order({ validUntil: at(-1) })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'court order: a consent is preferred when both cover the category',
    consents: [consent()],
    orders: [order()],
    expect: { basis: 'legal_aid', disclosed: ['health'], via: ['consent:consent-1'] },
  },
  // 5. Break-glass
  {
    name: "rule 5: the caller's open break-glass opens every category, flagged",
    categories: ['health', 'sexual_abuse'],
    breakGlass: [glass()],
    expect: {
      basis: 'legal_aid',
      disclosed: ['health', 'sexual_abuse'],
      via: ['break_glass:glass-1', 'break_glass:glass-1'],
      breakGlass: true,
    },
  },
  {
    name: 'rule 5: an expired break-glass opens nothing',
    breakGlass: [glass({ expiresAt: NOW })],
    expect: { basis: 'legal_aid', withheld: ['health'], breakGlass: false },
  },
  {
    name: "rule 5: another user's break-glass opens nothing for the caller",
    breakGlass: [glass({ sub: 'officer-1' })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'rule 5: a break-glass on another case opens nothing',
    breakGlass: [glass({ caseId: 'case-2' })],
    expect: { basis: 'legal_aid', withheld: ['health'] },
  },
  {
    name: 'rule 5: break-glass is not used (nor flagged) when consent covers the category',
    consents: [consent()],
    breakGlass: [glass()],
    expect: { basis: 'legal_aid', disclosed: ['health'], via: ['consent:consent-1'], breakGlass: false },
  },
  // 6. Sealing and expungement
  {
    name: 'rule 6: a sealed case is 404 for its lawyer, consent or not',
    case: { sealed: true, sealedOrderRef: 'SEAL-1' },
    consents: [consent()],
    expect: { deny: 404, reason: /sealed/ },
  },
  {
    name: 'rule 6: a sealed case is 404 for the sealing court without the order',
    caller: clerk,
    action: 'case:read',
    case: { sealed: true, sealedOrderRef: 'SEAL-1' },
    expect: { deny: 404, reason: /sealed/ },
  },
  {
    name: 'rule 6: a sealed case is 404 for the sealing court naming another order',
    caller: clerk,
    action: 'case:read',
    orderRef: 'SEAL-2',
    case: { sealed: true, sealedOrderRef: 'SEAL-1' },
    expect: { deny: 404 },
  },
  {
    name: 'rule 6: the sealing court acting with the order reads the sealed case',
    caller: clerk,
    action: 'case:read',
    orderRef: 'SEAL-1',
    case: { sealed: true, sealedOrderRef: 'SEAL-1' },
    expect: { basis: 'sealing_order' },
  },
  {
    name: 'rule 6: the sealing court naming the order writes nothing to the sealed case (matrix finding)',
    caller: clerk,
    action: 'record:create',
    orderRef: 'SEAL-1',
    case: { sealed: true, sealedOrderRef: 'SEAL-1' },
    expect: { deny: 404, reason: /read-only/ },
  },
  {
    name: 'rule 6: nor records a consent for a child whose every case is sealed',
    caller: clerk,
    action: 'consent:create',
    orderRef: 'SEAL-1',
    person: { createdByOrg: 'court-1', cases: [{ ...baseCase, sealed: true, sealedOrderRef: 'SEAL-1' }] },
    expect: { deny: 404 },
  },
  {
    name: 'rule 6: another court with the right reference still gets 404',
    caller: otherCourtClerk,
    action: 'case:read',
    orderRef: 'SEAL-1',
    case: { sealed: true, sealedOrderRef: 'SEAL-1' },
    expect: { deny: 404 },
  },
  {
    name: 'rule 6: the sealing court with the order still needs consent for sensitive content',
    caller: clerk,
    orderRef: 'SEAL-1',
    case: { sealed: true, sealedOrderRef: 'SEAL-1' },
    expect: { basis: 'sealing_order', withheld: ['health'] },
  },
  {
    name: 'rule 6: an expunged case is 404 even for the sealing court with the order',
    caller: clerk,
    action: 'case:read',
    orderRef: 'SEAL-1',
    case: { sealed: true, sealedOrderRef: 'SEAL-1', expunged: true },
    expect: { deny: 404, reason: /expunged/ },
  },
  {
    name: 'rule 6: a child whose every case is sealed is 404 even to the registering court',
    caller: clerk,
    action: 'person:read',
    person: { cases: [{ ...baseCase, courtOrgId: 'court-2', sealed: true, sealedOrderRef: 'SEAL-1' }] },
    expect: { deny: 404, reason: /sealed/ },
  },
  {
    name: 'rule 6 (control): the registering court sees a child whose case is not sealed elsewhere',
    caller: clerk,
    action: 'person:read',
    person: { cases: [{ ...baseCase, courtOrgId: 'court-2' }] },
    expect: { basis: 'registering_org' },
  },
  // Corrections (issue 14, capability 7): the court's clerk only; sealed only with the sealing order.
  {
    name: 'corrections: the owning court corrects its case',
    caller: clerk,
    action: 'case:correct',
    expect: { basis: 'owning_court' },
  },
  {
    name: 'corrections: the accepted lawyer reads the case but may not correct it',
    action: 'case:correct',
    expect: { deny: 403 },
  },
  {
    name: 'corrections: another court gets 404',
    caller: otherCourtClerk,
    action: 'case:correct',
    expect: { deny: 404 },
  },
  {
    name: 'corrections: a sealed case only with its order',
    caller: clerk,
    action: 'case:correct',
    case: { sealed: true, sealedOrderRef: 'SEAL-1' },
    expect: { deny: 404, reason: /sealed/ },
  },
  {
    name: 'corrections: the sealing court naming its order corrects the sealed case',
    caller: clerk,
    action: 'case:correct',
    orderRef: 'SEAL-1',
    case: { sealed: true, sealedOrderRef: 'SEAL-1' },
    expect: { basis: 'sealing_order' },
  },
  {
    name: "corrections: a child's details by a court owning one of the child's cases",
    caller: otherCourtClerk,
    action: 'person:correct',
    person: { createdByOrg: 'court-1', cases: [{ ...baseCase, courtOrgId: 'court-9' }] },
    expect: { basis: 'owning_court' },
  },
  {
    name: "corrections: a child's details not by an unrelated court",
    caller: otherCourtClerk,
    action: 'person:correct',
    person: { createdByOrg: 'court-1', cases: [baseCase] },
    expect: { deny: 404 },
  },
  {
    name: "corrections: a child's details not by an assigned lawyer",
    action: 'person:correct',
    person: { cases: [baseCase] },
    expect: { deny: 403 },
  },
  // Transfers and referrals (issue 14, capability 11): the receiving organisation, while open.
  {
    name: 'handovers: the receiving court reads the transfer sent to it',
    caller: otherCourtClerk,
    action: 'transfer:read',
    case: { incoming: [{ kind: 'case_transfer', orgId: 'court-9', refId: 'transfer-1' }] },
    expect: { basis: 'receiving_org' },
  },
  {
    name: 'handovers: ... but not the case itself before acceptance',
    caller: otherCourtClerk,
    action: 'case:read',
    case: { incoming: [{ kind: 'case_transfer', orgId: 'court-9', refId: 'transfer-1' }] },
    expect: { deny: 404 },
  },
  {
    name: 'handovers: the sending court may not answer its own transfer',
    caller: clerk,
    action: 'transfer:respond',
    case: { incoming: [{ kind: 'case_transfer', orgId: 'court-9', refId: 'transfer-1' }] },
    expect: { deny: 404 },
  },
  {
    name: 'handovers: a receiving organisation acts only in the role that answers that kind',
    caller: { ...officer, org: 'court-9' },
    action: 'transfer:respond',
    case: { incoming: [{ kind: 'case_transfer', orgId: 'court-9', refId: 'transfer-1' }] },
    expect: { deny: 404 },
  },
  {
    name: 'handovers: a closed handover relates nobody',
    caller: otherCourtClerk,
    action: 'transfer:read',
    case: { incoming: [] },
    expect: { deny: 404 },
  },
];

describe('the access decision table', () => {
  it.each(rows)('$name', (row) => {
    const d = run(row);
    if ('deny' in row.expect) {
      expect(d.allow).toBe(false);
      if (d.allow) return;
      expect(d.status).toBe(row.expect.deny);
      if (row.expect.reason) expect(d.reason).toMatch(row.expect.reason);
      return;
    }
    expect(d.allow, d.allow ? '' : d.reason).toBe(true);
    if (!d.allow) return;
    expect(d.basis.type).toBe(row.expect.basis);
    if (row.expect.disclosed) expect(d.disclosure?.disclosed).toEqual(row.expect.disclosed);
    if (row.expect.withheld) expect(d.disclosure?.withheld).toEqual(row.expect.withheld);
    if (row.expect.via)
      expect(d.disclosure?.bases.map((b) => `${b.basis.type}:${b.basis.id}`)).toEqual(row.expect.via);
    if (row.expect.breakGlass !== undefined) expect(d.disclosure?.breakGlass).toBe(row.expect.breakGlass);
    if (d.disclosure && !row.expect.disclosed?.length) expect(d.disclosure.bases).toEqual([]);
  });

  it('is pure: the same input gives the same answer and is not mutated', () => {
    const input: DecisionInput = {
      caller: lawyer,
      action: 'record:read',
      case: baseCase,
      sensitive: { now: NOW, categories: ['health'], consents: [consent()], courtOrders: [], breakGlass: [] },
    };
    const copy = structuredClone(input);
    expect(decide(input)).toEqual(decide(input));
    expect(input).toEqual(copy);
  });
});
