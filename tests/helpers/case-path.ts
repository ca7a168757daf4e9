import type { LightMyRequestResponse } from 'fastify';
import type { Client, Harness } from './app.js';
import { uid } from './app.js';
import { createOrg } from './factories.js';

/** Puts a staff member in the directory (as an admin) and returns a client acting as them. */
export async function createStaff(
  h: Harness,
  role: 'legal_aid_lawyer' | 'probation_officer' | 'social_worker',
  opts: { org?: string; juvenileSpecialised?: boolean; sub?: string } = {},
): Promise<Client & { sub: string; org: string }> {
  const kind = {
    legal_aid_lawyer: 'legal_aid',
    probation_officer: 'probation',
    social_worker: 'social_services',
  }[role];
  const org = opts.org ?? (await createOrg(h, kind));
  const sub = opts.sub ?? uid(role);
  const admin = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
  const res = await admin.put(`/v1/staff/${sub}`, {
    displayName: `Staff ${sub}`,
    orgId: org,
    roles: [role],
    juvenileSpecialised: opts.juvenileSpecialised ?? true,
  });
  if (res.statusCode !== 201) throw new Error(`createStaff: ${res.statusCode} ${res.body}`);
  const client = await h.as({ sub, roles: [role], org });
  return Object.assign(client, { sub, org });
}

/** The audit rows one request left, found by its request id. */
export async function auditOf(h: Harness, res: LightMyRequestResponse) {
  const id = String(res.headers['x-request-id']);
  return h.auditRows(`request_id = '${id.replace(/'/g, "''")}'`);
}

/** Asserts the status and that the request left exactly `rows` audit rows; returns the body. */
export async function expectAudited(
  h: Harness,
  res: LightMyRequestResponse,
  status: number,
  rows: number,
  outcome: 'allowed' | 'denied' = status < 400 ? 'allowed' : 'denied',
) {
  const audit = await auditOf(h, res);
  if (res.statusCode !== status || audit.length !== rows || audit.some((r) => r.outcome !== outcome)) {
    throw new Error(
      `expected ${status} with ${rows} ${outcome} audit row(s), got ${res.statusCode} with ${audit.length} (${audit
        .map((r) => r.outcome)
        .join(',')}): ${res.body}`,
    );
  }
  return res.statusCode === 204 ? null : res.json();
}
