import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  type JWTPayload,
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import type { Caller, RequestContext } from '../access/caller.js';
import { isRole } from '../access/roles.js';
import { writeAudit } from '../audit/writer.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { partnerClientQueries } from '../modules/partner-clients/service.js';
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevKey, publicJwk } from '../lib/dev-issuer.js';
import { AppError, forbidden, unauthorized } from '../lib/errors.js';
import { unstorableText } from '../lib/text.js';

const ALGORITHMS = ['ES256', 'RS256', 'EdDSA'];

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
  interface FastifyInstance {
    /** Verifies the bearer token of a request and sets request.caller; used by the /v1 scope. */
    authenticate(request: FastifyRequest): Promise<void>;
  }
}

type KeySource = Parameters<typeof jwtVerify>[1];

async function keySource(
  config: Config,
): Promise<{ keys: KeySource; issuer: string; audience: string; mode: string }> {
  if (config.AUTH_JWKS_URL) {
    return {
      keys: createRemoteJWKSet(new URL(config.AUTH_JWKS_URL), { cooldownDuration: 30_000 }),
      issuer: config.AUTH_ISSUER!,
      audience: config.AUTH_AUDIENCE!,
      mode: 'jwks-url',
    };
  }
  if (config.AUTH_JWKS_FILE) {
    let jwks: unknown;
    try {
      jwks = JSON.parse(readFileSync(config.AUTH_JWKS_FILE, 'utf8'));
    } catch (err) {
      throw new Error(
        `AUTH_JWKS_FILE: cannot read a JWKS from ${config.AUTH_JWKS_FILE}: ${(err as Error).message}`,
      );
    }
    return {
      keys: createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]),
      issuer: config.AUTH_ISSUER!,
      audience: config.AUTH_AUDIENCE!,
      mode: 'jwks-file',
    };
  }
  // config.ts has already refused this in production.
  const key = await loadOrCreateDevKey(config.DATA_DIR);
  return {
    keys: createLocalJWKSet({ keys: [publicJwk(key)] }),
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    mode: 'dev-issuer',
  };
}

