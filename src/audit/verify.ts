import { type JWK, compactVerify, importJWK } from 'jose';
import { asc, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../db/client.js';
import { auditCheckpoints } from '../db/schema/audit.js';
import { type AuditEventRow, GENESIS_HASH, contentHashOf, linkHash } from './canonical.js';

export type Problem = 'changed' | 'missing' | 'inserted' | 'reordered' | 'bad_checkpoint';

export interface VerificationReport {
  ok: boolean;
  checkedRows: number;
  headSeq: number;
  headHash: string;
  pendingRows: number;
  oldestPendingSeconds: number | null;
  checkpoints: { checked: number; valid: number };
  firstBroken: { seq: number | null; eventId: string | null; problem: Problem; detail: string } | null;
}

const BATCH = 20_000;

type Joined = {
  seq: string;
  chain_event_id: string;
  event_txid: string;
  content_hash: string;
  prev_hash: string;
  hash: string;
} & Partial<Record<string, unknown>>;

/**
 * Recomputes the whole chain from the tables: every link, every row's content, the rows that
 * are in the events table but not in the chain, and every signed checkpoint. Reports the first
 * broken row and what is wrong with it. Rows newer than the sealer's watermark are pending.
 */
export async function verifyAuditTrail(db: Db, publicKeys: JWK[]): Promise<VerificationReport> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  let maxChainedTxid = -1n;
  let firstBroken: VerificationReport['firstBroken'] = null;
  const hashAt = new Map<number, string>();
  const checkpoints = await db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.seq));
  const checkpointSeqs = new Set(checkpoints.map((c) => c.seq));
  const breakAt = (seq: number | null, eventId: string | null, problem: Problem, detail: string) => {
    firstBroken ??= { seq, eventId, problem, detail };
  };

  for (let after = 0; ; ) {
    const batch = rowsOf<Joined>(
      await db.execute(sql`
        SELECT c.seq::text AS seq, c.event_id AS chain_event_id, c.event_txid::text AS event_txid,
               c.content_hash, c.prev_hash, c.hash,
               e.id, e.txid::text AS txid, e.occurred_at, e.actor_sub, e.actor_roles, e.actor_org, e.client_id,
               e.action, e.resource_type, e.resource_id, e.case_id, e.person_id, e.categories_disclosed,
               e.categories_withheld, e.purpose, e.basis_type, e.basis_id, e.break_glass, e.outcome, e.reason,
               e.request_id, e.client_address
          FROM audit_chain c LEFT JOIN audit_events e ON e.id = c.event_id
         WHERE c.seq > ${after}
         ORDER BY c.seq
         LIMIT ${BATCH}`),
    );
    if (batch.length === 0) break;
    // Content hashes of this batch, to tell a moved row (reordered) from an edited one (changed).
    const seqByContent = new Map(batch.map((r) => [r.content_hash, Number(r.seq)]));
    for (const r of batch) {
      const seq = Number(r.seq);
      checked += 1;
      if (seq !== expectedSeq) {
        breakAt(
          expectedSeq,
          null,
          'missing',
          `chain link ${expectedSeq} is missing (next present is ${seq})`,
        );
      } else if (r.prev_hash !== prevHash) {
        breakAt(seq, r.chain_event_id, 'inserted', 'the link does not continue from the previous one');
      } else if (linkHash(r.prev_hash, r.content_hash) !== r.hash) {
        breakAt(seq, r.chain_event_id, 'changed', 'the chain link itself was altered');
      } else if (r.id == null) {
        breakAt(seq, r.chain_event_id, 'missing', 'the audit row of this link was deleted');
      } else {
        const actual = contentHashOf(toEventRow(r));
        if (actual !== r.content_hash || String(r.txid) !== r.event_txid) {
          const movedFrom = seqByContent.get(actual);
          if (movedFrom !== undefined && movedFrom !== seq) {
            breakAt(
              seq,
              r.chain_event_id,
              'reordered',
              `this row holds the content sealed at position ${movedFrom}`,
            );
          } else {
            breakAt(seq, r.chain_event_id, 'changed', 'the audit row differs from what was sealed');
          }
        }
      }
      expectedSeq = seq + 1;
      prevHash = r.hash;
      const txid = BigInt(r.event_txid);
      if (txid > maxChainedTxid) maxChainedTxid = txid;
      if (checkpointSeqs.has(seq)) hashAt.set(seq, r.hash);
    }
    after = Number(batch[batch.length - 1].seq);
  }

  // Rows in the table that the chain does not hold: older than sealed rows means forged.
  const [unchained] = rowsOf<{
    forged: string | null;
    forged_count: string;
    pending: string;
    oldest: number | null;
  }>(
    await db.execute(sql`
      SELECT (array_agg(e.id ORDER BY e.txid, e.id) FILTER (WHERE e.txid <= ${maxChainedTxid.toString()}::bigint))[1]::text AS forged,
             count(*) FILTER (WHERE e.txid <= ${maxChainedTxid.toString()}::bigint)::text AS forged_count,
             count(*) FILTER (WHERE e.txid > ${maxChainedTxid.toString()}::bigint)::text AS pending,
             extract(epoch FROM now() - min(e.occurred_at) FILTER (WHERE e.txid > ${maxChainedTxid.toString()}::bigint))::float8 AS oldest
        FROM audit_events e
       WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id)`),
  );
  if (unchained.forged) {
    breakAt(
      null,
      unchained.forged,
      'inserted',
      `${unchained.forged_count} audit row(s) appear in no chain link but predate sealed rows`,
    );
  }

  // Checkpoints: a valid signature by a known key, over the hash the chain has at that position.
  const keys = await Promise.all(
    publicKeys.map(async (k) => ({ kid: k.kid, key: await importJWK(k, k.alg) })),
  );
  let valid = 0;
  for (const c of checkpoints) {
    const key = keys.find((k) => k.kid === c.keyId);
    let payload: { seq?: number; hash?: string } = {};
    try {
      if (!key) throw new Error('unknown key');
      const result = await compactVerify(c.jws, key.key);
      payload = JSON.parse(new TextDecoder().decode(result.payload));
    } catch {
      breakAt(c.seq, null, 'bad_checkpoint', `checkpoint at ${c.seq} has no valid signature`);
      continue;
    }
    if (payload.seq !== c.seq || payload.hash !== c.hash || hashAt.get(c.seq) !== c.hash) {
      breakAt(c.seq, null, 'bad_checkpoint', `the chain at ${c.seq} does not match the signed checkpoint`);
      continue;
    }
    valid += 1;
  }

  return {
    ok: firstBroken === null,
    checkedRows: checked,
    headSeq: expectedSeq - 1,
    headHash: prevHash,
    pendingRows: Number(unchained.pending),
    oldestPendingSeconds: unchained.oldest === null ? null : Math.round(Number(unchained.oldest) * 10) / 10,
    checkpoints: { checked: checkpoints.length, valid },
    firstBroken,
  };
}

