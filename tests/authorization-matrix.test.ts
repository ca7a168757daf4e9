import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PartnerKind, RULES, type Role, type Rule, SCOPES, type Scope } from './authz/matrix.js';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { createStaff } from './helpers/case-path.js';
import { caseBody, createCase, createOrg, createPerson } from './helpers/factories.js';
import {
  type Operation,
  type World,
  buildWorld,
  callOperation,
  OPERATIONS,
  ok,
  operationsOf,
  requestFor,
} from './helpers/operations.js';

/**
 * Issue 9, item 11: the authorization matrix. Every rule of tests/authz/matrix.ts is expanded into
 * cells (role or partner scope variant x related or not x consent or not x sealed or not) and each
 * cell is one real request through app.inject against a real database, on the resources of three
 * worlds of the same court and the same related people: one open, one whose child consented to
 * everything, one whose cases are all sealed. A stale `If-Match` rides on every command, so an
 * allowed command answers 412 and the worlds stay as they were (creations add, and run last).
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_POLL_INTERVAL_MS: '60000' });
});
afterAll(async () => h?.close());

type Variant = 'open' | 'consented' | 'sealed';
const SEAL_ORDER = `SEAL-${uid('order')}`;
const STALE = '"999"';
const COURT: readonly Role[] = ['court_clerk', 'judge'];
/** Roles with no relationship to a case or child: the same caller stands for related and not. */
const UNRELATABLE: readonly Role[] = ['auditor', 'analyst', 'admin'];

interface Parties {
  court: string;
  related: Record<Role, Client>;
  stranger: Record<Role, Client>;
  /** The receiving organisations' people: the transfer's court, the referral's office. */
  receiving: Partial<Record<Role, Client>>;
  /** A partner system's token of that kind, related or not, asking for `scopes`. */
  partner(kind: PartnerKind, related: boolean, scopes: readonly string[]): Promise<Client>;
  spareChild: string;
  worlds: Record<Variant, World>;
  /** Valid bodies naming organisations of the parties (the receiving ends of handovers). */
  bodies: Record<string, () => unknown>;
  /** A fresh resource of its own for one cell of an operation marked `fresh`. */
  fresh(op: Operation): Promise<string>;
}

