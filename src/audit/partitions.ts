import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { CompactSign, type JWK, compactVerify, importJWK } from 'jose';
import { sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { type Db, rowsOf } from '../db/client.js';
import { type JobMetrics, measured } from '../plugins/metrics.js';
import { auditArchives } from '../db/schema/audit.js';
import { canonicalSql, linkHash, sha256 } from './canonical.js';
import type { CheckpointKey } from './signing.js';
import type { Problem } from './verify.js';

/**
 * Monthly partitions of the audit trail and their archives.
 *
 * An archive holds every chain link from the first to the last position of the month's rows
 * (so the links are contiguous and each one's hash can be recomputed from the one before), each
 * with the canonical text of its row (the exact text its content hash covers: the row itself),
 * and a checkpoint of its last link signed by the audit key. Changing, removing or reordering
 * any archived row or link breaks either a content hash, a link, or the signed last hash.
 */
export const ARCHIVE_FORMAT = 'jj-audit-archive/v1';

export interface ArchivedLink {
  seq: number;
  eventId: string;
  eventTxid: string;
  contentHash: string;
  prevHash: string;
  hash: string;
  /** The row's canonical text; null for a row of a neighbouring month archived earlier. */
  canonical: string | null;
}

export interface AuditArchive {
  format: typeof ARCHIVE_FORMAT;
  month: string;
  partition: string;
  rows: number;
  firstSeq: number;
  lastSeq: number;
  /** Compact JWS over { kind, month, firstSeq, lastSeq, lastHash, rows }. */
  checkpoint: string;
  links: ArchivedLink[];
}

export interface ArchiveVerification {
  ok: boolean;
  month: string | null;
  checkedRows: number;
  firstSeq: number | null;
  lastSeq: number | null;
  firstBroken: { seq: number | null; problem: Problem; detail: string } | null;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function partitionName(month: string): string {
  const m = MONTH.exec(month);
  if (!m) throw new ArchiveError(`month must be YYYY-MM, not ${month}`);
  return `audit_events_${m[1]}_${m[2]}`;
}

export class ArchiveError extends Error {}

/** Creates the partitions of this month and the next ones (UTC), unless they exist. */
export async function ensureAuditPartitions(db: Db, monthsAhead = 2, now = new Date()): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i <= monthsAhead; i++) {
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1));
    const [row] = rowsOf<{ name: string }>(
      await db.execute(sql`SELECT audit_ensure_partition(${day.toISOString().slice(0, 10)}::date) AS name`),
    );
    names.push(row.name);
  }
  return names;
}

const UPKEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Keeps this month's and the next two months' partitions in place: at startup, then hourly, on
 * every instance (the database function serialises creators and is a lookup when they exist).
 */