/** Raw SQL rows to the typed shape the canonical form is defined on. */
function toEventRow(r: Record<string, any>): AuditEventRow {
  const arr = (v: unknown): string[] => (Array.isArray(v) ? v : parsePgArray(v));
  return {
    id: r.id,
    txid: BigInt(r.txid),
    occurredAt: r.occurred_at instanceof Date ? r.occurred_at : new Date(r.occurred_at),
    actorSub: r.actor_sub,
    actorRoles: arr(r.actor_roles),
    actorOrg: r.actor_org,
    clientId: r.client_id,
    action: r.action,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    caseId: r.case_id,
    personId: r.person_id,
    categoriesDisclosed: arr(r.categories_disclosed),
    categoriesWithheld: arr(r.categories_withheld),
    purpose: r.purpose,
    basisType: r.basis_type,
    basisId: r.basis_id,
    breakGlass: r.break_glass === true || r.break_glass === 't',
    outcome: r.outcome,
    reason: r.reason,
    requestId: r.request_id,
    clientAddress: r.client_address,
  };
}

/** Minimal text[] literal parser for drivers that return arrays as '{a,b}' strings. */
function parsePgArray(v: unknown): string[] {
  if (typeof v !== 'string' || v === '{}') return [];
  return v
    .slice(1, -1)
    .split(',')
    .map((s) => s.replace(/^"(.*)"$/, '$1'));
}
