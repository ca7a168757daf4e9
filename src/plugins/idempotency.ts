import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { authorizeReplay } from '../access/authorize.js';
import { subjectsOfRequest } from '../audit/query.js';
import { writeAudit } from '../audit/writer.js';
import type { Db } from '../db/client.js';
import { auditEvents } from '../db/schema/audit.js';
import { idempotencyKeys } from '../db/schema/idempotency.js';
import { badRequest, conflict, unprocessable } from '../lib/errors.js';
import { contextOf } from './auth.js';

/** A first request that never finished (a crashed instance) stops blocking its key after this. */
const PENDING_EXPIRY_SECONDS = 120;
/** Replays are for retries; after a day a stored response (which may hold personal data) is not replayed. */
const REPLAY_TTL_SECONDS = 24 * 60 * 60;
const REPLAYED_HEADERS = ['etag', 'location', 'content-type'];
/** How often a key left unsettled by a database fault is tried again. */
const SETTLE_RETRY_MS = 1_000;

interface Outcome {
  key: string;
  sub: string;
  requestId: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Past this the key is expired anyway (a retry takes it over): no point settling it. */
  until: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { key: string; sub: string } | null;
  }
}

function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');
}

/**
 * Idempotency-Key on POST (SPEC 8): a retry with the same key and body replays the first response
 * (status, body, ETag, Location); the same key with another body answers 422; a retry while the
 * first is still running answers 409. Registered inside the authenticated /v1 scope, after
 * validation, so that only well-formed requests of a known caller take a key.
 */
