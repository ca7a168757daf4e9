import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('the prosecution office a case is referred to', () => {
  it('relates its prosecutors to the case: they read it, list it and propose diversion; other offices get 404', async () => {
    const court = await createOrg(h, 'court');
    const office = await createOrg(h, 'prosecution');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const kase = await createCase(clerk, person.id, { prosecutionOrgId: office });
    expect(kase.prosecutionOrgId).toBe(office);

    const prosecutor = await h.as({ sub: uid('prosecutor'), roles: ['prosecutor'], org: office });
    const read = await prosecutor.get(`/v1/cases/${kase.id}`);
    expect(read.statusCode).toBe(200);
    const [row] = await h.auditRows(`request_id = '${read.headers['x-request-id']}'`);
    expect(row).toMatchObject({ basis_type: 'prosecution_office', basis_id: office, purpose: 'prosecution' });
    expect((await prosecutor.get('/v1/cases')).json().items.map((c: any) => c.id)).toEqual([kase.id]);

    const proposal = await prosecutor.post(`/v1/cases/${kase.id}/diversions`, {
      provider: 'Youth mediation service',
      conditions: ['Apology letter', 'Ten sessions of mediation'],
    });
    expect(proposal.statusCode).toBe(201);

    const elsewhere = await h.as({
      sub: uid('prosecutor'),
      roles: ['prosecutor'],
      org: await createOrg(h, 'prosecution'),
    });
    expect((await elsewhere.get(`/v1/cases/${kase.id}`)).statusCode).toBe(404);
    expect((await elsewhere.get('/v1/cases')).json().items).toEqual([]);
    expect(
      (await elsewhere.post(`/v1/cases/${kase.id}/diversions`, { provider: 'x', conditions: ['y'] }))
        .statusCode,
    ).toBe(404);
  });

  it('refuses a prosecution office that is not registered as one (422) and opens no case', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const res = await clerk.post('/v1/cases', {
      personId: person.id,
      intakeKind: 'arrest',
      offenceDate: '2026-11-01T10:00:00Z',
      intakeAt: '2026-11-01T12:00:00Z',
      agency: 'Police',
      detained: false,
      charges: [{ code: 'A', description: 'B' }],
      prosecutionOrgId: court,
    });
    expect(res.statusCode).toBe(422);
    expect((await clerk.get(`/v1/cases?personId=${person.id}`)).json().items).toEqual([]);
  });
});
