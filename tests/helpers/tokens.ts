import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';

export const TEST_ISSUER = 'https://idp.test.invalid/';
export const TEST_AUDIENCE = 'jj-case-api-test';

export interface TokenOptions {
  sub: string;
  roles: string[];
  org?: string;
  scope?: string;
  clientId?: string;
  /** Partner systems: the kind their client is registered with by `as()` (default police). */
  partnerKind?: 'police' | 'prosecution' | 'court' | 'probation' | 'social_services' | 'statistics_office';
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
}

/**
 * A test identity provider: an ES256 key whose public half is written as a JWKS file, so the
 * service verifies test tokens through the same AUTH_JWKS_FILE path production uses.
 */
export interface TestIssuer {
  jwksFile: string;
  privateJwk: JWK;
  sign(opts: TokenOptions): Promise<string>;
}

export async function createTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `test-${Math.random().toString(36).slice(2)}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
  const dir = mkdtempSync(join(tmpdir(), 'jj-issuer-'));
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [publicJwk] }));
  return {
    jwksFile,
    privateJwk,
    async sign(opts) {
      const payload: Record<string, unknown> = { roles: opts.roles };
      if (opts.org) payload.org = opts.org;
      if (opts.scope) payload.scope = opts.scope;
      if (opts.clientId) payload.client_id = opts.clientId;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', kid })
        .setSubject(opts.sub)
        .setIssuer(TEST_ISSUER)
        .setAudience(TEST_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + (opts.expiresIn ?? 600))
        .sign(privateKey);
    },
  };
}
