import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { auditOf, createStaff } from './helpers/case-path.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

/** Rules whose violation an earlier mutation review showed no test would catch. */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const count = async (text: string) =>
  rowsOf<{ n: number }>(await h.testDb.database.db.execute(sql.raw(text)))[0].n;

async function courtCase() {
  const court = await createOrg(h, 'court');
  const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
  const guardian = uid('Guardian');
  const person = await createPerson(clerk, {
    dateOfBirth: '2012-03-01',
    guardians: [{ name: guardian, relationship: 'father' }],
  });
  const kase = await createCase(clerk, person.id);
  return { court, clerk, person, kase, guardian };
}

const ok = (res: LightMyRequestResponse, status: number) => {
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
};

describe('consent and sealing rules the mutation review found untested', () => {
  it('lets only the court record a consent given by a court order (422 for a social worker, nothing written)', async () => {
    const { clerk, person, kase } = await courtCase();
    const worker = await createStaff(h, 'social_worker');
    ok(
      await clerk.post(`/v1/cases/${kase.id}/social-work-assignments`, { socialWorkerSub: worker.sub }),
      201,
    );
    const body = {
      grantor: { kind: 'court_order', courtOrderReference: uid('CO') },
      grantee: { type: 'role', value: 'legal_aid_lawyer' },
      categories: ['health'],
      purposes: ['legal_defence'],
      evidenceReference: uid('order-file'),
    };
    const before = await count(`SELECT count(*)::int AS n FROM consents WHERE person_id = '${person.id}'`);
    const refused = await worker.post(`/v1/persons/${person.id}/consents`, body);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors.map((e: any) => e.path)).toContain('body.grantor.kind');
    expect(await count(`SELECT count(*)::int AS n FROM consents WHERE person_id = '${person.id}'`)).toBe(
      before,
    );
    const [row] = await auditOf(h, refused);
    expect(row).toMatchObject({ outcome: 'denied', reason: 'court order grantor recorded by another role' });
    ok(await clerk.post(`/v1/persons/${person.id}/consents`, body), 201);
  });

  it('opens break-glass for at most the configured window (422 beyond, nothing written) or a shorter one', async () => {
    const { clerk, kase } = await courtCase();
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const a = ok(
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub }),
      201,
    );
    ok(await lawyer.post(`/v1/legal-aid/assignments/${a.id}/accept`, {}), 200);
    const reason = 'The child collapsed in court; the medication list is needed now';
    const tooLong = await lawyer.post(`/v1/cases/${kase.id}/break-glass`, { reason, minutes: 61 });
    expect(tooLong.statusCode).toBe(422);
    expect(
      await count(`SELECT count(*)::int AS n FROM break_glass_grants WHERE case_id = '${kase.id}'`),
    ).toBe(0);
    const short = ok(await lawyer.post(`/v1/cases/${kase.id}/break-glass`, { reason, minutes: 15 }), 201);
    expect(new Date(short.expiresAt).getTime() - new Date(short.openedAt).getTime()).toBe(15 * 60_000);
  });

  it("takes a sealed case off the officer's caseload", async () => {
    const { clerk, kase } = await courtCase();
    const officer = await createStaff(h, 'probation_officer');
    const hearing = ok(
      await clerk.post(`/v1/cases/${kase.id}/hearings`, {
        scheduledAt: '2026-11-05T09:00:00Z',
        listedAt: '2026-11-02T09:00:00Z',
        purpose: 'adjudication',
      }),
      201,
    );
    ok(
      await clerk.post(`/v1/hearings/${hearing.id}/hold`, {
        heldAt: '2026-11-05T09:30:00Z',
        outcome: 'Facts established',
        attendees: ['child'],
        childFriendlyCourtroom: true,
      }),
      200,
    );
    ok(
      await clerk.post(`/v1/cases/${kase.id}/dispositions`, {
        outcome: 'probation',
        decidedAt: '2026-11-05T10:00:00Z',
        hearingId: hearing.id,
        termMonths: 6,
      }),
      201,
    );
    const supervision = ok(
      await clerk.post(`/v1/cases/${kase.id}/supervisions`, {
        officerSub: officer.sub,
        startsOn: '2026-11-06',
        endsOn: '2027-05-05',
        conditions: ['attend school'],
      }),
      201,
    );
    const before = ok(await officer.get('/v1/supervisions'), 200);
    expect(before.items.map((s: any) => s.id)).toContain(supervision.id);
    ok(await clerk.post(`/v1/cases/${kase.id}/seal`, { orderReference: uid('SEAL') }), 200);
    const after = ok(await officer.get('/v1/supervisions'), 200);
    expect(after.items.map((s: any) => s.id)).not.toContain(supervision.id);
    expect((await officer.get(`/v1/cases/${kase.id}`)).statusCode).toBe(404);
  });

  it('expunges the free text of the whole case path: hearings, custody, charges', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const charge = uid('Charge described');
    const kase = await createCase(clerk, person.id, { charges: [{ code: 'PC-9', description: charge }] });
    const [facility, release, purpose, location, outcome, attendee] = [
      uid('Facility'),
      uid('Release reason'),
      uid('Purpose'),
      uid('Room'),
      uid('Outcome'),
      uid('Attendee'),
    ];
    const episode = ok(
      await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
        kind: 'pre_trial',
        facility,
        startedAt: '2026-11-01T13:00:00Z',
      }),
      201,
    );
    ok(
      await clerk.post(`/v1/custody-episodes/${episode.id}/end`, {
        releasedAt: '2026-11-02T10:00:00Z',
        releaseReason: release,
      }),
      200,
    );
    const hearing = ok(
      await clerk.post(`/v1/cases/${kase.id}/hearings`, {
        scheduledAt: '2026-11-05T09:00:00Z',
        listedAt: '2026-11-02T09:00:00Z',
        purpose,
        location,
      }),
      201,
    );
    ok(
      await clerk.post(`/v1/hearings/${hearing.id}/hold`, {
        heldAt: '2026-11-05T09:30:00Z',
        outcome,
        attendees: [attendee],
        childFriendlyCourtroom: true,
      }),
      200,
    );
    ok(await clerk.post(`/v1/cases/${kase.id}/expunge`, { orderReference: uid('EXP') }), 200);
    const columns = rowsOf<{ table_name: string; column_name: string }>(
      await h.testDb.database.db.execute(
        sql.raw(`SELECT table_name, column_name FROM information_schema.columns
                  WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')`),
      ),
    );
    const found: string[] = [];
    for (const { table_name, column_name } of columns) {
      for (const needle of [charge, facility, release, purpose, location, outcome, attendee]) {
        const n = await count(
          `SELECT count(*)::int AS n FROM "${table_name}" WHERE "${column_name}"::text LIKE '%${needle}%'`,
        );
        if (n > 0) found.push(`${table_name}.${column_name}: ${needle}`);
      }
    }
    expect(found).toEqual([]);
  });
});
