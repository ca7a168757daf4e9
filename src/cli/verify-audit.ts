import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { loadCheckpointKey } from '../audit/signing.js';
import { verifyAuditTrail } from '../audit/verify.js';
import { loadConfig, loadEnvFile } from '../config.js';
import { openDatabase } from '../db/client.js';

/**
 * Recomputes the audit chain and checks the signed checkpoints straight from the database, without
 * the service. Exits 0 when the trail verifies, 1 when it does not, 2 when it could not run.
 * AUDIT_VERIFY_JWKS_FILE may name the public keys to trust (a witness's own copy); otherwise the
 * configured signing key's public half is used.
 */
async function main() {
  loadEnvFile();
  const config = loadConfig();
  const keys: JWK[] = process.env.AUDIT_VERIFY_JWKS_FILE
    ? (JSON.parse(readFileSync(process.env.AUDIT_VERIFY_JWKS_FILE, 'utf8')) as { keys: JWK[] }).keys
    : [(await loadCheckpointKey(config)).publicJwk];
  const database = openDatabase(
    config.DATABASE_URL
      ? { kind: 'postgres', url: config.DATABASE_URL }
      : { kind: 'pglite', dataDir: config.DATA_DIR },
  );
  try {
    const started = performance.now();
    const report = await verifyAuditTrail(database.db, keys);
    const seconds = (performance.now() - started) / 1000;
    console.log(JSON.stringify({ ...report, seconds: Math.round(seconds * 100) / 100 }, null, 2));
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
