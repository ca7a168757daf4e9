import { type JWK, compactVerify, importJWK } from 'jose';
import { asc, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../db/client.js';
import { auditCheckpoints } from '../db/schema/audit.js';
import { GENESIS_HASH, contentHashSql, linkHashSql } from './canonical.js';

export type Problem = 'changed' | 'missing' | 'inserted' | 'reordered' | 'bad_checkpoint';

export interface VerificationReport {
  ok: boolean;
  /** The positions checked: the whole chain, or the range asked for. */
  range: { fromSeq: number; toSeq: number | null };
  /** Links whose rows were detached to an archive (verified against the archive's checkpoint instead). */
  archivedRows: number;
  checkedRows: number;
  headSeq: number;
  headHash: string;
  pendingRows: number;
  oldestPendingSeconds: number | null;
  checkpoints: { checked: number; valid: number };
  firstBroken: { seq: number | null; eventId: string | null; problem: Problem; detail: string } | null;
}

type Finding = NonNullable<VerificationReport['firstBroken']>;

/**
 * Recomputes the whole chain inside the database, where a million rows take seconds: each link
 * stores the previous hash, so every row's content and every link is checked independently, and
 * the links by one self-join. Then the rows that no link holds, and every signed checkpoint.
 * Reports the first broken row (lowest position) and what is wrong with it. Rows newer than
 * the last sealed transaction are pending, not broken.
 */
export interface VerifyRange {
  fromSeq?: number;
  toSeq?: number;
}

export async function verifyAuditTrail(
  db: Db,
  publicKeys: JWK[],
  range: VerifyRange = {},
): Promise<VerificationReport> {
  const findings: Finding[] = [];
  const genesis = GENESIS_HASH;
  const from = range.fromSeq ?? 1;
  const to = range.toSeq ?? null;
  // Positions outside the range are not checked (their neighbours' links still are).
  const inRange = (col: string) =>
    to === null ? sql`${sql.raw(col)} >= ${from}` : sql`${sql.raw(col)} BETWEEN ${from} AND ${to}`;
  // A link whose row went to an archive with its month: the archive's checkpoint covers it.
  // (A database not migrated yet to monthly partitions has no archives.)
  const [{ archives }] = rowsOf<{ archives: string | null }>(
    await db.execute(sql`SELECT to_regclass('audit_archives')::text AS archives`),
  );
  const archived = (col: string) =>
    archives
      ? sql`EXISTS (SELECT 1 FROM audit_archives a WHERE ${sql.raw(col)} BETWEEN a.first_seq AND a.last_seq)`
      : sql`false`;

  const [summary] = rowsOf<{
    n: number;
    head_seq: string | null;
    head_hash: string | null;
    max_txid: string | null;
  }>(
    await db.execute(sql`
      SELECT count(*) FILTER (WHERE ${inRange('seq')})::int AS n, max(seq)::text AS head_seq,
             max(event_txid)::text AS max_txid,
             (SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1) AS head_hash
        FROM audit_chain`),
  );

  // Links: a gap in the positions, a link that does not continue the previous one, or an altered link.
  const [link] = rowsOf<{ seq: string; event_id: string; problem: string }>(
    // min() over the whole table lets the database scan in parallel; then the one row is explained.
    await db.execute(sql`
      WITH first_bad AS (
        SELECT min(c.seq) AS seq
          FROM audit_chain c LEFT JOIN audit_chain p ON p.seq = c.seq - 1
         WHERE ${inRange('c.seq')}
           AND ((c.seq > 1 AND p.seq IS NULL)
            OR c.prev_hash <> coalesce(p.hash, ${genesis})
            OR c.hash <> ${linkHashSql(sql`c.prev_hash`, sql`c.content_hash`)}))
      SELECT c.seq::text AS seq, c.event_id,
             CASE WHEN c.seq > 1 AND p.seq IS NULL THEN 'gap'
                  WHEN c.prev_hash <> coalesce(p.hash, ${genesis}) THEN 'link'
                  ELSE 'altered' END AS problem
        FROM audit_chain c LEFT JOIN audit_chain p ON p.seq = c.seq - 1
       WHERE c.seq = (SELECT seq FROM first_bad)`),
  );
  const [first] = rowsOf<{ seq: string }>(
    await db.execute(sql`SELECT min(seq)::text AS seq FROM audit_chain`),
  );
  if (from <= 1 && first.seq !== null && first.seq !== '1') {
    findings.push({
      seq: 1,
      eventId: null,
      problem: 'missing',
      detail: 'the chain does not start at position 1',
    });
  }
  if (link) {
    const seq = Number(link.seq);
    if (link.problem === 'gap') {
      findings.push({
        seq: seq - 1,
        eventId: null,
        problem: 'missing',
        detail: `chain link ${seq - 1} is missing`,
      });
    } else if (link.problem === 'link') {
      findings.push({
        seq,
        eventId: link.event_id,
        problem: 'inserted',
        detail: 'the link does not continue from the previous one',
      });
    } else {
      findings.push({
        seq,
        eventId: link.event_id,
        problem: 'changed',
        detail: 'the chain link itself was altered',
      });
    }
  }

  // Contents: every audit row a link holds must still hash to what was sealed.
  const [content] = rowsOf<{ seq: string; event_id: string; missing: boolean; actual: string | null }>(
    await db.execute(sql`
      WITH first_bad AS (
        SELECT min(c.seq) AS seq
          FROM audit_chain c LEFT JOIN audit_events e ON e.id = c.event_id
         WHERE ${inRange('c.seq')}
           AND ((e.id IS NULL AND NOT ${archived('c.seq')})
            OR (e.id IS NOT NULL AND (e.txid <> c.event_txid OR ${contentHashSql('e')} <> c.content_hash))))
      SELECT c.seq::text AS seq, c.event_id, e.id IS NULL AS missing,
             CASE WHEN e.id IS NULL THEN NULL ELSE ${contentHashSql('e')} END AS actual
        FROM audit_chain c LEFT JOIN audit_events e ON e.id = c.event_id
       WHERE c.seq = (SELECT seq FROM first_bad)`),
  );
  if (content) {
    const seq = Number(content.seq);
    if (content.missing) {
      findings.push({
        seq,
        eventId: content.event_id,
        problem: 'missing',
        detail: 'the audit row of this link was deleted',
      });
    } else {
      // The same content sealed at another position means rows were moved, not edited.
      const [moved] = rowsOf<{ seq: string }>(
        await db.execute(
          sql`SELECT seq::text AS seq FROM audit_chain WHERE content_hash = ${content.actual} AND seq <> ${seq} LIMIT 1`,
        ),
      );
      findings.push(
        moved
          ? {
              seq,
              eventId: content.event_id,
              problem: 'reordered',
              detail: `this position holds the row sealed at ${moved.seq}`,
            }
          : {
              seq,
              eventId: content.event_id,
              problem: 'changed',
              detail: 'the audit row differs from what was sealed',
            },
      );
    }
  }

  // Rows that no link holds: older than the newest sealed transaction means forged; newer, pending.
  const maxTxid = summary.max_txid ?? '-1';
  const [unchained] = rowsOf<{
    forged: string | null;
    forged_count: number;
    pending: number;
    oldest: number | null;
  }>(
    await db.execute(sql`
      SELECT (array_agg(e.id ORDER BY e.txid, e.id) FILTER (WHERE e.txid <= ${maxTxid}::bigint))[1]::text AS forged,
             (count(*) FILTER (WHERE e.txid <= ${maxTxid}::bigint))::int AS forged_count,
             (count(*) FILTER (WHERE e.txid > ${maxTxid}::bigint))::int AS pending,
             extract(epoch FROM now() - min(e.occurred_at) FILTER (WHERE e.txid > ${maxTxid}::bigint))::float8 AS oldest
        FROM audit_events e
       WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id)`),
  );

  const [archivedCount] = rowsOf<{ n: number }>(
    await db.execute(sql`
      SELECT count(*)::int AS n FROM audit_chain c
       WHERE ${inRange('c.seq')} AND ${archived('c.seq')}
         AND NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.id = c.event_id)`),
  );

  // Checkpoints: a valid signature by a trusted key, over the hash the chain has at that position.
  const checkpoints = (await db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.seq))).filter(
    (c) => c.seq >= from && (to === null || c.seq <= to),
  );
  const hashAt = new Map(
    rowsOf<{ seq: string; hash: string }>(
      await db.execute(
        sql`SELECT seq::text AS seq, hash FROM audit_chain WHERE seq IN (SELECT seq FROM audit_checkpoints)`,
      ),
    ).map((r) => [Number(r.seq), r.hash]),
  );
  const keys = await Promise.all(
    publicKeys.map(async (k) => ({ kid: k.kid, key: await importJWK(k, k.alg) })),
  );
  let valid = 0;
  const checkpointFindings: Finding[] = [];
  for (const c of checkpoints) {
    const key = keys.find((k) => k.kid === c.keyId);
    let payload: { seq?: number; hash?: string } = {};
    try {
      if (!key) throw new Error('unknown key');
      payload = JSON.parse(new TextDecoder().decode((await compactVerify(c.jws, key.key)).payload));
    } catch {
      checkpointFindings.push({
        seq: c.seq,
        eventId: null,
        problem: 'bad_checkpoint',
        detail: `checkpoint at ${c.seq} has no valid signature by a trusted key`,
      });
      continue;
    }
    if (payload.seq !== c.seq || payload.hash !== c.hash || hashAt.get(c.seq) !== c.hash) {
      checkpointFindings.push({
        seq: c.seq,
        eventId: null,
        problem: 'bad_checkpoint',
        detail: `the chain at ${c.seq} does not match its signed checkpoint`,
      });
      continue;
    }
    valid += 1;
  }

  findings.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  if (unchained.forged) {
    findings.push({
      seq: null,
      eventId: unchained.forged,
      problem: 'inserted',
      detail: `${unchained.forged_count} audit row(s) are in no chain link but predate sealed rows`,
    });
  }
  findings.push(...checkpointFindings);

  return {
    ok: findings.length === 0,
    range: { fromSeq: from, toSeq: to },
    archivedRows: archivedCount.n,
    checkedRows: summary.n,
    headSeq: summary.head_seq === null ? 0 : Number(summary.head_seq),
    headHash: summary.head_hash ?? genesis,
    pendingRows: unchained.pending,
    oldestPendingSeconds: unchained.oldest === null ? null : Math.round(Number(unchained.oldest) * 10) / 10,
    checkpoints: { checked: checkpoints.length, valid },
    firstBroken: findings[0] ?? null,
  };
}
