import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type JWK, SignJWT, exportJWK, generateKeyPair, importJWK } from 'jose';

/**
 * The development issuer: with no JWKS configured outside production, the service trusts one
 * ES256 key kept as a file in DATA_DIR (never in the database, so `npm run token` can sign while
 * the server holds the embedded database open).
 */
export const DEV_ISSUER = 'urn:jj-case-api:dev-issuer';
export const DEV_AUDIENCE = 'jj-case-api';
const KEY_FILE = 'dev-issuer-key.json';

export async function loadOrCreateDevKey(dataDir: string): Promise<JWK> {
  const path = resolve(dataDir, KEY_FILE);
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as JWK;
  mkdirSync(dataDir, { recursive: true });
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  jwk.kid = `dev-${Date.now().toString(36)}`;
  jwk.alg = 'ES256';
  // 'wx' so that two processes racing to create the key do not overwrite each other's.
  try {
    writeFileSync(path, JSON.stringify(jwk), { flag: 'wx', mode: 0o600 });
    chmodSync(path, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return JSON.parse(readFileSync(path, 'utf8')) as JWK;
  }
  return jwk;
}

export function publicJwk(privateJwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = privateJwk;
  return pub;
}

export interface TokenClaims {
  sub: string;
  roles: string[];
  org?: string;
  scope?: string;
  clientId?: string;
  expiresIn?: string;
}

export async function signToken(
  privateJwk: JWK,
  claims: TokenClaims,
  issuer = DEV_ISSUER,
  audience = DEV_AUDIENCE,
): Promise<string> {
  const key = await importJWK(privateJwk, privateJwk.alg ?? 'ES256');
  const payload: Record<string, unknown> = { roles: claims.roles };
  if (claims.org) payload.org = claims.org;
  if (claims.scope) payload.scope = claims.scope;
  if (claims.clientId) payload.client_id = claims.clientId;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: privateJwk.alg ?? 'ES256', kid: privateJwk.kid, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '8h')
    .sign(key);
}