async function buildParties(): Promise<Parties> {
  const court = await createOrg(h, 'court');
  const otherCourt = await createOrg(h, 'court');
  const transferTo = await createOrg(h, 'court');
  const office = await createOrg(h, 'prosecution');
  const otherOffice = await createOrg(h, 'prosecution');
  const police = await createOrg(h, 'police');
  const otherPolice = await createOrg(h, 'police');
  const referTo = await createOrg(h, 'social_services');
  const as = (role: Role, org: string) => h.as({ sub: uid(role), roles: [role], org });
  const lawyer = await createStaff(h, 'legal_aid_lawyer');
  const officer = await createStaff(h, 'probation_officer');
  const worker = await createStaff(h, 'social_worker', { org: referTo });
  const admin = await as('admin', 'ministry');
  // One partner client per kind, related (of the organisation related to the world's cases) or not.
  const partnerOrgs: Record<PartnerKind, Record<'true' | 'false', string>> = {
    police: { true: police, false: otherPolice },
    court: { true: court, false: otherCourt },
    probation: { true: officer.org, false: await createOrg(h, 'probation') },
    social_services: { true: referTo, false: await createOrg(h, 'social_services') },
  };
  const clients = new Map<string, string>();
  const tokens = new Map<string, Client>();
  const partner = async (kind: PartnerKind, related: boolean, scopes: readonly string[]) => {
    const org = partnerOrgs[kind][String(related) as 'true' | 'false'];
    if (!clients.has(org)) {
      // The client is allowed every scope; each token asks for its variant's.
      const clientId = uid(`${kind}-system`);
      if (kind === 'police') {
        await h.as({ sub: clientId, roles: ['partner_system'], org, clientId, scope: SCOPES.join(' ') });
      } else {
        ok(await admin.post('/v1/partner-clients', { clientId, orgId: org, kind, allowedScopes: SCOPES }));
      }
      clients.set(org, clientId);
    }
    const clientId = clients.get(org)!;
    const key = `${clientId}:${scopes.join(' ')}`;
    if (!tokens.has(key)) {
      const token = await h.issuer.sign({
        sub: clientId,
        roles: ['partner_system'],
        org,
        clientId,
        ...(scopes.length ? { scope: scopes.join(' ') } : {}),
      });
      tokens.set(key, clientOf(token));
    }
    return tokens.get(key)!;
  };
  const related: Record<Role, Client> = {
    court_clerk: await as('court_clerk', court),
    judge: await as('judge', court),
    prosecutor: await as('prosecutor', office),
    legal_aid_lawyer: lawyer,
    probation_officer: officer,
    social_worker: worker,
    auditor: await as('auditor', 'oversight'),
    analyst: await as('analyst', 'statistics'),
    admin,
    partner_system: await partner('police', true, SCOPES),
  };
  const stranger: Record<Role, Client> = {
    ...related,
    court_clerk: await as('court_clerk', otherCourt),
    judge: await as('judge', otherCourt),
    prosecutor: await as('prosecutor', otherOffice),
    legal_aid_lawyer: await createStaff(h, 'legal_aid_lawyer'),
    probation_officer: await createStaff(h, 'probation_officer'),
    social_worker: await createStaff(h, 'social_worker'),
    partner_system: await partner('police', false, SCOPES),
  };
  const receiving = {
    court_clerk: await as('court_clerk', transferTo),
    judge: await as('judge', transferTo),
    social_worker: worker,
  };
  const world = () =>
    buildWorld(h, {
      court,
      clerk: related.court_clerk,
      referrer: related.partner_system,
      prosecutionOrgId: office,
      lawyer,
      officer,
      worker,
      webhookOwner: related.partner_system,
      transferTo,
      referTo,
      relateEverywhere: true,
    });
  const reviewed = async (w: World) => {
    // Reviewed once, so every allowed review answers 409 and the cells do not depend on their order.
    ok(
      await related.auditor.post(`/v1/break-glass/${w.breakGlass}/review`, {
        verdict: 'justified',
        note: 'Reviewed',
      }),
      200,
    );
    return w;
  };
  const open = await reviewed(await world());
  const consented = await reviewed(await world());
  await consentToEverything(consented, related);
  const sealed = await reviewed(await world());
  for (const id of sealed.cases) {
    ok(await related.court_clerk.post(`/v1/cases/${id}/seal`, { orderReference: SEAL_ORDER }), 200);
  }
  const spareChild = (await createPerson(related.court_clerk)).id;
  const otherProbation = await createOrg(h, 'probation');
  const otherServices = await createOrg(h, 'social_services');
  const fresh = async (op: Operation): Promise<string> => {
    const resource = OPERATIONS[op.id]?.resource;
    if (resource === 'kase') {
      const child = await createPerson(related.court_clerk);
      return (await createCase(related.court_clerk, child.id)).id;
    }
    if (resource === 'webhook') {
      return ok(
        await related.partner_system.post('/v1/webhook-subscriptions', { url: 'http://127.0.0.1:9/hook' }),
      ).id;
    }
    if (resource === 'partnerClient') {
      const clientId = uid('client');
      ok(
        await related.admin.post('/v1/partner-clients', {
          clientId,
          orgId: police,
          kind: 'police',
          allowedScopes: ['cases:read'],
        }),
      );
      return clientId;
    }
    throw new Error(`no fresh ${String(resource)} for ${op.id}`);
  };
  return {
    fresh,
    bodies: {
      transferCase: () => ({ toCourtOrgId: transferTo, reason: 'The family moved' }),
      transferSupervision: () => ({ toOrgId: otherProbation, reason: 'The family moved' }),
      referCase: () => ({ receivingOrgId: otherServices, service: 'Counselling' }),
      mergePerson: () => ({ survivorId: spareChild, survivorVersion: 999, reason: 'Same child' }),
    },
    court,
    related,
    stranger,
    receiving,
    partner,
    spareChild,
    worlds: { open, consented, sealed },
  };
}

/** A consent of the child to every category, for every purpose, to each professional role. */
async function consentToEverything(w: World, related: Record<Role, Client>) {
  const categories = [
    'health',
    'mental_health',
    'substance_use',
    'sexual_abuse',
    'family_social',
    'education',
    'victim_identity',
  ];
  const purposes = ['court_proceeding', 'legal_defence', 'supervision', 'social_services', 'prosecution'];
  for (const role of [
    'court_clerk',
    'judge',
    'prosecutor',
    'legal_aid_lawyer',
    'probation_officer',
    'social_worker',
  ]) {
    // Recorded by someone who is not its grantee, so it needs no confirmation (issue 8).
    const recorder = role === 'court_clerk' ? related.social_worker : related.court_clerk;
    ok(
      await recorder.post(`/v1/persons/${w.person}/consents`, {
        grantor: { kind: 'child' },
        grantee: { type: 'role', value: role },
        categories,
        purposes,
        evidenceReference: 'signed-form:F-ALL',
      }),
    );
  }
}

function clientOf(token: string): Client {
  const send = (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    headers = {},
  ) =>
    h.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    });
  return {
    token,
    get: (url, headers) => send('GET', url, undefined, headers),
    post: (url, body, headers) => send('POST', url, body ?? {}, headers),
    put: (url, body, headers) => send('PUT', url, body ?? {}, headers),
    patch: (url, body, headers) => send('PATCH', url, body ?? {}, headers),
    delete: (url, headers) => send('DELETE', url, undefined, headers),
  };
}

