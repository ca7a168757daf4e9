import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, loadEnvFile } from '../config.js';
import { backupKind, restoreEmbeddedFile, restorePostgres } from '../db/backup.js';

/**
 * npm run restore -- FILE
 * PostgreSQL: pg_restore into DATABASE_URL, which must be an empty database (create it first).
 * Embedded: creates the PGlite database in DATA_DIR, which must not hold one yet.
 * Then run `npm run audit:verify`: the restored chain ends at the backup's last sealed row.
 */
async function main() {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new ConfigError('usage: npm run restore -- FILE');
  const file = resolve(positionals[0]);
  if (!existsSync(file)) throw new ConfigError(`${file} does not exist`);
  loadEnvFile();
  const config = loadConfig();
  const kind = backupKind(file);
  const target = config.DATABASE_URL ? 'postgres' : 'pglite';
  if (kind !== target) {
    throw new ConfigError(
      kind === 'unknown'
        ? `${file} is not a backup made by npm run backup`
        : `${file} is a ${kind} backup, but the configured database is ${target} (DATABASE_URL ${config.DATABASE_URL ? 'set' : 'unset'})`,
    );
  }
  if (config.DATABASE_URL) {
    const trail = await restorePostgres(config.DATABASE_URL, file);
    console.log(JSON.stringify({ restored: file, backend: 'postgres', trail }, null, 2));
  } else {
    await restoreEmbeddedFile(config.DATA_DIR, file);
    console.log(JSON.stringify({ restored: file, backend: 'pglite', dataDir: config.DATA_DIR }, null, 2));
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
