import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { openDatabase, rowsOf } from '../src/db/client.js';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { createStaff } from './helpers/case-path.js';
import { courtWithCase, createOrg } from './helpers/factories.js';

const run = promisify(execFile);

let h: Harness;
let auditor: Client;
beforeAll(async () => {
  h = await createHarness();
  auditor = await h.as({ sub: uid('auditor'), roles: ['auditor'], org: 'oversight' });
});
afterAll(async () => h?.close());

describe('audit queries, the disclosure ledger and row counts', () => {
  it('records exactly one row per request for a scripted sequence, denials included', async () => {
    const court = await createOrg(h, 'court');
    const clerkSub = uid('clerk');
    const clerk = await h.as({ sub: clerkSub, roles: ['court_clerk'], org: court });
    const strangerSub = uid('clerk');
    const stranger = await h.as({
      sub: strangerSub,
      roles: ['court_clerk'],
      org: await createOrg(h, 'court'),
    });
    const analystSub = uid('analyst');
    const analyst = await h.as({ sub: analystSub, roles: ['analyst'], org: 'stats' });

    const person = (
      await clerk.post('/v1/persons', {
        givenName: 'Kofi',
        familyName: uid('Mensah'),
        dateOfBirth: '2010-01-01',
      })
    ).json();
    const kase = (
      await clerk.post('/v1/cases', {
        personId: person.id,
        intakeKind: 'referral',
        offenceDate: '2026-10-01T10:00:00Z',
        intakeAt: '2026-10-02T10:00:00Z',
        agency: 'School',
        detained: false,
        charges: [{ code: 'X1', description: 'Vandalism' }],
      })
    ).json();
    await clerk.get(`/v1/cases/${kase.id}`); // read
    await clerk.get('/v1/cases'); // search
    await stranger.get(`/v1/cases/${kase.id}`); // denied, 404
    await analyst.get(`/v1/cases/${kase.id}`); // denied, 403
    await clerk.post('/v1/cases', { personId: person.id }); // 400: no access decision, no row
    await clerk.get(`/v1/persons/${person.id}`); // read

    const rows = rowsOf<Record<string, any>>(
      await h.testDb.database.db.execute(
        sql.raw(
          `SELECT actor_sub, action, resource_type, outcome, case_id, person_id FROM audit_events
            WHERE actor_sub IN ('${clerkSub}', '${strangerSub}', '${analystSub}') ORDER BY occurred_at, id`,
        ),
      ),
    );
    expect(rows.map((r) => [r.actor_sub, r.action, r.resource_type, r.outcome])).toEqual([
      [clerkSub, 'create', 'person', 'allowed'],
      [clerkSub, 'create', 'case', 'allowed'],
      [clerkSub, 'read', 'case', 'allowed'],
      [clerkSub, 'search', 'case', 'allowed'],
      [strangerSub, 'read', 'case', 'denied'],
      [analystSub, 'read', 'case', 'denied'],
      [clerkSub, 'read', 'person', 'allowed'],
    ]);
    expect(rows[4]).toMatchObject({ case_id: kase.id, person_id: person.id });
  });

  it('lets auditors search by actor, case, action and outcome, page by cursor, and export CSV', async () => {
    const { clerk, kase } = await courtWithCase(h);
    for (let i = 0; i < 3; i++) await clerk.get(`/v1/cases/${kase.id}`);
    const byCase = (await auditor.get(`/v1/audit-events?caseId=${kase.id}&action=read&limit=2`)).json();
    expect(byCase.items).toHaveLength(2);
    expect(byCase.items.every((e: any) => e.caseId === kase.id && e.action === 'read')).toBe(true);
    const rest = (
      await auditor.get(`/v1/audit-events?caseId=${kase.id}&action=read&limit=2&cursor=${byCase.nextCursor}`)
    ).json();
    expect(rest.items).toHaveLength(1);
    expect(rest.nextCursor).toBeNull();
    const denied = (await auditor.get(`/v1/audit-events?caseId=${kase.id}&outcome=denied`)).json();
    expect(denied.items).toHaveLength(0);
    const csv = await auditor.get(`/v1/audit-events?caseId=${kase.id}&action=read&format=csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,occurredAt,actorSub,/);
    expect(lines).toHaveLength(1 + 3);
    expect(lines.slice(1).every((l: string) => l.split(',')[9] === kase.id)).toBe(true);
  });

  it('filters by actor: every item is that actor, and there is at least one', async () => {
    const { clerk, kase, court } = await courtWithCase(h);
    const otherSub = uid('clerk');
    const other = await h.as({ sub: otherSub, roles: ['court_clerk'], org: court });
    await clerk.get(`/v1/cases/${kase.id}`);
    await other.get(`/v1/cases/${kase.id}`);
    const res = (await auditor.get(`/v1/audit-events?actor=${otherSub}`)).json();
    expect(res.items.length).toBeGreaterThan(0);
    expect(res.items.every((e: any) => e.actorSub === otherSub)).toBe(true);
  });

  it("leaves searches out of the child's disclosure ledger: only reads disclose", async () => {
    const { clerk, person } = await courtWithCase(h);
    const search = await clerk.get(`/v1/cases?personId=${person.id}`);
    const [row] = await h.auditRows(`request_id = '${search.headers['x-request-id']}'`);
    expect(row).toMatchObject({ action: 'search', person_id: person.id });
    const ledger = (await auditor.get(`/v1/persons/${person.id}/disclosures?limit=100`)).json();
    expect(ledger.items.some((i: any) => i.action === 'search')).toBe(false);
  });

  it('keeps the trail from everyone but auditors', async () => {
    const { clerk, kase } = await courtWithCase(h);
    expect((await clerk.get(`/v1/audit-events?caseId=${kase.id}`)).statusCode).toBe(403);
    expect((await clerk.get('/v1/audit/verify')).statusCode).toBe(403);
    const admin = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
    expect((await admin.get('/v1/audit-events')).statusCode).toBe(403);
  });

  it("shows an auditor a child's disclosure ledger: who read what, when and on what basis", async () => {
    const { clerk, kase, person } = await courtWithCase(h);
    await clerk.get(`/v1/cases/${kase.id}`);
    const ledger = await auditor.get(`/v1/persons/${person.id}/disclosures`);
    expect(ledger.statusCode).toBe(200);
    const items = ledger.json().items;
    expect(items.length).toBeGreaterThanOrEqual(1);
    expect(items[0]).toMatchObject({
      resourceType: 'case',
      caseId: kase.id,
      basisType: 'owning_court',
      purpose: 'court_proceeding',
    });
    expect(items.every((i: any) => i.action === 'read' || i.action === 'execute')).toBe(true);
    // the clerk may not read the ledger
    expect((await clerk.get(`/v1/persons/${person.id}/disclosures`)).statusCode).toBe(403);
  });

  it("shows the child's assigned lawyer the child's ledger, and stops when the assignment ends", async () => {
    const { clerk, kase, person } = await courtWithCase(h);
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    // not yet assigned: the lawyer is unrelated to the child and gets 404
    expect((await lawyer.get(`/v1/persons/${person.id}/disclosures`)).statusCode).toBe(404);
    const assignment = (
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
    ).json();
    expect((await lawyer.post(`/v1/legal-aid/assignments/${assignment.id}/accept`, {})).statusCode).toBe(200);
    await lawyer.get(`/v1/cases/${kase.id}`);
    await clerk.get(`/v1/cases/${kase.id}`);
    const ledger = await lawyer.get(`/v1/persons/${person.id}/disclosures`);
    expect(ledger.statusCode).toBe(200);
    const basisTypes = ledger.json().items.map((i: any) => i.basisType);
    expect(basisTypes).toContain('legal_aid');
    expect(basisTypes).toContain('owning_court');
    const withdraw = await clerk.post(`/v1/legal-aid/assignments/${assignment.id}/withdraw`, {
      reason: 'conflict of interest',
    });
    expect(withdraw.statusCode).toBe(200);
    expect((await lawyer.get(`/v1/persons/${person.id}/disclosures`)).statusCode).toBe(404);
  });

  it('verifies from outside the service with npm run audit:verify, failing on a tampered trail', async () => {
    // A trail of its own, in a database the command can open: the server's, or an embedded one on disk.
    // On a server the harness's key signed the shared database's checkpoints, so the command uses it too.
    const dataDir = h.testDb.url ? h.config.DATA_DIR : mkdtempSync(join(tmpdir(), 'jj-verify-'));
    const config = { ...h.config, DATA_DIR: dataDir };
    const database = h.testDb.url
      ? openDatabase({ kind: 'postgres', url: h.testDb.url })
      : openDatabase({ kind: 'pglite', dataDir });
    await database.migrate();
    const app = await buildApp(config, { database });
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: 'court-z' });
    for (let i = 0; i < 3; i++) {
      await app.inject({
        method: 'GET',
        url: '/v1/cases',
        headers: { authorization: `Bearer ${clerk.token}` },
      });
    }
    // Rows are chained once no older transaction anywhere on the server is still open (the
    // sealer's watermark), which on a busy server can take a while: seal until none is left.
    const unchained = async () =>
      rowsOf<{ n: number }>(
        await database.db.execute(
          sql.raw(
            'SELECT count(*)::int AS n FROM audit_events e WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id)',
          ),
        ),
      )[0].n;
    for (const deadline = Date.now() + 180_000; (await unchained()) > 0; ) {
      if (Date.now() > deadline) throw new Error('audit rows stayed unsealed for three minutes');
      await app.sealer.sealNow();
      await new Promise((r) => setTimeout(r, 100));
    }
    await app.sealer.checkpointNow();
    await app.close();
    if (!h.testDb.url) await database.close();
    const env = {
      ...process.env,
      DATA_DIR: dataDir,
      DATABASE_URL: h.testDb.url ?? '',
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
    };
    const verify = () =>
      run(process.execPath, ['dist/cli/verify-audit.js'], { env }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e) => ({ code: e.code as number, out: String(e.stdout) }),
      );
    const good = await verify();
    expect(good.code).toBe(0);
    expect(JSON.parse(good.out)).toMatchObject({ ok: true });

    const reopened = h.testDb.url ? database : openDatabase({ kind: 'pglite', dataDir });
    await reopened.db.transaction(async (tx) => {
      await tx.execute(sql.raw('ALTER TABLE audit_events DISABLE TRIGGER USER'));
      await tx.execute(
        sql.raw(
          // Flip the outcome, so the first chained row changes whatever it was (a row that was
          // already a denial stayed the same, and the test then passed the trail as intact).
          `UPDATE audit_events SET outcome = CASE WHEN outcome = 'denied' THEN 'allowed' ELSE 'denied' END
            WHERE id = (SELECT event_id FROM audit_chain ORDER BY seq LIMIT 1)`,
        ),
      );
      await tx.execute(sql.raw('ALTER TABLE audit_events ENABLE TRIGGER USER'));
    });
    await reopened.close();
    const bad = await verify();
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out).firstBroken).toMatchObject({ seq: 1, problem: 'changed' });
  }, 240_000); // spawns npm run audit:verify twice
});
