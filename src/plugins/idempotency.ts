import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { authorizeReplay } from '../access/authorize.js';
import { subjectsOfRequest } from '../audit/query.js';
import { writeAudit } from '../audit/writer.js';
import type { Db } from '../db/client.js';
import { idempotencyKeys } from '../db/schema/idempotency.js';
import { badRequest, conflict, unprocessable } from '../lib/errors.js';
import { contextOf } from './auth.js';

/** A first request that never finished (a crashed instance) stops blocking its key after this. */
const PENDING_EXPIRY_SECONDS = 120;
/** Replays are for retries; after a day a stored response (which may hold personal data) is not replayed. */
const REPLAY_TTL_SECONDS = 24 * 60 * 60;
const REPLAYED_HEADERS = ['etag', 'location', 'content-type'];

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
        // this request takes the key over and runs again.
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
        throw conflict('The first request with this Idempotency-Key is still being processed; retry shortly');
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
      const where = and(eq(idempotencyKeys.callerSub, idem.sub), eq(idempotencyKeys.key, idem.key));
      if (reply.statusCode >= 500) {
        // Nothing was done (the change rolled back): free the key so the retry runs again.
        await db.delete(idempotencyKeys).where(where);
        return payload;
      }
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const v = reply.getHeader(name);
        if (typeof v === 'string') headers[name] = v;
      }
      // The case and child the response is about, as its audit row named them (the work has
      // committed): a replay is re-authorised against them, and sealing drops the row by them.
      const subjects = await subjectsOfRequest(db, String(request.id));
      await db
        .update(idempotencyKeys)
        .set({
          status: reply.statusCode,
          headers,
          body: typeof payload === 'string' ? payload : String(payload ?? ''),
          caseId: subjects.caseId,
          personId: subjects.personId,
        })
        .where(where);
      return payload;
    });
  },
  { name: 'idempotency' },
);