/**
 * A short-lived memory of tokens already verified, keyed by the token's SHA-256, so that a client
 * sending the same token on every request does not pay for a signature check each time (ES256
 * verification was 9 % of the CPU of a read). An entry lives at most `ttlSeconds` and never past
 * the token's own `exp`; failures are never remembered. Nothing but the verified claims is kept,
 * and every check that follows verification still runs on each request. Per instance, bounded.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, { payload: JWTPayload; until: number }>();
  private static readonly MAX = 10_000;

  constructor(private readonly ttlSeconds: number) {}

  get(token: string): JWTPayload | undefined {
    if (this.ttlSeconds === 0) return undefined;
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (Date.now() >= hit.until) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.payload;
  }

  put(token: string, payload: JWTPayload): JWTPayload {
    if (this.ttlSeconds === 0 || typeof payload.exp !== 'number') return payload;
    const until = Math.min(Date.now() + this.ttlSeconds * 1000, payload.exp * 1000);
    if (until <= Date.now()) return payload;
    if (this.entries.size >= VerifiedTokens.MAX) {
      // The oldest entry goes first (a Map iterates in insertion order).
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(createHash('sha256').update(token).digest('base64url'), { payload, until });
    return payload;
  }
}

/** A claim by name; a dotted name reaches into nested objects (e.g. realm_access.roles). */
function claim(payload: JWTPayload, name: string): unknown {
  if (name in payload) return payload[name];
  return name
    .split('.')
    .reduce<unknown>(
      (v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
      payload,
    );
}

/** Maps verified claims to the caller; claims the service does not use are ignored. */
export function callerFromClaims(
  payload: JWTPayload,
  names: { roles: string; org: string } = { roles: 'roles', org: 'org' },
): Caller {
  const roles = claim(payload, names.roles);
  const org = claim(payload, names.org);
  const rawRoles = Array.isArray(roles) ? roles : typeof roles === 'string' ? roles.split(' ') : [];
  return {
    sub: payload.sub!,
    roles: [...new Set(rawRoles.filter(isRole))],
    org: typeof org === 'string' ? org : null,
    clientId: typeof payload.client_id === 'string' ? payload.client_id : null,
    scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
  };
}

/**
 * RFC 9068: an access token says `typ: at+jwt`. The header is optional (many providers send `JWT`
 * or nothing), but a token typed as something else (an ID token, a logout or DPoP token) is refused.
 */
const ACCEPTED_TYPES = ['at+jwt', 'application/at+jwt', 'jwt'];

export default fp(
  async function auth(app: FastifyInstance, opts: { config: Config; db: Db }) {
    const { keys, issuer, audience, mode } = await keySource(opts.config);
    app.log.info({ mode }, 'authentication configured');
    const verified = new VerifiedTokens(opts.config.AUTH_TOKEN_CACHE_SECONDS);
    app.decorateRequest('caller', null);

    app.decorate('authenticate', async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header) : null;
      if (!match) throw unauthorized();
      let payload: JWTPayload;
      try {
        payload =
          verified.get(match[1]) ??
          verified.put(
            match[1],
            await jwtVerify(match[1], keys, {
              issuer,
              audience,
              algorithms: ALGORITHMS,
              clockTolerance: opts.config.AUTH_CLOCK_TOLERANCE_SECONDS,
              requiredClaims: ['exp', 'sub'],
            }).then(({ payload, protectedHeader }) => {
              const typ = protectedHeader.typ?.toLowerCase();
              if (typ !== undefined && !ACCEPTED_TYPES.includes(typ)) {
                throw unauthorized('The bearer token is not an access token (typ)');
              }
              return payload;
            }),
          );
      } catch (err) {
        if (err instanceof joseErrors.JOSEError || err instanceof TypeError) {
          request.log.info({ code: (err as joseErrors.JOSEError).code }, 'token rejected');
          throw unauthorized('The bearer token is not valid');
        }
        throw err;
      }
      if (typeof payload.sub !== 'string' || payload.sub.length === 0)
        throw unauthorized('The token has no subject');
      const caller = callerFromClaims(payload, {
        roles: opts.config.AUTH_ROLES_CLAIM,
        org: opts.config.AUTH_ORG_CLAIM,
      });
      // Claims are stored (audit rows, createdBy...): text PostgreSQL cannot hold is refused here.
      for (const claim of [caller.sub, caller.org, caller.clientId, ...caller.scopes]) {
        if (typeof claim === 'string' && (claim.length > 500 || unstorableText(claim))) {
          throw unauthorized('The token carries a claim this service cannot accept');
        }
      }
      if (caller.roles.length === 0) throw forbidden('The token carries no role this service knows');
      if (caller.roles.includes('partner_system')) await checkPartnerClient(opts.db, request, caller);
      request.caller = caller;
    });
  },
  { name: 'auth' },
);

/**
 * A partner system's token must name a registered client, act for that client's organisation and
 * ask only for scopes the client is allowed (SPEC 3). Looked up on every request, so a client
 * deregistered or narrowed is refused at its very next call. Refusals are audited.
 */
async function checkPartnerClient(db: Db, request: FastifyRequest, caller: Caller): Promise<void> {
  const client = caller.clientId ? await partnerClientQueries.get(db, caller.clientId) : null;
  const refusal = !caller.clientId
    ? 'a partner system token must carry client_id'
    : !client
      ? 'the client is not registered'
      : caller.org !== null && caller.org !== client.orgId
        ? "the token's organisation is not the client's"
        : caller.scopes.some((s) => !client.allowedScopes.includes(s))
          ? 'the token asks for a scope the client is not allowed'
          : null;
  if (refusal) {
    const ctx = { ...contextOf(Object.assign(request, { caller })), requestedPurpose: null };
    await db.transaction((tx) =>
      writeAudit(tx, ctx, {
        action: 'execute',
        resourceType: 'partner_client',
        resourceId: caller.clientId,
        outcome: 'denied',
        reason: refusal,
      }),
    );
    throw forbidden(`Refused: ${refusal}`);
  }
  caller.org = client!.orgId;
  caller.partnerKind = client!.kind;
}

/** The request context a service needs: caller, request id, client address, purpose of use. */
export function contextOf(request: FastifyRequest): RequestContext {
  if (!request.caller) throw new AppError(500, 'internal', 'Internal error', 'route is not authenticated');
  const purpose = request.headers['purpose-of-use'];
  const orderRef = request.headers['court-order-reference'];
  return {
    caller: request.caller,
    requestId: String(request.id),
    clientAddress: request.ip ?? null,
    requestedPurpose: typeof purpose === 'string' && purpose.length > 0 ? purpose : null,
    courtOrderReference: typeof orderRef === 'string' && orderRef.length > 0 ? orderRef : null,
  };
}
