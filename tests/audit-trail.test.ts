import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHashSql, linkHash } from '../src/audit/canonical.js';
import { rowsOf } from '../src/db/client.js';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { courtWithCase, createOrg } from './helpers/factories.js';

let h: Harness;
let auditor: Client;
beforeAll(async () => {
  h = await createHarness();
  auditor = await h.as({ sub: uid('auditor'), roles: ['auditor'], org: 'oversight' });
});
afterAll(async () => h?.close());

const db = () => h.testDb.database.db;
const query = async <T = Record<string, any>>(text: string) => rowsOf<T>(await db().execute(sql.raw(text)));

/** Runs SQL as the database superuser with the append-only triggers off, as an attacker would. */
async function tamper(statements: string[]) {
  await db().transaction(async (tx) => {
    for (const t of ['audit_events', 'audit_chain', 'audit_checkpoints']) {
      await tx.execute(sql.raw(`ALTER TABLE ${t} DISABLE TRIGGER USER`));
    }
    for (const s of statements) await tx.execute(sql.raw(s));
    for (const t of ['audit_events', 'audit_chain', 'audit_checkpoints']) {
      await tx.execute(sql.raw(`ALTER TABLE ${t} ENABLE TRIGGER USER`));
    }
  });
}

async function verify() {
  const res = await auditor.get('/v1/audit/verify');
  expect(res.statusCode).toBe(200);
  return res.json();
}

/** Some traffic: creates, reads and a denial. */
async function traffic() {
  const { clerk, kase } = await courtWithCase(h);
  await clerk.get(`/v1/cases/${kase.id}`);
  const stranger = await h.as({
    sub: uid('clerk'),
    roles: ['court_clerk'],
    org: await createOrg(h, 'court'),
  });
  await stranger.get(`/v1/cases/${kase.id}`);
  return { clerk, kase };
}

async function sealedEvent(offsetFromEnd: number) {
  const [row] = await query(
    `SELECT c.seq::int AS seq, e.* FROM audit_chain c JOIN audit_events e ON e.id = c.event_id ORDER BY c.seq DESC OFFSET ${offsetFromEnd} LIMIT 1`,
  );
  return row;
}

