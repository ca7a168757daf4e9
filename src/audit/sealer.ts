import type { FastifyBaseLogger } from 'fastify';
import { CompactSign } from 'jose';
import { and, asc, desc, eq, gte, lt, sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import { type Database, type Db, type Tx, rowsOf } from '../db/client.js';
import { auditChain, auditCheckpoints, auditEvents, auditSealState } from '../db/schema/audit.js';
import { type AuditEventRow, contentHashOf, linkHash } from './canonical.js';
import { type CheckpointKey, loadCheckpointKey } from './signing.js';

const BATCH = 5_000;

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
    let rows: AuditEventRow[] =
      watermark <= below
        ? []
        : await tx
            .select()
            .from(auditEvents)
            .where(and(gte(auditEvents.txid, below), lt(auditEvents.txid, watermark)))
            .orderBy(asc(auditEvents.txid), asc(auditEvents.id))
            .limit(BATCH);
    let newBelow = watermark;
    if (rows.length === BATCH) {
      // A full batch: stop before the last transaction's rows so a transaction is never split,
      // unless the batch is one huge transaction, which is then sealed whole.
      const lastTxid = rows[rows.length - 1].txid;
      const cut = rows.filter((r) => r.txid < lastTxid);
      if (cut.length > 0) {
        rows = cut;
        newBelow = lastTxid;
      } else {
        rows = await tx
          .select()
          .from(auditEvents)
          .where(eq(auditEvents.txid, lastTxid))
          .orderBy(asc(auditEvents.id));
        newBelow = lastTxid + 1n;
      }
    }

    let seq = Number(state.last_seq);
    let prev = state.last_hash;
    const links = rows.map((e: AuditEventRow) => {
      const contentHash = contentHashOf(e);
      const hash = linkHash(prev, contentHash);
      seq += 1;
      const link = { seq, eventId: e.id, eventTxid: e.txid, contentHash, prevHash: prev, hash };
      prev = hash;
      return link;
    });
    for (let i = 0; i < links.length; i += 1_000) {
      await tx.insert(auditChain).values(links.slice(i, i + 1_000));
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

export function startSealer(database: Database, config: Config, log: FastifyBaseLogger): AuditSealer {
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
      await run(config.AUDIT_CHECKPOINT_INTERVAL_SECONDS);
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