export function startPartitionUpkeep(db: Db, log: FastifyBaseLogger, jobs?: JobMetrics) {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = measured(
      jobs,
      'audit_partitions',
      () => ensureAuditPartitions(db),
      (names) => names.length,
    ).catch((err) => log.warn({ err: (err as Error).message }, 'audit partition upkeep failed; will retry'));
    return running;
  };
  const timer = setInterval(tick, UPKEEP_INTERVAL_MS);
  timer.unref();
  return {
    /** The first pass, awaited at startup. */
    ready: tick(),
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** The live monthly partitions, oldest first, with their row counts. */
export async function listAuditPartitions(db: Db): Promise<{ partition: string; rows: number }[]> {
  const parts = rowsOf<{ partition: string }>(
    await db.execute(sql`
      SELECT c.relname AS partition FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'audit_events'::regclass ORDER BY c.relname`),
  );
  const out: { partition: string; rows: number }[] = [];
  for (const p of parts) {
    const [r] = rowsOf<{ n: number }>(
      await db.execute(sql`SELECT count(*)::int AS n FROM ${sql.identifier(p.partition)}`),
    );
    out.push({ partition: p.partition, rows: r.n });
  }
  return out;
}

/**
 * Writes the archive of a past month to `file` (fsynced), then, in one transaction, records it in
 * audit_archives and detaches the month's partition from the live trail. The detached table is
 * left in place for the operator to drop once the archive is stored safely. Refused for the
 * current or a future month, a month not yet wholly sealed, and a month already archived.
 */
export async function archiveMonth(
  db: Db,
  key: CheckpointKey,
  month: string,
  file: string,
  now = new Date(),
): Promise<AuditArchive> {
  const partition = partitionName(month);
  const current = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  if (month >= current) throw new ArchiveError(`${month} is not over yet: only past months can be archived`);
  const [attached] = rowsOf<{ ok: boolean }>(
    await db.execute(sql`
      SELECT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                      WHERE i.inhparent = 'audit_events'::regclass AND c.relname = ${partition}) AS ok`),
  );
  if (!attached.ok)
    throw new ArchiveError(`${partition} is not a partition of the live trail (archived already?)`);
  const part = sql.identifier(partition);
  const [state] = rowsOf<{ rows: number; unsealed: number; first: string | null; last: string | null }>(
    await db.execute(sql`
      SELECT count(*)::int AS rows,
             (count(*) FILTER (WHERE c.seq IS NULL))::int AS unsealed,
             min(c.seq)::text AS first, max(c.seq)::text AS last
        FROM ${part} e LEFT JOIN audit_chain c ON c.event_id = e.id`),
  );
  if (state.rows === 0) throw new ArchiveError(`${partition} holds no rows: nothing to archive`);
  if (state.unsealed > 0) {
    throw new ArchiveError(
      `${state.unsealed} row(s) of ${month} are not sealed yet: run the service, then retry`,
    );
  }
  const firstSeq = Number(state.first);
  const lastSeq = Number(state.last);
  const links = rowsOf<{
    seq: string;
    event_id: string;
    event_txid: string;
    content_hash: string;
    prev_hash: string;
    hash: string;
    canonical: string | null;
  }>(
    await db.execute(sql`
      SELECT c.seq::text AS seq, c.event_id, c.event_txid::text AS event_txid, c.content_hash, c.prev_hash, c.hash,
             CASE WHEN e.id IS NULL THEN NULL ELSE ${canonicalSql('e')} END AS canonical
        FROM audit_chain c LEFT JOIN audit_events e ON e.id = c.event_id
       WHERE c.seq BETWEEN ${firstSeq} AND ${lastSeq}
       ORDER BY c.seq`),
  ).map(
    (l): ArchivedLink => ({
      seq: Number(l.seq),
      eventId: l.event_id,
      eventTxid: l.event_txid,
      contentHash: l.content_hash,
      prevHash: l.prev_hash,
      hash: l.hash,
      // A row of another month archived earlier is no longer in audit_events.
      canonical: l.canonical,
    }),
  );
  const lastHash = links[links.length - 1].hash;
  const payload = { kind: 'audit-archive', month, firstSeq, lastSeq, lastHash, rows: state.rows };
  const checkpoint = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: String(key.publicJwk.alg), kid: key.kid, typ: 'audit-archive+jws' })
    .sign(key.privateKey);
  const archive: AuditArchive = {
    format: ARCHIVE_FORMAT,
    month,
    partition,
    rows: state.rows,
    firstSeq,
    lastSeq,
    checkpoint,
    links,
  };
  const text = `${JSON.stringify(archive)}\n`;
  const fd = openSync(file, 'wx');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  await db.transaction(async (tx) => {
    await tx.insert(auditArchives).values({
      month,
      partition,
      firstSeq,
      lastSeq,
      lastHash,
      rows: state.rows,
      fileSha256: createHash('sha256').update(text).digest('hex'),
      jws: checkpoint,
      keyId: key.kid,
    });
    await tx.execute(sql`ALTER TABLE audit_events DETACH PARTITION ${part}`);
  });
  return archive;
}

/**
 * Verifies an archive on its own, with no database: every row against its link's content hash,
 * every link against the one before, and the last link against the checkpoint signed by a
 * trusted key. `live` (the database, when at hand) also checks that the archive's links are the
 * live chain's links at the same positions.
 */
