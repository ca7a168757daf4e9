import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { type Database, restoreEmbedded, rowsOf } from './client.js';

/** Where the audit chain stood in a backup: the last sealed link. Rows after it were pending. */
export interface TrailHead {
  seq: number;
  hash: string;
  /** Audit rows in the backup that no link held yet (sealed after a restore). */
  pendingRows: number;
  /** Position of the newest signed checkpoint in the backup. */
  lastCheckpointSeq: number | null;
}

export interface BackupResult {
  backend: 'postgres' | 'pglite';
  file: string;
  bytes: number;
  seconds: number;
  trail: TrailHead;
}

const HEAD_SQL = `
  SELECT s.last_seq::text AS seq, s.last_hash AS hash,
         (SELECT count(*)::int FROM audit_events e WHERE e.txid >= s.sealed_below_txid) AS pending,
         (SELECT max(seq)::text FROM audit_checkpoints) AS checkpoint
    FROM audit_seal_state s WHERE s.id = 1`;

type HeadRow = { seq: string; hash: string; pending: number; checkpoint: string | null };
const toHead = (r: HeadRow): TrailHead => ({
  seq: Number(r.seq),
  hash: r.hash,
  pendingRows: Number(r.pending),
  lastCheckpointSeq: r.checkpoint === null ? null : Number(r.checkpoint),
});

/**
 * The libpq tools get the server from the URL, and the password through the environment, so that
 * it never shows in the process list.
 */
function libpq(url: string): { target: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { target: u.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

function runTool(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', (err) =>
      reject(new Error(`${command} could not run (${err.message}): install the PostgreSQL client tools`)),
    );
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} failed (exit ${code}): ${stderr.trim()}`)),
    );
  });
}

/**
 * pg_dump in the custom format, from a snapshot this function exports: the trail head it reports
 * is read in the very snapshot the dump holds, so it says exactly where the backup's chain ends.
 * Consistent under write load (one repeatable-read snapshot); writers are not blocked.
 */
export async function backupPostgres(url: string, file: string): Promise<BackupResult> {
  const started = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows } = await client.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
    const head = toHead((await client.query<HeadRow>(HEAD_SQL)).rows[0]);
    const { target, env } = libpq(url);
    await runTool(
      'pg_dump',
      ['--format=custom', `--snapshot=${rows[0].snapshot}`, '--file', file, '--dbname', target],
      env,
    );
    await client.query('COMMIT');
    return {
      backend: 'postgres',
      file,
      bytes: statSync(file).size,
      seconds: (performance.now() - started) / 1000,
      trail: head,
    };
  } finally {
    await client.end();
  }
}

/**
 * pg_restore into an empty database, in one transaction (a failed restore leaves nothing). The
 * restored server must hand out transaction ids above the backup's: the sealer chains rows by the
 * id of the transaction that wrote them, so a server whose counter is behind would leave new rows
 * unsealed. The same cluster, or a copy of it, always is; a new cluster is brought past it with
 * `pg_resetwal --epoch` before the restore (README "Backups").
 */
export async function restorePostgres(url: string, file: string): Promise<TrailHead> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string | null }>(
      "SELECT to_regclass('public.audit_events')::text AS t",
    );
    if (rows[0].t) {
      throw new Error(
        'the target database is not empty (it has an audit trail): restore into a new database',
      );
    }
    const { target, env } = libpq(url);
    await runTool(
      'pg_restore',
      ['--exit-on-error', '--single-transaction', '--no-owner', '--dbname', target, file],
      env,
    );
    const head = toHead((await client.query<HeadRow>(HEAD_SQL)).rows[0]);
    const { rows: ids } = await client.query<{ now: string; newest: string | null }>(
      'SELECT pg_current_xact_id()::text AS now, (SELECT max(txid)::text FROM audit_events) AS newest',
    );
    if (ids[0].newest !== null && BigInt(ids[0].now) <= BigInt(ids[0].newest)) {
      throw new Error(
        `restored, but this server's transaction ids (${ids[0].now}) are behind the backup's (${ids[0].newest}): ` +
          'new audit rows would not be sealed. Stop the server, run pg_resetwal --epoch=<current epoch + 1> on its data directory, start it, and restore again into a new database.',
      );
    }
    return head;
  } finally {
    await client.end();
  }
}

/** PGlite: a gzipped tarball of the data directory (`dumpDataDir`), taken with the service stopped. */
export async function backupEmbedded(database: Database, file: string): Promise<BackupResult> {
  const started = performance.now();
  if (!database.embedded) throw new Error('not an embedded database');
  const head = toHead(rowsOf<HeadRow>(await database.db.execute(sql.raw(HEAD_SQL)))[0]);
  const dump = await database.embedded.dumpDataDir('gzip');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  return {
    backend: 'pglite',
    file,
    bytes: statSync(file).size,
    seconds: (performance.now() - started) / 1000,
    trail: head,
  };
}

export async function restoreEmbeddedFile(dataDir: string, file: string): Promise<void> {
  const bytes = await readFile(file);
  await restoreEmbedded(dataDir, new Blob([bytes]));
}

/** Which backend wrote a backup file: pg_dump's custom format starts with PGDMP, PGlite's is gzip. */
export function backupKind(file: string): 'postgres' | 'pglite' | 'unknown' {
  const fd = openSync(file, 'r');
  const magic = Buffer.alloc(5);
  try {
    readSync(fd, magic, 0, 5, 0);
  } finally {
    closeSync(fd);
  }
  if (magic.toString('latin1') === 'PGDMP') return 'postgres';
  if (magic[0] === 0x1f && magic[1] === 0x8b) return 'pglite';
  return 'unknown';
}
