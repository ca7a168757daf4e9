import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadCheckpointKey } from '../src/audit/signing.js';
import { verifyAuditTrail } from '../src/audit/verify.js';
import { backupEmbedded, backupKind, restoreEmbeddedFile } from '../src/db/backup.js';
import { openDatabase, rowsOf } from '../src/db/client.js';
import { type Harness, createHarness, testConfig, uid } from './helpers/app.js';
import { createPerson } from './helpers/factories.js';
import { createTestIssuer } from './helpers/tokens.js';

const run = promisify(execFile);

/**
 * Backups that keep the trail verifiable: `npm run backup` under write load, `npm run restore`
 * into a fresh database, `npm run audit:verify` on the restore (signed checkpoints included), and
 * the service sealing on from where the backup's chain ends. Processes are the compiled tools.
 * Runs once, on PostgreSQL (TEST_DATABASE_URL); the embedded database's round trip runs in the
 * same pass. Skipped on the PGlite pass: it spawns processes and creates databases on disk.
 */
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

type Cli = { code: number; out: string; err: string };
const cli = (script: string, args: string[], env: NodeJS.ProcessEnv): Promise<Cli> =>
  run(process.execPath, [resolve('dist/cli', script), ...args], { env, maxBuffer: 1 << 24 }).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e) => ({ code: e.code as number, out: String(e.stdout), err: String(e.stderr) }),
  );

