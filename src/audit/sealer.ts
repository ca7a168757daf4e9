import type { FastifyBaseLogger } from 'fastify';
import { CompactSign } from 'jose';
import { type SQL, desc, eq, sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import { type Database, type Db, type Tx, rowsOf } from '../db/client.js';
import { auditCheckpoints, auditSealState } from '../db/schema/audit.js';
import { contentHashSql, linkHash } from './canonical.js';
import { type CheckpointKey, loadCheckpointKey } from './signing.js';
import { type JobMetrics, measured } from '../plugins/metrics.js';

const BATCH = 20_000;

type Pending = { id: string; txid: string; content_hash: string };

/**
 * Asynchronous sealing (see README "The audit trail"). Requests insert audit rows unchained, in
 * their own transaction, so no request waits on a shared chain head. The sealer then chains, in
 * (txid, id) order, only rows whose inserting transaction is older than every transaction still
 * running (the snapshot's xmin): such rows are all committed or gone, so a late commit can never
 * be skipped, which sealing by a serial id would risk. A row lock on the state row lets sealers on
 * several instances take turns harmlessly.
 */
export async function sealOnce(
  db: Db,
  key: CheckpointKey | null,
  checkpointEverySeconds: number,
): Promise<number> {
  // The watermark first, before this transaction takes an id of its own.
  const [{ xmin }] = rowsOf<{ xmin: string }>(
    await db.execute(sql`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`),
  );
  const watermark = BigInt(xmin);
  return db.transaction(async (tx) => {
    const [state] = rowsOf<{ last_seq: string; last_hash: string; sealed_below_txid: string }>(
      await tx.execute(
        sql`SELECT last_seq::text, last_hash, sealed_below_txid::text FROM audit_seal_state WHERE id = 1 FOR UPDATE SKIP LOCKED`,
      ),
    );
    if (!state) return 0; // another instance is sealing right now
    const below = BigInt(state.sealed_below_txid);
    const select = (where: SQL, limit: number | null) =>
      tx.execute(sql`
        SELECT e.id, e.txid::text AS txid, ${contentHashSql('e')} AS content_hash
          FROM audit_events e WHERE ${where}
         ORDER BY e.txid, e.id ${limit === null ? sql`` : sql`LIMIT ${limit}`}`);
    let rows =
      watermark <= below
        ? []
        : rowsOf<Pending>(
            await select(
              sql`e.txid >= ${below.toString()}::bigint AND e.txid < ${watermark.toString()}::bigint`,
              BATCH,
            ),
          );
    let newBelow = watermark;
    if (rows.length === BATCH) {
      // A full batch: stop before the last transaction's rows so a transaction is never split,
      // unless the batch is one huge transaction, which is then sealed whole.
      const lastTxid = rows[rows.length - 1].txid;
      const cut = rows.filter((r) => r.txid !== lastTxid);
      if (cut.length > 0) {
        rows = cut;
        newBelow = BigInt(lastTxid);
      } else {
        rows = rowsOf<Pending>(await select(sql`e.txid = ${lastTxid}::bigint`, null));
        newBelow = BigInt(lastTxid) + 1n;
      }
    }

    let seq = Number(state.last_seq);
    let prev = state.last_hash;
    const links = rows.map((e) => {
      const hash = linkHash(prev, e.content_hash);
      seq += 1;
      const link = {
        seq,
        event_id: e.id,
        event_txid: e.txid,
        content_hash: e.content_hash,
        prev_hash: prev,
        hash,
      };
      prev = hash;
      return link;
    });
    for (let i = 0; i < links.length; i += 5_000) {
      // One statement per chunk; JSON travels the same way through pg and PGlite.
      await tx.execute(sql`
        INSERT INTO audit_chain (seq, event_id, event_txid, content_hash, prev_hash, hash)
        SELECT seq, event_id, event_txid, content_hash, prev_hash, hash
          FROM jsonb_to_recordset(${JSON.stringify(links.slice(i, i + 5_000))}::jsonb)
            AS x(seq bigint, event_id uuid, event_txid bigint, content_hash text, prev_hash text, hash text)`);
    }
    if (newBelow > below) {
      await tx
        .update(auditSealState)
        .set({ lastSeq: seq, lastHash: prev, sealedBelowTxid: newBelow, updatedAt: new Date() })
        .where(eq(auditSealState.id, 1));
    }
    if (key && seq > 0) await maybeCheckpoint(tx, key, seq, prev, checkpointEverySeconds);
    return links.length;
  });
}

async function maybeCheckpoint(tx: Tx, key: CheckpointKey, seq: number, hash: string, everySeconds: number) {
  const [last] = await tx.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.seq)).limit(1);
  if (last && (last.seq >= seq || Date.now() - last.createdAt.getTime() < everySeconds * 1000)) return;
  const payload = { seq, hash, iat: Math.floor(Date.now() / 1000), chain: 'jj-case-api/audit' };
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: String(key.publicJwk.alg), kid: key.kid, typ: 'audit-checkpoint+jws' })
    .sign(key.privateKey);
  await tx.insert(auditCheckpoints).values({ seq, hash, jws, keyId: key.kid });
}

export interface AuditSealer {
  /** Seals everything sealable now (tests and the verify endpoint use it); returns rows chained. */
  sealNow(): Promise<number>;
  /** Writes a checkpoint of the current head if there is anything new since the last one. */
  checkpointNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startSealer(
  database: Database,
  config: Config,
  log: FastifyBaseLogger,
  jobs?: JobMetrics,
): AuditSealer {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  const keyPromise = loadCheckpointKey(config);
  // Without this, a bad key file would be an unhandled rejection until the first seal.
  keyPromise.catch((err) => log.error({ err }, 'audit checkpoint key could not be loaded'));

  const run = (checkpointEvery: number) => {
    const next = running.then(async () => {
      let total = 0;
      for (;;) {
        const n = await sealOnce(database.db, await keyPromise, checkpointEvery);
        total += n;
        if (n < BATCH - 1) return total;
      }
    });
    running = next.catch(() => {});
    return next;
  };

  const tick = async () => {
    if (stopped) return;
    try {
      await measured(
        jobs,
        'audit_seal',
        () => run(config.AUDIT_CHECKPOINT_INTERVAL_SECONDS),
        (n) => n,
      );
    } catch (err) {
      if (!stopped) log.warn({ err }, 'audit sealing failed; will retry');
    }
    if (!stopped) {
      timer = setTimeout(tick, config.AUDIT_SEAL_INTERVAL_MS);
      timer.unref();
    }
  };
  timer = setTimeout(tick, config.AUDIT_SEAL_INTERVAL_MS);
  timer.unref();

  return {
    sealNow: () => run(config.AUDIT_CHECKPOINT_INTERVAL_SECONDS),
    async checkpointNow() {
      await run(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