export async function verifyArchive(
  archive: AuditArchive,
  publicKeys: JWK[],
  live?: Db,
): Promise<ArchiveVerification> {
  const base = {
    month: archive.month ?? null,
    checkedRows: 0,
    firstSeq: archive.firstSeq ?? null,
    lastSeq: archive.lastSeq ?? null,
  };
  const fail = (seq: number | null, problem: Problem, detail: string): ArchiveVerification => ({
    ...base,
    ok: false,
    firstBroken: { seq, problem, detail },
  });
  if (archive.format !== ARCHIVE_FORMAT || !Array.isArray(archive.links) || archive.links.length === 0) {
    return fail(null, 'missing', 'not an audit archive');
  }
  let payload: {
    kind?: string;
    month?: string;
    firstSeq?: number;
    lastSeq?: number;
    lastHash?: string;
    rows?: number;
  };
  try {
    const header = JSON.parse(Buffer.from(archive.checkpoint.split('.')[0], 'base64url').toString());
    const jwk = publicKeys.find((k) => k.kid === header.kid);
    if (!jwk) throw new Error('unknown key');
    const { payload: bytes } = await compactVerify(archive.checkpoint, await importJWK(jwk, jwk.alg));
    payload = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return fail(
      archive.lastSeq ?? null,
      'bad_checkpoint',
      'the archive checkpoint has no valid signature by a trusted key',
    );
  }
  if (
    payload.kind !== 'audit-archive' ||
    payload.month !== archive.month ||
    payload.firstSeq !== archive.firstSeq
  ) {
    return fail(null, 'bad_checkpoint', 'the archive does not match its signed checkpoint');
  }
  let checked = 0;
  let prev: ArchivedLink | null = null;
  for (const link of archive.links) {
    if (prev && link.seq !== prev.seq + 1) {
      return {
        ...fail(prev.seq + 1, 'missing', `chain link ${prev.seq + 1} is missing from the archive`),
        checkedRows: checked,
      };
    }
    if (!prev && link.seq !== payload.firstSeq) {
      return fail(link.seq, 'missing', 'the archive does not start where its checkpoint says');
    }
    if (link.canonical !== null && sha256(link.canonical) !== link.contentHash) {
      return {
        ...fail(link.seq, 'changed', 'the archived row differs from what was sealed'),
        checkedRows: checked,
      };
    }
    if (link.hash !== linkHash(link.prevHash, link.contentHash)) {
      return {
        ...fail(link.seq, 'changed', 'the archived chain link itself was altered'),
        checkedRows: checked,
      };
    }
    if (prev && link.prevHash !== prev.hash) {
      return {
        ...fail(link.seq, 'inserted', 'the link does not continue from the previous one'),
        checkedRows: checked,
      };
    }
    // The canonical text is a JSON array; its fourth element is the row's time (UTC).
    if (link.canonical !== null && String(JSON.parse(link.canonical)[3]).startsWith(archive.month))
      checked += 1;
    prev = link;
  }
  if (checked !== payload.rows) {
    return {
      ...fail(
        null,
        'missing',
        `the archive holds ${checked} row(s) of ${archive.month}, its checkpoint says ${payload.rows}`,
      ),
      checkedRows: checked,
    };
  }
  const last = archive.links[archive.links.length - 1];
  if (last.seq !== payload.lastSeq || last.hash !== payload.lastHash) {
    return {
      ...fail(last.seq, 'bad_checkpoint', 'the last link does not match the signed checkpoint'),
      checkedRows: checked,
    };
  }
  if (live) {
    const rows = rowsOf<{ seq: string; hash: string }>(
      await live.execute(
        sql`SELECT seq::text AS seq, hash FROM audit_chain WHERE seq BETWEEN ${archive.firstSeq} AND ${archive.lastSeq} ORDER BY seq`,
      ),
    );
    const byPosition = new Map(rows.map((r) => [Number(r.seq), r.hash]));
    const differs = archive.links.find((l) => byPosition.get(l.seq) !== l.hash);
    if (differs) {
      return {
        ...fail(differs.seq, 'changed', 'the archived link differs from the live chain'),
        checkedRows: checked,
      };
    }
  }
  return { ...base, ok: true, checkedRows: checked, firstBroken: null };
}
