import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, loadEnvFile } from '../config.js';
import { backupEmbedded, backupPostgres } from '../db/backup.js';
import { openDatabase } from '../db/client.js';

/**
 * npm run backup -- --out FILE
 * PostgreSQL (DATABASE_URL): pg_dump in the custom format from one snapshot, while the service runs.
 * Embedded (DATA_DIR): a dump of the PGlite data directory; the service must be stopped (one process).
 * Prints where the backup's audit chain ends: the last sealed position and its hash.
 */
async function main() {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  if (!values.out) throw new ConfigError('usage: npm run backup -- --out FILE');
  loadEnvFile();
  const config = loadConfig();
  const file = resolve(values.out);
  let result: Awaited<ReturnType<typeof backupPostgres>>;
  if (config.DATABASE_URL) {
    result = await backupPostgres(config.DATABASE_URL, file);
  } else {
    const database = openDatabase({ kind: 'pglite', dataDir: config.DATA_DIR });
    try {
      await database.ready();
      result = await backupEmbedded(database, file);
    } finally {
      await database.close();
    }
  }
  console.log(JSON.stringify({ ...result, seconds: Math.round(result.seconds * 100) / 100 }, null, 2));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
