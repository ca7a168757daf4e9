import type { Client, Harness } from './app.js';
import { uid } from './app.js';

/** Registers a court organisation through the API (as an admin) and returns its id. */
export async function createOrg(h: Harness, kind = 'court', id = uid(kind)): Promise<string> {
  const admin = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
  const res = await admin.post('/v1/organizations', { id, name: `Org ${id}`, kind, region: 'north' });
  if (res.statusCode !== 201) throw new Error(`createOrg: ${res.statusCode} ${res.body}`);
  return id;
}

export async function createPerson(
  client: Client,
  overrides: Record<string, unknown> = {},
): Promise<Record<string, any>> {
  const res = await client.post('/v1/persons', {
    givenName: uid('Given'),
    familyName: uid('Family'),
    dateOfBirth: '2010-05-01',
    sex: 'female',
    region: 'north',
    guardians: [{ name: 'A Guardian', relationship: 'mother' }],
    ...overrides,
  });
  if (res.statusCode !== 201) throw new Error(`createPerson: ${res.statusCode} ${res.body}`);
  return res.json();
}

export function caseBody(personId: string, overrides: Record<string, unknown> = {}) {
  return {
    personId,
    intakeKind: 'arrest',
    offenceDate: '2026-11-01T10:00:00Z',
    intakeAt: '2026-11-01T12:00:00Z',
    agency: 'Police North',
    location: 'Market street',
    detained: true,
    guardiansNotifiedAt: '2026-11-01T13:00:00Z',
    charges: [{ code: 'PC-1', description: 'Theft' }],
    ...overrides,
  };
}

export async function createCase(client: Client, personId: string, overrides: Record<string, unknown> = {}) {
  const res = await client.post('/v1/cases', caseBody(personId, overrides));
  if (res.statusCode !== 201) throw new Error(`createCase: ${res.statusCode} ${res.body}`);
  return res.json() as Record<string, any>;
}

/** A court with a clerk, a registered child and an open case: the starting point of most tests. */
export async function courtWithCase(h: Harness) {
  const court = await createOrg(h, 'court');
  const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
  const person = await createPerson(clerk);
  const kase = await createCase(clerk, person.id);
  return { court, clerk, person, kase };
}

/** A police partner system referring cases to a court, with the scopes to read and follow them. */
export async function policeAndCourt(h: Harness) {
  const court = await createOrg(h, 'court');
  const police = await createOrg(h, 'police');
  const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
  const partner = await h.as({
    sub: uid('client'),
    roles: ['partner_system'],
    org: police,
    clientId: uid('police-rms'),
    scope: 'cases:write cases:read events:read',
  });
  return { court, police, clerk, partner };
}

/** A child registered by the partner and a case it refers to the court. */
export async function referredCase(partner: Client, court: string) {
  const person = await createPerson(partner);
  const res = await partner.post(
    '/v1/cases',
    caseBody(person.id, { intakeKind: 'referral', courtOrgId: court }),
  );
  if (res.statusCode !== 201) throw new Error(res.body);
  return { person, kase: res.json() };
}