/** One cell: who calls, in which world, and what the table says the answer is. */
interface Cell {
  op: Operation;
  role: Role;
  /** The partner's kind and scopes, for partner variants. */
  kind?: PartnerKind;
  scopes?: readonly string[];
  label: string;
  related: boolean | null;
  variant: Variant;
  expected: string;
}

/**
 * The partner variants of an operation: a partner of the kind that may act (police by default)
 * with every scope, none, only each scope the operation takes, and every scope but those; and, for
 * an operation of other kinds, a police system with every scope.
 */
function partnerVariants(rule: Rule): { label: string; kind: PartnerKind; scopes: readonly string[] }[] {
  const kind = rule.partnerKinds?.[0] ?? 'police';
  const named = (rule.scope === undefined ? [] : [rule.scope].flat()) as Scope[];
  const out = [
    { label: `partner_system(${kind})[all]`, kind, scopes: SCOPES },
    { label: `partner_system(${kind})[none]`, kind, scopes: [] as readonly string[] },
  ];
  for (const s of named) out.push({ label: `partner_system(${kind})[only ${s}]`, kind, scopes: [s] });
  if (named.length) {
    out.push({
      label: `partner_system(${kind})[all but ${named.join(',')}]`,
      kind,
      scopes: SCOPES.filter((s) => !named.includes(s)),
    });
  }
  if (rule.partnerKinds && !rule.partnerKinds.includes('police')) {
    out.push({ label: 'partner_system(police)[all]', kind: 'police', scopes: SCOPES });
  }
  return out;
}

/** Whether the operation's resource is on the world's first case, the only one the officer supervises. */
function onFirstCase(op: Operation): boolean {
  return !['diversion', 'condition', 'transfer', 'alert'].includes(String(OPERATIONS[op.id]?.resource));
}

/** The expected answer of one cell, from the rule alone. */
function expectedOf(
  rule: Rule,
  role: Role,
  kind: PartnerKind,
  scopes: readonly string[],
  related: boolean | null,
  variant: Variant,
): string {
  if (rule.public !== undefined) return String(rule.public);
  if (!rule.roles!.includes(role)) return '403';
  if (role === 'partner_system') {
    if (rule.partnerKinds && !rule.partnerKinds.includes(kind)) return '403';
    if (rule.scope && ![rule.scope].flat().some((s) => scopes.includes(s))) return '403';
  }
  const ok = String(rule.okFor?.[role] ?? rule.ok);
  if (rule.on === 'role') return ok;
  const oversees = !!rule.oversight?.includes(role);
  const sees = (related === true && !rule.notRelated?.includes(role)) || oversees;
  if (variant === 'sealed') {
    // Rule 6: only the sealing court naming the order, and only to read (and oversight).
    if (!(oversees || (rule.sealedRead && related && COURT.includes(role)))) return '404';
  } else if (!sees) return '404';
  // The consented world's consents name the professional roles, not partner systems.
  if (rule.sensitive && ok === '200')
    return variant === 'consented' && role !== 'partner_system' ? '200 disclosed' : '200 withheld';
  return ok;
}

function cellsOf(op: Operation, rule: Rule): Omit<Cell, 'expected'>[] {
  const variants: Variant[] =
    rule.on === 'case' || rule.on === 'person' || rule.on === 'receiving'
      ? ['open', 'sealed', ...(rule.sensitive ? (['consented'] as const) : [])]
      : ['open'];
  const out: Omit<Cell, 'expected'>[] = [];
  for (const variant of variants) {
    const relations: (boolean | null)[] =
      rule.on === 'role' || rule.public !== undefined ? [null] : [true, false];
    for (const related of relations) {
      for (const role of [
        'court_clerk',
        'judge',
        'prosecutor',
        'legal_aid_lawyer',
        'probation_officer',
        'social_worker',
        'auditor',
        'analyst',
        'admin',
      ] as Role[]) {
        if (related === false && UNRELATABLE.includes(role)) continue;
        out.push({ op, role, label: role, related: UNRELATABLE.includes(role) ? null : related, variant });
      }
      for (const p of partnerVariants(rule))
        out.push({
          op,
          role: 'partner_system',
          kind: p.kind,
          scopes: p.scopes,
          label: p.label,
          related,
          variant,
        });
    }
  }
  return out;
}

/** Whether any part of the answer says content was withheld. */
function withholds(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(withholds);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.withheld === true) return true;
    if (Array.isArray(o.categoriesWithheld) && o.categoriesWithheld.length > 0) return true;
    return Object.values(o).some(withholds);
  }
  return false;
}

