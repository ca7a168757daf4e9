import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { courtWithCase, createOrg } from './helpers/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const count = async (where: string) =>
  rowsOf<{ n: number }>(
    await h.testDb.database.db.execute(sql.raw(`SELECT count(*)::int AS n FROM audit_events WHERE ${where}`)),
  )[0].n;

describe('audit trail with several instances', () => {
  it('stays verifiable with two app instances writing at once, every request accounted for', {
    timeout: 300_000,
  }, async () => {
    const second = await h.secondInstance();
    const { clerk, kase } = await courtWithCase(h);
    const strangerToken = (
      await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: await createOrg(h, 'court') })
    ).token;
    const runId = uid('run');
    const requests = Array.from({ length: 60 }, (_, i) => {
      const app = i % 2 === 0 ? h.app : second;
      const token = i % 5 === 0 ? strangerToken : clerk.token;
      return app.inject({
        method: 'GET',
        url: `/v1/cases/${kase.id}`,
        headers: { authorization: `Bearer ${token}`, 'x-request-id': `${runId}-${i}` },
      });
    });
    const responses = await Promise.all(requests);
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(48);
    expect(responses.filter((r) => r.statusCode === 404)).toHaveLength(12);
    // both sealers race for the chain; the state-row lock makes them take turns
    await Promise.all([h.app.sealer.sealNow(), second.sealer.sealNow(), h.app.sealer.sealNow()]);
    expect(await count(`request_id LIKE '${runId}-%' AND outcome = 'allowed'`)).toBe(48);
    expect(await count(`request_id LIKE '${runId}-%' AND outcome = 'denied'`)).toBe(12);
    const ids = rowsOf<{ request_id: string }>(
      await h.testDb.database.db.execute(
        sql.raw(`SELECT request_id FROM audit_events WHERE request_id LIKE '${runId}-%'`),
      ),
    ).map((r) => r.request_id);
    expect(new Set(ids).size).toBe(60);
    const auditor = await h.as({ sub: uid('auditor'), roles: ['auditor'], org: 'oversight' });
    const report = (await auditor.get('/v1/audit/verify')).json();
    expect(report).toMatchObject({ ok: true, firstBroken: null });
    const [{ events, links }] = rowsOf<{ events: number; links: number }>(
      await h.testDb.database.db.execute(
        sql.raw(
          'SELECT (SELECT count(*)::int FROM audit_events) AS events, (SELECT count(*)::int FROM audit_chain) AS links',
        ),
      ),
    );
    // the background sealers keep chaining while we count: never fewer links than verified
    expect(links).toBeGreaterThanOrEqual(report.checkedRows);
    expect(events).toBeGreaterThanOrEqual(report.checkedRows + report.pendingRows);
    // and every one of the 60 requests' rows ends up in the chain
    const chained = async () =>
      rowsOf<{ n: number }>(
        await h.testDb.database.db.execute(
          sql.raw(
            `SELECT count(*)::int AS n FROM audit_chain c JOIN audit_events e ON e.id = c.event_id WHERE e.request_id LIKE '${runId}-%'`,
          ),
        ),
      )[0].n;
    // The sealers chain rows once no older transaction anywhere on the server is open: minutes on a busy server.
    for (const end = Date.now() + 180_000; Date.now() < end && (await chained()) < 60; )
      await new Promise((r) => setTimeout(r, 50));
    expect(await chained()).toBe(60);
  });

  it('seals on its own: nothing stays pending for long without anyone asking', {
    timeout: 300_000,
  }, async () => {
    const { clerk, kase } = await courtWithCase(h);
    await clerk.get(`/v1/cases/${kase.id}`);
    const unsealed = async () =>
      rowsOf<{ n: number }>(
        await h.testDb.database.db.execute(
          sql.raw(
            `SELECT count(*)::int AS n FROM audit_events e WHERE e.case_id = '${kase.id}' AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id)`,
          ),
        ),
      )[0].n;
    // poll (the background sealer runs every 100 ms here); the bound is generous on a busy machine
    for (const end = Date.now() + 180_000; Date.now() < end && (await unsealed()) > 0; )
      await new Promise((r) => setTimeout(r, 50));
    expect(await unsealed()).toBe(0);
  });
});
