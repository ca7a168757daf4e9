import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { JWK } from 'jose';
import { type AuditArchive, verifyArchive } from '../audit/partitions.js';
import { loadCheckpointKey } from '../audit/signing.js';
import { verifyAuditTrail } from '../audit/verify.js';
import { loadConfig, loadEnvFile } from '../config.js';
import { openDatabase } from '../db/client.js';

/**
 * Recomputes the audit chain and checks the signed checkpoints straight from the database, without
 * the service. Exits 0 when the trail verifies, 1 when it does not, 2 when it could not run.
 *   npm run audit:verify                                 the live trail (archived months by their checkpoints)
 *   npm run audit:verify -- --from-seq 1000 --to-seq 2000  a range of chain positions
 *   npm run audit:verify -- --archive FILE [--live]      an archive against its signed checkpoint
 *                                                        (--live: and against the live chain's links)
 * AUDIT_VERIFY_JWKS_FILE may name the public keys to trust (a witness's own copy); otherwise the
 * configured signing key's public half is used.
 */
async function main() {
  const { values } = parseArgs({
    options: {
      archive: { type: 'string' },
      live: { type: 'boolean', default: false },
      'from-seq': { type: 'string' },
      'to-seq': { type: 'string' },
    },
  });
  loadEnvFile();
  const config = loadConfig();
  const keys: JWK[] = process.env.AUDIT_VERIFY_JWKS_FILE
    ? (JSON.parse(readFileSync(process.env.AUDIT_VERIFY_JWKS_FILE, 'utf8')) as { keys: JWK[] }).keys
    : [(await loadCheckpointKey(config)).publicJwk];
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 10) / 100;

  if (values.archive && !values.live) {
    const archive = JSON.parse(readFileSync(values.archive, 'utf8')) as AuditArchive;
    const report = await verifyArchive(archive, keys);
    console.log(JSON.stringify({ archive: values.archive, ...report, seconds: seconds() }, null, 2));
    process.exitCode = report.ok ? 0 : 1;
    return;
  }
  // Verification scans the whole trail: no per-statement time limit here, unlike requests.
  const database = openDatabase(
    config.DATABASE_URL
      ? { kind: 'postgres', url: config.DATABASE_URL, timeouts: { statementMs: 0, lockMs: 0 } }
      : { kind: 'pglite', dataDir: config.DATA_DIR },
  );
  try {
    if (values.archive) {
      const archive = JSON.parse(readFileSync(values.archive, 'utf8')) as AuditArchive;
      const report = await verifyArchive(archive, keys, database.db);
      console.log(JSON.stringify({ archive: values.archive, ...report, seconds: seconds() }, null, 2));
      process.exitCode = report.ok ? 0 : 1;
      return;
    }
    const seq = (v: string | undefined) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1)
        throw new Error(`a chain position is a whole number from 1, not ${v}`);
      return n;
    };
    const report = await verifyAuditTrail(database.db, keys, {
      fromSeq: seq(values['from-seq']),
      toSeq: seq(values['to-seq']),
    });
    console.log(JSON.stringify({ ...report, seconds: seconds() }, null, 2));
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