async function clientFor(p: Parties, cell: Cell, rule: Rule): Promise<Client> {
  if (cell.role === 'partner_system')
    return p.partner(cell.kind!, cell.related !== false, cell.scopes ?? SCOPES);
  if (cell.related === false) return p.stranger[cell.role];
  if (rule.on === 'receiving' && p.receiving[cell.role]) return p.receiving[cell.role]!;
  return p.related[cell.role];
}

async function run(
  p: Parties,
  cell: Cell,
  rule: Rule,
): Promise<{ actual: string; res: LightMyRequestResponse }> {
  const world = p.worlds[cell.variant];
  const freshId = rule.fresh && cell.variant === 'open' ? await p.fresh(cell.op) : undefined;
  let { url, body } = requestFor(cell.op, world, freshId);
  if (p.bodies[cell.op.id]) body = p.bodies[cell.op.id]();
  if (cell.op.id === 'createCase') {
    body = caseBody(
      p.spareChild,
      cell.role === 'partner_system' ? { intakeKind: 'referral', courtOrgId: p.court } : {},
    );
  }
  const headers: Record<string, string> = {};
  if (cell.op.method !== 'get') headers['if-match'] = STALE;
  if (cell.variant === 'sealed') headers['court-order-reference'] = SEAL_ORDER;
  let res: LightMyRequestResponse;
  if (rule.public !== undefined) res = await h.app.inject({ method: 'GET', url });
  else res = await callOperation(h, await clientFor(p, cell, rule), cell.op, url, body, headers);
  let actual = String(res.statusCode);
  if (rule.sensitive && res.statusCode === 200) actual += withholds(res.json()) ? ' withheld' : ' disclosed';
  return { actual, res };
}

/** Runs `tasks` with at most `n` at a time. */
async function pool<T>(items: T[], n: number, task: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

describe('authorization matrix', () => {
  it('has a rule for every operation of the OpenAPI document, and nothing else', () => {
    const ids = operationsOf(h.app).map((o) => o.id);
    expect(
      ids.filter((id) => !(id in RULES)),
      'operations the matrix does not cover',
    ).toEqual([]);
    expect(
      Object.keys(RULES).filter((id) => !ids.includes(id)),
      'rules of no operation',
    ).toEqual([]);
  });

  // PostgreSQL only: the decisions do not depend on the backend, and the 4,300 requests take
  // about 4.5 minutes on PGlite (one connection) against under 2 on PostgreSQL (four at a time).
  it('answers every cell as the table says', async (ctx) => {
    if (h.testDb.backend === 'pglite') ctx.skip();
    const p = await buildParties();
    const ops = operationsOf(h.app).filter((o) => RULES[o.id]);
    const cells: Cell[] = [];
    for (const op of ops) {
      const rule = RULES[op.id];
      for (const c of cellsOf(op, rule)) {
        // The officer (and the probation system of the office) supervises the first case only.
        const probation = c.role === 'probation_officer' || c.kind === 'probation';
        const related =
          c.related === true && probation && rule.on === 'case' && !onFirstCase(op) ? false : c.related;
        cells.push({
          ...c,
          expected: expectedOf(rule, c.role, c.kind ?? 'police', c.scopes ?? SCOPES, related, c.variant),
        });
      }
    }
    // Reads first, then commands (stale If-Match), then creations, which add to the worlds, then
    // what acts on fresh resources. Operations run four at a time, the cells of one in order.
    const phase = (c: Cell) => {
      const rule = RULES[c.op.id];
      if (rule.fresh) return 3;
      return c.op.method === 'get' ? 0 : rule.ok === 412 ? 1 : 2;
    };
    const mismatches: string[] = [];
    const counts: Record<string, number> = {};
    for (const n of [0, 1, 2, 3]) {
      const byOp = new Map<string, Cell[]>();
      for (const c of cells.filter((c) => phase(c) === n))
        byOp.set(c.op.id, [...(byOp.get(c.op.id) ?? []), c]);
      await pool([...byOp.values()], 4, async (opCells) => {
        for (const cell of opCells) {
          const rule = RULES[cell.op.id];
          const { actual, res } = await run(p, cell, rule);
          counts[cell.expected] = (counts[cell.expected] ?? 0) + 1;
          if (actual !== cell.expected) {
            mismatches.push(
              `${cell.op.id} as ${cell.label} ${cell.related === null ? '' : cell.related ? 'related' : 'unrelated'} ${cell.variant}: expected ${cell.expected}, got ${actual} ${res.body.slice(0, 160)}`,
            );
          }
        }
      });
    }
    console.log(`authorization matrix: ${cells.length} cells over ${ops.length} operations`, counts);
    expect(mismatches.sort()).toEqual([]);
  }, 600_000);
});
