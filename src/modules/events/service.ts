import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import { visibleEventsCondition } from '../../access/event-scope.js';
import type { Db } from '../../db/client.js';
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

export function eventService(db: Db, opts: { pollIntervalMs: number }) {
  /** One look at the feed: authorized and filtered by the caller's access now; audited when it answers. */
  async function look(ctx: RequestContext, q: FeedQuery, after: FeedPosition | null, final: boolean) {
    return withTransaction(db, ctx, async (tx, audit) => {
      const decision = await authorize(tx, ctx, 'event:list', { resourceType: 'event' });
      const horizon = await eventRepository.horizon(tx);
      const rows = await eventRepository.page(
        tx,
        visibleEventsCondition(ctx.caller, ctx.courtOrderReference ?? null),
        { after, horizon, types: q.types?.length ? q.types : null, limit: q.limit },
      );
      if (rows.length === 0 && !final) return null;
      await audit({ action: 'search', resourceType: 'event', decision, outcome: 'allowed' });
      const last = rows[rows.length - 1];
      // A short page has examined every event below the horizon: continue from there, so the next
      // look does not scan again past events this caller may not see.
      const next: FeedPosition =
        rows.length === q.limit ? { txid: last.txid, seq: last.seq } : { txid: horizon, seq: 0 };
      return { items: rows.map(eventView), nextCursor: positionCursor(later(after, next)) };
    });
  }

  return {
    /**
     * GET /v1/events. With `wait`, looks again every poll interval until an event comes, the wait
     * ends or the client leaves; no database connection is held between looks, and each look
     * applies the access rules afresh (a relationship revoked meanwhile hides the case at once).
     */
    async feed(ctx: RequestContext, q: FeedQuery, signal: AbortSignal): Promise<FeedPage> {
      const after = decodePosition(q.after);
      const deadline = Date.now() + q.wait * 1000;
      for (;;) {
        const final = q.wait === 0 || Date.now() >= deadline || signal.aborted;
        const page = await look(ctx, q, after, final);
        if (page) return page;
        await sleep(Math.min(opts.pollIntervalMs, Math.max(0, deadline - Date.now())), signal);
      }
    },
  };
}