describe.skipIf(!onPostgres)('backup and restore on PostgreSQL', () => {
  let h: Harness;
  const restoredName = `jj_test_restore_${randomBytes(5).toString('hex')}`;
  let restoredUrl: string;
  beforeAll(async () => {
    h = await createHarness({ AUDIT_CHECKPOINT_INTERVAL_SECONDS: '1' });
    const u = new URL(h.testDb.url!);
    u.pathname = `/${restoredName}`;
    restoredUrl = u.toString();
  });
  afterAll(async () => {
    await h?.close();
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${restoredName} WITH (FORCE)`);
    await admin.end();
  });

  it('takes a backup under write load; the restore verifies, checkpoints included, and seals on', async () => {
    const court = uid('court');
    const admin = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
    expect(
      (await admin.post('/v1/organizations', { id: court, name: 'Court', kind: 'court' })).statusCode,
    ).toBe(201);
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    for (let i = 0; i < 5; i++) await createPerson(clerk);
    await h.sealAll();
    await h.app.sealer.checkpointNow();

    // Write load: four writers registering children (each an audited change) until told to stop.
    const acknowledged: { id: string; at: number }[] = [];
    let stop = false;
    const writer = async () => {
      while (!stop) {
        const res = await clerk.post('/v1/persons', {
          givenName: uid('Given'),
          familyName: uid('Family'),
          dateOfBirth: '2010-05-01',
          sex: 'male',
          guardians: [],
        });
        expect(res.statusCode).toBe(201);
        acknowledged.push({ id: res.json().id, at: Date.now() });
      }
    };
    const writers = [writer(), writer(), writer(), writer()];
    while (acknowledged.length < 20) await new Promise((r) => setTimeout(r, 20));

    const file = join(mkdtempSync(join(tmpdir(), 'jj-backup-')), 'trail.dump');
    const env = {
      ...process.env,
      DATABASE_URL: h.testDb.url!,
      DATA_DIR: h.config.DATA_DIR, // the development checkpoint key the service signs with
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
    };
    const startedAt = Date.now();
    const backup = await cli('backup.js', ['--out', file], env);
    stop = true;
    await Promise.all(writers);
    expect(backup.code, backup.err).toBe(0);
    const report = JSON.parse(backup.out);
    expect(report).toMatchObject({ backend: 'postgres', file });
    expect(report.trail.seq).toBeGreaterThan(0);
    expect(report.trail.lastCheckpointSeq).toBeGreaterThan(0);
    expect(backupKind(file)).toBe('postgres');
    const ackedBefore = acknowledged.filter((a) => a.at < startedAt).map((a) => a.id);
    expect(acknowledged.length).toBeGreaterThan(ackedBefore.length); // writes went on during the dump

    const admin2 = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin2.connect();
    await admin2.query(`CREATE DATABASE ${restoredName}`);
    await admin2.end();
    const restore = await cli('restore.js', [file], { ...env, DATABASE_URL: restoredUrl });
    expect(restore.code, restore.err).toBe(0);
    expect(JSON.parse(restore.out).trail).toEqual(report.trail);

    // A second restore into the now non-empty database is refused, changing nothing.
    const again = await cli('restore.js', [file], { ...env, DATABASE_URL: restoredUrl });
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/not empty/);

    // npm run audit:verify on the restore: every link, every row, every signed checkpoint.
    const verify = await cli('verify-audit.js', [], { ...env, DATABASE_URL: restoredUrl });
    expect(verify.code, verify.out + verify.err).toBe(0);
    const verified = JSON.parse(verify.out);
    expect(verified).toMatchObject({ ok: true, headSeq: report.trail.seq, firstBroken: null });
    expect(verified.pendingRows).toBe(report.trail.pendingRows);
    expect(verified.checkpoints.checked).toBeGreaterThan(0);
    expect(verified.checkpoints.valid).toBe(verified.checkpoints.checked);

    // Every change acknowledged before the backup started is in it, with its audit row.
    const restored = openDatabase({ kind: 'postgres', url: restoredUrl, poolMax: 2 });
    try {
      const present = rowsOf<{ id: string; audited: boolean }>(
        await restored.db.execute(sql`
          SELECT p.id, EXISTS (SELECT 1 FROM audit_events e WHERE e.resource_id = p.id::text AND e.action = 'create') AS audited
            FROM persons p WHERE p.id = ANY(${`{${ackedBefore.join(',')}}`}::uuid[])`),
      );
      expect(present).toHaveLength(ackedBefore.length);
      expect(present.every((p) => p.audited)).toBe(true);

      // The service on the restore seals the rows that were pending in the backup, continuing the
      // chain from the backup's last sealed link, and the whole trail verifies.
      const app = await buildApp(h.config, { database: restored });
      await app.ready();
      try {
        for (let i = 0; i < 100; i++) {
          await app.sealer.sealNow();
          const r = await verifyAuditTrail(restored.db, [(await loadCheckpointKey(h.config)).publicJwk]);
          if (r.pendingRows === 0) break;
          await new Promise((res) => setTimeout(res, 50));
        }
        await app.sealer.checkpointNow();
        const after = await verifyAuditTrail(restored.db, [(await loadCheckpointKey(h.config)).publicJwk]);
        expect(after).toMatchObject({ ok: true, pendingRows: 0 });
        expect(after.headSeq).toBe(report.trail.seq + report.trail.pendingRows);
      } finally {
        await app.close();
      }
    } finally {
      await restored.close();
    }
  }, 300_000);
});

describe.skipIf(!onPostgres)('backup and restore of the embedded database', () => {
  it('dumps the data directory and restores it elsewhere; the restored trail verifies; a non-empty target is refused', async () => {
    const issuer = await createTestIssuer();
    const dataDir = mkdtempSync(join(tmpdir(), 'jj-pglite-backup-'));
    const config = testConfig(issuer, { DATA_DIR: dataDir });
    const source = openDatabase({ kind: 'pglite', dataDir });
    await source.migrate();
    const app = await buildApp(config, { database: source });
    await app.ready();
    const token = await issuer.sign({ sub: 'clerk-b', roles: ['court_clerk'], org: 'court-b' });
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/cases',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(200);
    }
    await app.sealer.sealNow();
    await app.sealer.checkpointNow();
    await app.close();
    const keys = [(await loadCheckpointKey(config)).publicJwk];
    const before = await verifyAuditTrail(source.db, keys);
    expect(before).toMatchObject({ ok: true, pendingRows: 0 });
    expect(before.headSeq).toBeGreaterThanOrEqual(3);

    const file = join(dataDir, 'embedded.tar.gz');
    const result = await backupEmbedded(source, file);
    await source.close();
    expect(result.trail).toMatchObject({ seq: before.headSeq, hash: before.headHash, pendingRows: 0 });
    expect(backupKind(file)).toBe('pglite');

    const target = mkdtempSync(join(tmpdir(), 'jj-pglite-restore-'));
    await restoreEmbeddedFile(target, file);
    await expect(restoreEmbeddedFile(target, file)).rejects.toThrow(/already holds a database/);
    const restored = openDatabase({ kind: 'pglite', dataDir: target });
    try {
      const after = await verifyAuditTrail(restored.db, keys);
      expect(after).toMatchObject({ ok: true, headSeq: before.headSeq, headHash: before.headHash });
      expect(after.checkpoints.valid).toBe(before.checkpoints.valid);
    } finally {
      await restored.close();
    }
    // Not a backup at all: refused with a clear message, before touching any database.
    const junk = join(dataDir, 'junk.bin');
    writeFileSync(junk, 'hello');
    const bad = await cli('restore.js', [junk], { ...process.env, DATA_DIR: target, DATABASE_URL: '' });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/not a backup/);
  }, 600_000); // three embedded databases on disk: minutes on two busy cores
});
