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