export default fp(
  async function idempotency(app: FastifyInstance, opts: { db: Db }) {
    const { db } = opts;
    app.decorateRequest('idempotency', null);

    app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
      // Streamed bodies (imports) are not stored for replay: their external ids make a re-run safe.
      if (request.method !== 'POST' || request.body instanceof Readable) return;
      const key = request.headers['idempotency-key'];
      if (key === undefined) return;
      if (typeof key !== 'string' || !/^[\w.:-]{8,128}$/.test(key)) {
        throw badRequest('Idempotency-Key must be 8 to 128 letters, digits, dot, colon, dash or underscore', [
          { path: 'headers.idempotency-key', message: 'invalid' },
        ]);
      }
      const caller = request.caller!;
      const sub = caller.sub;
      const hash = requestHash(request);
      const [inserted] = await db
        .insert(idempotencyKeys)
        .values({
          callerSub: sub,
          key,
          requestHash: hash,
          requestId: String(request.id),
          callerOrg: caller.org,
          callerRoles: caller.roles,
        })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      if (inserted) {
        request.idempotency = { key, sub };
        return;
      }
      const [existing] = await db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.callerSub, sub), eq(idempotencyKeys.key, key)));
      if (!existing) return; // expired and removed in between: process normally
      if (existing.requestHash !== hash) {
        throw unprocessable('This Idempotency-Key was used with a different request', [
          { path: 'headers.idempotency-key', message: 'reused with another body' },
        ]);
      }
      const age = Date.now() - existing.createdAt.getTime();
      const stale =
        existing.status === null ? age > PENDING_EXPIRY_SECONDS * 1000 : age > REPLAY_TTL_SECONDS * 1000;
      if (stale) {
        // The first request never finished (its instance died), or its response is past replaying:
        // this request takes the key over and runs again; unless the first one did commit.
        if (existing.status === null && (await firstCommitted(existing.requestId, sub))) {
          throw conflict(
            'The first request with this Idempotency-Key completed, but its response was not kept: read the resource instead of retrying',
            { idempotencyOutcome: 'completed' },
          );
        }
        await db
          .update(idempotencyKeys)
          .set({
            createdAt: new Date(),
            status: null,
            headers: null,
            body: null,
            requestId: String(request.id),
            callerOrg: caller.org,
            callerRoles: caller.roles,
            caseId: null,
            personId: null,
          })
          .where(and(eq(idempotencyKeys.callerSub, sub), eq(idempotencyKeys.key, key)));
        request.idempotency = { key, sub };
        return;
      }
      if (existing.status === null) {
        // The first request committed its change but its response was never recorded (its instance
        // died, or the database went away between the commit and the recording): running it again
        // would do the change twice, and there is no response to replay. Said so, for good.
        if (await firstCommitted(existing.requestId, sub)) {
          throw conflict(
            'The first request with this Idempotency-Key completed, but its response was not kept: read the resource instead of retrying',
            { idempotencyOutcome: 'completed' },
          );
        }
        reply.header('retry-after', '1');
        throw conflict(
          'The first request with this Idempotency-Key is still being processed; retry shortly',
          {
            idempotencyOutcome: 'running',
          },
        );
      }
      const ctx = contextOf(request);
      // The replay hands the first response out again, so it is authorised again (issue 8): same
      // organisation and roles, and still related to the case and child it named. Its audit row names
      // them, so the child's disclosure ledger shows it. Refused, the request runs as a fresh one
      // (without the key: the stored response stays the first request's).
      const refusal = await db.transaction(async (tx) => {
        const subjects = { caseId: existing.caseId, personId: existing.personId };
        const reason = await authorizeReplay(tx, ctx, {
          org: existing.callerOrg,
          roles: existing.callerRoles,
          ...subjects,
        });
        await writeAudit(tx, ctx, {
          action: 'execute',
          resourceType: 'idempotent_replay',
          resourceId: key,
          ...subjects,
          outcome: reason ? 'denied' : 'allowed',
          reason: reason ? `not replayed: ${reason}` : `replayed ${existing.status} response`,
        });
        return reason;
      });
      if (refusal) return;
      for (const [name, value] of Object.entries(existing.headers ?? {})) reply.header(name, value);
      reply.header('idempotent-replayed', 'true');
      return reply
        .code(existing.status)
        .serializer((s: string) => s)
        .send(existing.body ?? '');
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const idem = request.idempotency;
      if (!idem) return payload;
      request.idempotency = null;
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const v = reply.getHeader(name);
        if (typeof v === 'string') headers[name] = v;
      }
      const outcome: Outcome = {
        ...idem,
        requestId: String(request.id),
        status: reply.statusCode,
        headers,
        body: typeof payload === 'string' ? payload : String(payload ?? ''),
        until: Date.now() + PENDING_EXPIRY_SECONDS * 1000,
      };
      try {
        await settle(outcome);
      } catch (err) {
        // The database went away after the request (a 503 from a lost connection, or a change that
        // committed just before): the answer goes out as it is, and the key is settled as soon as
        // the database is back, so that a retry is not told "still being processed" until expiry.
        request.log.warn({ err }, 'idempotency key not settled; retrying in the background');
        unsettled.push(outcome);
        retry.start();
      }
      return payload;
    });

    /** Records the response for replay, or frees the key when nothing was done (5xx). */
    async function settle(o: Outcome): Promise<void> {
      const where = and(
        eq(idempotencyKeys.callerSub, o.sub),
        eq(idempotencyKeys.key, o.key),
        // only the request that holds the key (a later one may have taken an expired key over)
        eq(idempotencyKeys.requestId, o.requestId),
      );
      if (o.status >= 500) {
        // Nothing was done (the change rolled back): free the key so the retry runs again. A 5xx
        // whose change did commit (the connection lost while COMMIT was answered) keeps the key
        // pending: a retry is told the first request completed rather than doing it twice.
        if (!(await firstCommitted(o.requestId, o.sub))) await db.delete(idempotencyKeys).where(where);
        return;
      }
      // The case and child the response is about, as its audit row named them (the work has
      // committed): a replay is re-authorised against them, and sealing drops the row by them.
      const subjects = await subjectsOfRequest(db, o.requestId);
      await db
        .update(idempotencyKeys)
        .set({
          status: o.status,
          headers: o.headers,
          body: o.body,
          caseId: subjects.caseId,
          personId: subjects.personId,
        })
        .where(where);
    }

    /** Whether the request left an allowed audit row: its change (if any) committed. */
    async function firstCommitted(requestId: string | null, sub: string): Promise<boolean> {
      if (requestId === null) return false;
      const [row] = await db
        .select({ id: auditEvents.id })
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.requestId, requestId),
            eq(auditEvents.actorSub, sub),
            eq(auditEvents.outcome, 'allowed'),
          ),
        )
        .limit(1);
      return Boolean(row);
    }

    const unsettled: Outcome[] = [];
    const retry = {
      timer: null as NodeJS.Timeout | null,
      start() {
        if (this.timer) return;
        this.timer = setInterval(() => void this.pass(), SETTLE_RETRY_MS);
        this.timer.unref();
      },
      async pass() {
        for (const o of unsettled.splice(0)) {
          if (Date.now() > o.until) continue; // past expiry: a retry takes the key over anyway
          try {
            await settle(o);
          } catch {
            unsettled.push(o);
          }
        }
        if (unsettled.length === 0 && this.timer) {
          clearInterval(this.timer);
          this.timer = null;
        }
      },
    };
    app.addHook('onClose', async () => {
      if (retry.timer) clearInterval(retry.timer);
    });
  },
  { name: 'idempotency' },
);
