import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import { visibleEventsCondition } from '../../access/event-scope.js';
import type { Database, Db } from '../../db/client.js';
import { badRequest } from '../../lib/errors.js';
import { decodeCursor, encodeCursor } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { type EventRow, type FeedPosition, eventRepository } from './repository.js';
import type { EventType } from './types.js';

export interface FeedQuery {
  after?: string;
  types?: EventType[];
  limit: number;
  /** Seconds to wait for an event when there is none yet (long poll), 0 to answer at once. */
  wait: number;
}

export interface FeedPage {
  items: ReturnType<typeof eventView>[];
  /** Where to continue: after the last item, or after everything examined when the page is short. */
  nextCursor: string;
}

export const eventView = (r: EventRow) => ({
  id: r.id,
  type: r.type as EventType,
  occurredAt: r.occurredAt,
  caseId: r.caseId,
  resourceType: r.resourceType,
  resourceId: r.resourceId,
});

export const positionCursor = (p: FeedPosition) => encodeCursor([p.txid.toString(), p.seq]);

export function decodePosition(cursor: string | undefined): FeedPosition | null {
  const c = decodeCursor(cursor, 2);
  if (!c) return null;
  try {
    const txid = BigInt(String(c[0]));
    const seq = Number(c[1]);
    if (txid >= 0n && Number.isSafeInteger(seq) && seq >= 0) return { txid, seq };
  } catch {
    /* fall through */
  }
  throw badRequest('The cursor is not valid', [
    { path: 'querystring.after', message: 'not a cursor from this API' },
  ]);
}

const later = (a: FeedPosition | null, b: FeedPosition): FeedPosition =>
  a && (a.txid > b.txid || (a.txid === b.txid && a.seq > b.seq)) ? a : b;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Events read from a replica per round; which of them the caller sees is decided on the primary. */
const REPLICA_SCAN = 500;
/** Rounds of REPLICA_SCAN a look makes before answering a short page (then it continues from there). */
const REPLICA_ROUNDS = 8;

export function eventService(db: Db, opts: { pollIntervalMs: number; reads?: Database['readLagTolerant'] }) {
  const reads: Database['readLagTolerant'] = opts.reads ?? ((primary, work) => work(primary));

  /**
   * One look at the feed: authorized and filtered by the caller's access now; audited when it
   * answers. With a read replica (DATABASE_READ_URL), the replica finds the next events (the scan a
   * long poll repeats) and the primary, in the request's transaction, decides which of them the
   * caller may see (relationships, sealing) and writes the audit row.
   *
   * Under replication lag: the horizon is then the replica's own snapshot xmin. Every event of a
   * transaction below it has been replayed there (or was rolled back), so reading up to it skips
   * nothing; the replica only sees it later than the primary would. A cursor never moves back
   * (`later`), so a consumer whose cursor came from the primary (a fallback while the replica was
   * down) waits on a lagging replica until it catches up: events arrive late, never twice, never lost.
   */
  async function look(ctx: RequestContext, q: FeedQuery, after: FeedPosition | null, final: boolean) {
    return withTransaction(db, ctx, async (tx, audit) => {
      const decision = await authorize(tx, ctx, 'event:list', { resourceType: 'event' });
      const visible = visibleEventsCondition(ctx.caller, ctx.courtOrderReference ?? null);
      const types = q.types?.length ? q.types : null;
      let rows: EventRow[] = [];
      let next: FeedPosition | null = null;
      let from = after;
      for (let round = 0; round < REPLICA_ROUNDS && next === null; round++) {
        const found = await reads(tx, async (r) => {
          const horizon = await eventRepository.horizon(r);
          if (r === tx) {
            // On the primary: filtered in the query itself, as one statement.
            return {
              horizon,
              primary: await eventRepository.page(tx, visible, {
                after: from,
                horizon,
                types,
                limit: q.limit,
              }),
            };
          }
          return {
            horizon,
            candidates: await eventRepository.candidates(r, {
              after: from,
              horizon,
              types,
              limit: REPLICA_SCAN,
            }),
          };
        });
        if (found.primary) {
          rows = found.primary;
          const last = rows[rows.length - 1];
          // A short page has examined every event below the horizon: continue from there, so the
          // next look does not scan again past events this caller may not see.
          next =
            rows.length === q.limit ? { txid: last.txid, seq: last.seq } : { txid: found.horizon, seq: 0 };
          break;
        }
        const candidates = found.candidates ?? [];
        const allowed = new Set(
          await eventRepository.visibleAmong(
            tx,
            visible,
            candidates.map((c) => c.seq),
          ),
        );
        for (const c of candidates) {
          if (!allowed.has(c.seq)) continue;
          rows.push(c);
          if (rows.length === q.limit) {
            next = { txid: c.txid, seq: c.seq };
            break;
          }
        }
        if (next) break;
        if (candidates.length < REPLICA_SCAN) next = { txid: found.horizon, seq: 0 };
        else {
          const last = candidates[candidates.length - 1];
          from = { txid: last.txid, seq: last.seq };
        }
      }
      // Rounds exhausted on a busy feed: continue after the last event examined.
      next ??= from ?? { txid: 0n, seq: 0 };
      // Nothing for this caller yet: the long poll looks again later, from where this look got to.
      if (rows.length === 0 && !final) return { page: null, examined: later(after, next) };
      await audit({ action: 'search', resourceType: 'event', decision, outcome: 'allowed' });
      return {
        page: { items: rows.map(eventView), nextCursor: positionCursor(later(after, next)) },
        examined: null,
      };
    });
  }

  return {
    /**
     * GET /v1/events. With `wait`, looks again every poll interval until an event comes, the wait
     * ends or the client leaves; no database connection is held between looks, and each look
     * applies the access rules afresh (a relationship revoked meanwhile hides the case at once).
     */
    async feed(ctx: RequestContext, q: FeedQuery, signal: AbortSignal): Promise<FeedPage> {
      let after = decodePosition(q.after);
      const deadline = Date.now() + q.wait * 1000;
      for (;;) {
        const final = q.wait === 0 || Date.now() >= deadline || signal.aborted;
        const { page, examined } = await look(ctx, q, after, final);
        if (page) return page;
        if (examined) after = examined;
        await sleep(Math.min(opts.pollIntervalMs, Math.max(0, deadline - Date.now())), signal);
      }
    },
  };
}
