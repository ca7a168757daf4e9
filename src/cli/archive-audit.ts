import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ArchiveError, archiveMonth } from '../audit/partitions.js';
import { loadCheckpointKey } from '../audit/signing.js';
import { ConfigError, loadConfig, loadEnvFile } from '../config.js';
import { openDatabase } from '../db/client.js';

/**
 * npm run audit:archive -- --month 2026-01 --out FILE
 * Writes the month's audit rows and their chain links to FILE with a checkpoint of the last link
 * signed by the audit key, then detaches the month's partition from the live trail (the detached
 * table stays until the operator drops it). Verify the file with
 * `npm run audit:verify -- --archive FILE`.
 */
async function main() {
  const { values } = parseArgs({ options: { month: { type: 'string' }, out: { type: 'string' } } });
  if (!values.month || !values.out)
    throw new ConfigError('usage: npm run audit:archive -- --month YYYY-MM --out FILE');
  loadEnvFile();
  const config = loadConfig();
  const key = await loadCheckpointKey(config);
  const database = openDatabase(
    config.DATABASE_URL
      ? { kind: 'postgres', url: config.DATABASE_URL }
      : { kind: 'pglite', dataDir: config.DATA_DIR },
  );
  try {
    const file = resolve(values.out);
    const archive = await archiveMonth(database.db, key, values.month, file);
    const { links: _links, ...summary } = archive;
    console.log(
      JSON.stringify(
        {
          ...summary,
          file,
          detached: archive.partition,
          next: `DROP TABLE ${archive.partition}; once the file is stored safely`,
        },
        null,
        2,
      ),
    );
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(
    err instanceof ArchiveError || err instanceof ConfigError
      ? err.message
      : `archive failed: ${err instanceof Error ? err.message : err}`,
  );
  process.exit(1);
});
