import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkHash, sha256 } from '../src/audit/canonical.js';
import {
  ArchiveError,
  type AuditArchive,
  archiveMonth,
  listAuditPartitions,
  verifyArchive,
} from '../src/audit/partitions.js';
import { loadCheckpointKey } from '../src/audit/signing.js';
import { verifyAuditTrail } from '../src/audit/verify.js';
import { rowsOf } from '../src/db/client.js';
import { type Harness, createHarness } from './helpers/app.js';

const run = promisify(execFile);

/**
 * The audit trail partitioned by month: rows land in their month's partition, the append-only
 * rules hold on every partition, the chain runs across them, and a past month detached to an
 * archive verifies on its own against its signed checkpoint while the live trail still verifies.
 * Runs on both backends (PGlite too); the one process it starts (`audit:verify --archive`) runs
 * on the PostgreSQL pass only.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

const monthOf = (d: Date) => d.toISOString().slice(0, 7);
const now = new Date();
// Three past months (UTC), oldest first, and a day in the middle of each.
const past = [3, 2, 1].map((k) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - k, 15, 12)));
const partitionOf = (d: Date) => `audit_events_${monthOf(d).replace('-', '_')}`;

async function execute(text: string) {
  return rowsOf<Record<string, any>>(await h.testDb.database.db.execute(sql.raw(text)));
}

async function refused(text: string) {
  await expect(execute(text)).rejects.toThrow();
  try {
    await execute(text);
  } catch (err) {
    const cause = (err as { cause?: Error }).cause ?? (err as Error);
    expect(String(cause.message)).toMatch(/append-only/);
  }
}

describe('the audit trail partitioned by month', () => {
  it('chains rows across three monthly partitions, archives the oldest with a signed checkpoint, and detects a changed archived row', async () => {
    const db = h.testDb.database.db;
    const key = await loadCheckpointKey(h.config);
    const keys = [key.publicJwk];

    // Rows written in the past: backdated inserts (INSERT is all the append-only rules allow),
    // one transaction each, into partitions created as the service creates them.
    for (const day of past) {
      await execute(`SELECT audit_ensure_partition('${day.toISOString().slice(0, 10)}'::date)`);
      for (let i = 0; i < 4; i++) {
        await execute(
          `INSERT INTO audit_events (occurred_at, actor_sub, actor_roles, action, resource_type, outcome)
           VALUES ('${new Date(day.getTime() + i * 60_000).toISOString()}', 'backfill-${i}', '{court_clerk}', 'read', 'case', 'allowed')`,
        );
      }
    }
    const clerk = await h.as({ sub: 'clerk-p', roles: ['court_clerk'], org: 'court-p' });
    expect((await clerk.get('/v1/cases')).statusCode).toBe(200); // a row of this month
    await h.sealAll();
    await h.app.sealer.checkpointNow();

    // Each row is in its month's partition; this month's and the next are there ahead of time.
    const placed = await execute(
      `SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM audit_events GROUP BY 1 ORDER BY 1`,
    );
    for (const day of past) expect(placed).toContainEqual({ part: partitionOf(day), n: 4 });
    const names = (await listAuditPartitions(db)).map((p) => p.partition);
    expect(names).toEqual(
      expect.arrayContaining([...past.map(partitionOf), partitionOf(now), 'audit_events_default']),
    );
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    expect(names).toContain(partitionOf(next));

    // The append-only rules hold on a partition named directly, not only on the parent.
    const middle = partitionOf(past[1]);
    await refused(`UPDATE ${middle} SET outcome = 'denied'`);
    await refused(`DELETE FROM ${middle} WHERE false`);
    await refused(`TRUNCATE ${middle}`);
    await refused(`DELETE FROM audit_events_default`);

    const live = await verifyAuditTrail(db, keys);
    expect(live).toMatchObject({ ok: true, pendingRows: 0, archivedRows: 0 });
    expect(live.checkedRows).toBeGreaterThanOrEqual(13);

    // Not allowed: this month (still being written), a month with no partition.
    const dir = mkdtempSync(join(tmpdir(), 'jj-archive-'));
    await expect(archiveMonth(db, key, monthOf(now), join(dir, 'now.json'))).rejects.toThrow(ArchiveError);
    await expect(archiveMonth(db, key, '2001-01', join(dir, 'old.json'))).rejects.toThrow(/not a partition/);

    // Archive the oldest month: the file, then the partition detached from the live trail.
    const oldest = monthOf(past[0]);
    const file = join(dir, `${oldest}.json`);
    const archive = await archiveMonth(db, key, oldest, file);
    expect(archive).toMatchObject({ month: oldest, rows: 4, partition: partitionOf(past[0]) });
    expect((await listAuditPartitions(db)).map((p) => p.partition)).not.toContain(partitionOf(past[0]));
    await expect(archiveMonth(db, key, oldest, join(dir, 'again.json'))).rejects.toThrow(/archived already/);

    // The live trail still verifies: the archived positions by their archive, the rest row by row.
    const after = await verifyAuditTrail(db, keys);
    expect(after, JSON.stringify(after.firstBroken)).toMatchObject({
      ok: true,
      archivedRows: 4,
      headSeq: live.headSeq,
    });
    // A range of positions verifies too.
    const ranged = await verifyAuditTrail(db, keys, { fromSeq: archive.lastSeq + 1, toSeq: live.headSeq });
    expect(ranged).toMatchObject({ ok: true, archivedRows: 0, checkedRows: live.headSeq - archive.lastSeq });

    // The archive verifies on its own, and against the live chain.
    const stored = JSON.parse(readFileSync(file, 'utf8')) as AuditArchive;
    expect(await verifyArchive(stored, keys)).toMatchObject({ ok: true, checkedRows: 4, month: oldest });
    expect(await verifyArchive(stored, keys, db)).toMatchObject({ ok: true });

    // One archived row changed: detected at its position.
    const target = stored.links[1];
    const changed = structuredClone(stored);
    changed.links[1].canonical = target.canonical!.replace('"allowed"', '"denied"');
    expect(changed.links[1].canonical).not.toBe(target.canonical);
    expect(await verifyArchive(changed, keys)).toMatchObject({
      ok: false,
      firstBroken: { seq: target.seq, problem: 'changed' },
    });

    // Changed and every hash after it recomputed, as a careful forger would: the signed
    // checkpoint of the last link no longer matches.
    const forged = structuredClone(changed);
    let prev = forged.links[0].hash;
    for (const link of forged.links.slice(1)) {
      if (link.canonical !== null) link.contentHash = sha256(link.canonical);
      link.prevHash = prev;
      link.hash = linkHash(prev, link.contentHash);
      prev = link.hash;
    }
    expect(await verifyArchive(forged, keys)).toMatchObject({
      ok: false,
      firstBroken: { problem: 'bad_checkpoint' },
    });

    // A row taken out of the archive (its text dropped) is detected by the signed row count.
    const emptied = structuredClone(stored);
    emptied.links[2].canonical = null;
    expect(await verifyArchive(emptied, keys)).toMatchObject({
      ok: false,
      firstBroken: { problem: 'missing' },
    });

    // Outside the archived positions, a row deleted from a live partition is still detected.
    const newest = partitionOf(past[2]);
    await h.testDb.database.db.transaction(async (tx) => {
      await tx.execute(sql.raw(`ALTER TABLE ${newest} DISABLE TRIGGER USER`));
      await tx.execute(sql.raw(`DELETE FROM ${newest} WHERE actor_sub = 'backfill-2'`));
      await tx.execute(sql.raw(`ALTER TABLE ${newest} ENABLE TRIGGER USER`));
    });
    const broken = await verifyAuditTrail(db, keys);
    expect(broken).toMatchObject({ ok: false, firstBroken: { problem: 'missing' } });
    expect(broken.firstBroken!.seq).toBeGreaterThan(archive.lastSeq);

    if (h.testDb.url) {
      // npm run audit:verify -- --archive FILE, as an operator runs it, on the file and on a tampered copy.
      const env = {
        ...process.env,
        DATABASE_URL: h.testDb.url,
        DATA_DIR: h.config.DATA_DIR,
        LOG_LEVEL: 'silent',
      };
      const verify = (f: string) =>
        run(process.execPath, [resolve('dist/cli/verify-audit.js'), '--archive', f], { env }).then(
          (r) => ({ code: 0, out: r.stdout }),
          (e) => ({ code: e.code as number, out: String(e.stdout) }),
        );
      const good = await verify(file);
      expect(good.code, good.out).toBe(0);
      expect(JSON.parse(good.out)).toMatchObject({ ok: true, checkedRows: 4 });
      const tampered = join(dir, 'tampered.json');
      writeFileSync(tampered, JSON.stringify(changed));
      const bad = await verify(tampered);
      expect(bad.code).toBe(1);
      expect(JSON.parse(bad.out).firstBroken).toMatchObject({ seq: target.seq, problem: 'changed' });
    }

    // Scheduled work is measured: partition upkeep and sealing, by outcome.
    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(
      /scheduled_job_duration_seconds_count\{job="audit_partitions",outcome="ok"\} [1-9]/,
    );
    expect(metrics).toMatch(/scheduled_job_duration_seconds_count\{job="audit_seal",outcome="ok"\} [1-9]/);
  }, 240_000);
});