describe('the tamper-evident audit trail', () => {
  it('verifies an untouched trail, with nothing left pending', async () => {
    await traffic();
    await h.sealAll();
    const report = await verify();
    expect(report).toMatchObject({ ok: true, firstBroken: null });
    expect(report.checkedRows).toBeGreaterThan(5);
    const [{ n }] = await query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events');
    // every row is either chained or pending; pending ones wait only for transactions still running
    // anywhere on the server (other test files share it), so their number is not asserted here
    expect(report.checkedRows + report.pendingRows).toBe(n);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the audit tables', async () => {
    await traffic();
    await h.sealAll();
    for (const stmt of [
      'UPDATE audit_events SET reason = NULL',
      'DELETE FROM audit_events',
      'TRUNCATE audit_events',
      'DELETE FROM audit_chain',
      'UPDATE audit_checkpoints SET hash = hash',
      // a statement that matches no row is refused too
      "DELETE FROM audit_events WHERE actor_sub = 'nobody-at-all'",
      'UPDATE audit_checkpoints SET hash = hash WHERE false',
    ]) {
      await expect(db().execute(sql.raw(stmt))).rejects.toThrow();
    }
  });

  it('detects a changed row and names it', async () => {
    await traffic();
    await h.sealAll();
    const victim = await sealedEvent(3);
    await tamper([`UPDATE audit_events SET actor_sub = 'someone-else' WHERE id = '${victim.id}'`]);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toMatchObject({ seq: victim.seq, eventId: victim.id, problem: 'changed' });
    await tamper([`UPDATE audit_events SET actor_sub = '${victim.actor_sub}' WHERE id = '${victim.id}'`]);
    expect((await verify()).ok).toBe(true);
  });

  it('detects a deleted row and names it', async () => {
    await traffic();
    await h.sealAll();
    const victim = await sealedEvent(2);
    const [saved] = await query(`SELECT * FROM audit_events WHERE id = '${victim.id}'`);
    await tamper([`DELETE FROM audit_events WHERE id = '${victim.id}'`]);
    const report = await verify();
    expect(report.firstBroken).toMatchObject({ seq: victim.seq, eventId: victim.id, problem: 'missing' });
    await tamper([
      `INSERT INTO audit_events SELECT * FROM json_populate_record(NULL::audit_events, '${JSON.stringify(saved).replace(/'/g, "''")}')`,
    ]);
    expect((await verify()).ok).toBe(true);
  });

  it('detects a deleted chain link', async () => {
    await traffic();
    await h.sealAll();
    const victim = await sealedEvent(4);
    const [link] = await query(`SELECT * FROM audit_chain WHERE seq = ${victim.seq}`);
    await tamper([`DELETE FROM audit_chain WHERE seq = ${victim.seq}`]);
    const report = await verify();
    expect(report.firstBroken).toMatchObject({ seq: victim.seq, problem: 'missing' });
    await tamper([
      `INSERT INTO audit_chain SELECT * FROM json_populate_record(NULL::audit_chain, '${JSON.stringify(link)}')`,
    ]);
    expect((await verify()).ok).toBe(true);
  });

  it('detects a forged, backdated row that no link holds', async () => {
    await traffic();
    await h.sealAll();
    const old = await sealedEvent(5);
    const forgedId = '11111111-1111-4111-8111-111111111111';
    await tamper([
      `INSERT INTO audit_events (id, txid, occurred_at, actor_sub, action, resource_type, outcome)
       VALUES ('${forgedId}', ${old.txid}, '${new Date(old.occurred_at).toISOString()}', 'ghost', 'read', 'case', 'allowed')`,
    ]);
    const report = await verify();
    expect(report.firstBroken).toMatchObject({ eventId: forgedId, problem: 'inserted' });
    await tamper([`DELETE FROM audit_events WHERE id = '${forgedId}'`]);
    expect((await verify()).ok).toBe(true);
  });

  it('detects two rows swapped in the chain', async () => {
    await traffic();
    await h.sealAll();
    const a = await sealedEvent(3);
    const b = await sealedEvent(2);
    const swap = (x: any, y: any) => [
      `UPDATE audit_chain SET event_id = '00000000-0000-4000-8000-00000000000f' WHERE seq = ${x.seq}`,
      `UPDATE audit_chain SET event_id = '${x.id}' WHERE seq = ${y.seq}`,
      `UPDATE audit_chain SET event_id = '${y.id}' WHERE seq = ${x.seq}`,
    ];
    await tamper(swap(a, b));
    const report = await verify();
    expect(report.firstBroken).toMatchObject({ seq: a.seq, problem: 'reordered' });
    await tamper([
      `UPDATE audit_chain SET event_id = '00000000-0000-4000-8000-00000000000f' WHERE seq = ${a.seq}`,
      `UPDATE audit_chain SET event_id = '${b.id}' WHERE seq = ${b.seq}`,
      `UPDATE audit_chain SET event_id = '${a.id}' WHERE seq = ${a.seq}`,
    ]);
    expect((await verify()).ok).toBe(true);
  });

  it('detects a link that does not continue the previous one, even when its own hash is consistent', async () => {
    await traffic();
    await h.sealAll();
    const victim = await sealedEvent(3);
    const [link] = await query<{ prev_hash: string; hash: string; content_hash: string }>(
      `SELECT prev_hash, hash, content_hash FROM audit_chain WHERE seq = ${victim.seq}`,
    );
    const forgedPrev = 'a'.repeat(64);
    await tamper([
      `UPDATE audit_chain SET prev_hash = '${forgedPrev}', hash = '${linkHash(forgedPrev, link.content_hash)}' WHERE seq = ${victim.seq}`,
    ]);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toMatchObject({ seq: victim.seq, problem: 'inserted' });
    await tamper([
      `UPDATE audit_chain SET prev_hash = '${link.prev_hash}', hash = '${link.hash}' WHERE seq = ${victim.seq}`,
    ]);
    expect((await verify()).ok).toBe(true);
  });

  it('detects a checkpoint whose signature is not by the trusted key', async () => {
    await traffic();
    await h.sealAll();
    await h.app.sealer.checkpointNow();
    const [cp] = await query<{ id: string; seq: string; jws: string }>(
      'SELECT id, seq::text AS seq, jws FROM audit_checkpoints ORDER BY seq DESC LIMIT 1',
    );
    const [header, payload, signature] = cp.jws.split('.');
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    await tamper([
      `UPDATE audit_checkpoints SET jws = '${header}.${payload}.${flipped}' WHERE id = '${cp.id}'`,
    ]);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toMatchObject({ seq: Number(cp.seq), problem: 'bad_checkpoint' });
    await tamper([`UPDATE audit_checkpoints SET jws = '${cp.jws}' WHERE id = '${cp.id}'`]);
    expect((await verify()).ok).toBe(true);
  });

  it('detects a chain rewritten from a changed row onwards, through the signed checkpoints', async () => {
    await traffic();
    await h.sealAll();
    await h.app.sealer.checkpointNow();
    const cps = (await auditor.get('/v1/audit/checkpoints')).json();
    expect(cps.items.length).toBeGreaterThan(0);
    expect(cps.publicKey).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect(cps.publicKey.d).toBeUndefined();
    const head = cps.items[0].seq as number;
    const victim = (
      await query(`SELECT c.seq::int AS seq, c.event_id FROM audit_chain c WHERE seq = ${head - 2}`)
    )[0];
    // The attacker changes a row and recomputes every link after it, so each link checks out.
    // Holding the sealer's state row keeps the background sealers out while the chain is rewritten.
    await db().transaction(async (tx) => {
      await tx.execute(sql`SELECT 1 FROM audit_seal_state WHERE id = 1 FOR UPDATE`);
      for (const t of ['audit_events', 'audit_chain'])
        await tx.execute(sql.raw(`ALTER TABLE ${t} DISABLE TRIGGER USER`));
      await tx.execute(sql`UPDATE audit_events SET actor_sub = 'rewritten' WHERE id = ${victim.event_id}`);
      const [{ content }] = rowsOf<{ content: string }>(
        await tx.execute(
          sql`SELECT ${contentHashSql('e')} AS content FROM audit_events e WHERE e.id = ${victim.event_id}`,
        ),
      );
      const links = rowsOf<{ seq: number; content_hash: string; prev_hash: string }>(
        await tx.execute(
          sql`SELECT seq::int AS seq, content_hash, prev_hash FROM audit_chain WHERE seq >= ${victim.seq} ORDER BY seq`,
        ),
      );
      let prev = links[0].prev_hash;
      for (const l of links) {
        const contentHash = l.seq === victim.seq ? content : l.content_hash;
        const hash = linkHash(prev, contentHash);
        await tx.execute(
          sql`UPDATE audit_chain SET content_hash = ${contentHash}, prev_hash = ${prev}, hash = ${hash} WHERE seq = ${l.seq}`,
        );
        prev = hash;
      }
      await tx.execute(sql`UPDATE audit_seal_state SET last_hash = ${prev}`);
      for (const t of ['audit_events', 'audit_chain'])
        await tx.execute(sql.raw(`ALTER TABLE ${t} ENABLE TRIGGER USER`));
    });
    const report = await verify();
    // ...but the signed checkpoint still names the old head hash.
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toMatchObject({ problem: 'bad_checkpoint' });
  });
});
