import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { createOrg } from './helpers/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('organisations and the staff directory', () => {
  it('replaces a staff entry only with the ETag of the version read: 428 without, 412 when stale', async () => {
    const org = await createOrg(h, 'legal_aid');
    const admin = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
    const sub = uid('lawyer');
    const body = {
      displayName: 'First Name',
      orgId: org,
      roles: ['legal_aid_lawyer'],
      juvenileSpecialised: true,
    };
    const created = await admin.put(`/v1/staff/${sub}`, body);
    expect(created.statusCode).toBe(201);
    expect(created.headers.etag).toBe('"1"');

    const missing = await admin.put(`/v1/staff/${sub}`, { ...body, displayName: 'Second Name' });
    expect(missing.statusCode).toBe(428);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
    const stale = await admin.put(
      `/v1/staff/${sub}`,
      { ...body, displayName: 'Second Name' },
      { 'if-match': '"0"' },
    );
    expect(stale.statusCode).toBe(412);
    expect((await admin.get(`/v1/staff/${sub}`)).json().displayName).toBe('First Name');

    const ok = await admin.put(
      `/v1/staff/${sub}`,
      { ...body, displayName: 'Second Name' },
      { 'if-match': '"1"' },
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.headers.etag).toBe('"2"');
    expect((await admin.get(`/v1/staff/${sub}`)).json().displayName).toBe('Second Name');
  });

  it('refuses a staff entry in an organisation that does not exist (422), and roles other than admin (403)', async () => {
    const admin = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
    const body = { displayName: 'X', orgId: 'no-such-org', roles: ['probation_officer'] };
    expect((await admin.put(`/v1/staff/${uid('s')}`, body)).statusCode).toBe(422);
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: 'court-x' });
    expect(
      (await clerk.put(`/v1/staff/${uid('s')}`, { ...body, orgId: await createOrg(h, 'probation') }))
        .statusCode,
    ).toBe(403);
  });

  it('searches the directory by role and organisation, with limit at most 100', async () => {
    const org = await createOrg(h, 'probation');
    const admin = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
    for (const role of ['probation_officer', 'probation_officer', 'social_worker']) {
      await admin.put(`/v1/staff/${uid(role)}`, { displayName: 'N', orgId: org, roles: [role] });
    }
    const officers = (await admin.get(`/v1/staff?org=${org}&role=probation_officer`)).json();
    expect(officers.items).toHaveLength(2);
    expect(officers.items.every((s: any) => s.roles.includes('probation_officer') && s.orgId === org)).toBe(
      true,
    );
    expect((await admin.get('/v1/organizations?limit=101')).statusCode).toBe(400);
    expect((await admin.get('/v1/organizations?limit=100')).statusCode).toBe(200);
    const dup = await admin.post('/v1/organizations', { id: org, name: 'Again', kind: 'probation' });
    expect(dup.statusCode).toBe(409);
  });
});
