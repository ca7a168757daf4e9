import type { RequestContext } from '../access/caller.js';
import { type AuditFn, writeAudit } from '../audit/writer.js';
import type { Db, Tx } from '../db/client.js';
import { AppError } from './errors.js';

/**
 * The unit of work every service runs in: the change and its audit rows commit together.
 * When the work fails with an error that carries an audit entry (an access denial, a refused
 * state change), the transaction rolls back and the denial is then recorded on its own, so that
 * denials are audited and nothing of the refused change remains.
 */
export async function withTransaction<T>(
  db: Db,
  ctx: RequestContext,
  work: (tx: Tx, audit: AuditFn) => Promise<T>,
): Promise<T> {
  try {
    return await db.transaction((tx) => work(tx, (entry) => writeAudit(tx, ctx, entry)));
  } catch (err) {
    if (err instanceof AppError && err.audit) {
      const entry = err.audit;
      await db.transaction((tx) => writeAudit(tx, ctx, { ...entry, outcome: entry.outcome ?? 'denied' }));
    }
    throw err;
  }
}

/**
 * withTransaction for work that only reads, in one statement, and records the read: no BEGIN and
 * COMMIT around it (two of a match's five round trips, 05:26 UTC at a million children). The audit
 * row is its own statement, committed before the work returns, so a response never leaves without
 * its row: a failed audit write fails the request as inside a transaction. Denials are recorded as
 * by withTransaction. A single read statement sees one snapshot, so nothing is lost by not sharing
 * one; work with several reads, or with a change, belongs in withTransaction.
 */
export async function withAuditedRead<T>(
  db: Db,
  ctx: RequestContext,
  work: (db: Db, audit: AuditFn) => Promise<T>,
): Promise<T> {
  try {
    return await work(db, (entry) => {
      if (entry.action !== 'read' && entry.action !== 'search') {
        throw new Error(`withAuditedRead records reads only, not '${entry.action}'`);
      }
      return writeAudit(db, ctx, entry);
    });
  } catch (err) {
    if (err instanceof AppError && err.audit) {
      const entry = err.audit;
      await db.transaction((tx) => writeAudit(tx, ctx, { ...entry, outcome: entry.outcome ?? 'denied' }));
    }
    throw err;
  }
}
