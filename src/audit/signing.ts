import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type JWK, type KeyObject, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { Config } from '../config.js';

export interface CheckpointKey {
  kid: string;
  privateKey: CryptoKey | KeyObject | Uint8Array;
  publicJwk: JWK;
}

const DEV_KEY_FILE = 'audit-signing-key.json';

/**
 * The key that signs audit checkpoints: AUDIT_SIGNING_KEY_FILE (a private EdDSA or ES256 JWK) in
 * production, a key created in DATA_DIR in development. Its public half is published so that a
 * witness outside the service can check the checkpoints it keeps.
 */
export async function loadCheckpointKey(config: Config): Promise<CheckpointKey> {
  let jwk: JWK;
  if (config.AUDIT_SIGNING_KEY_FILE) {
    jwk = JSON.parse(readFileSync(config.AUDIT_SIGNING_KEY_FILE, 'utf8')) as JWK;
  } else {
    const path = resolve(config.DATA_DIR, DEV_KEY_FILE);
    if (existsSync(path)) {
      jwk = JSON.parse(readFileSync(path, 'utf8')) as JWK;
    } else {
      mkdirSync(config.DATA_DIR, { recursive: true });
      const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
      jwk = { ...(await exportJWK(privateKey)), alg: 'EdDSA', kid: `audit-${Date.now().toString(36)}` };
      try {
        writeFileSync(path, JSON.stringify(jwk), { flag: 'wx', mode: 0o600 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        jwk = JSON.parse(readFileSync(path, 'utf8')) as JWK;
      }
    }
  }
  const alg = jwk.alg ?? (jwk.crv === 'Ed25519' ? 'EdDSA' : 'ES256');
  const kid = jwk.kid ?? 'audit';
  const { d: _d, ...pub } = jwk;
  return {
    kid,
    privateKey: await importJWK({ ...jwk, alg }, alg),
    publicJwk: { ...pub, alg, kid, use: 'sig' },
  };
}
