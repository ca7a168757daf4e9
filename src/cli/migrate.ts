import { loadConfig, loadEnvFile } from '../config.js';
import { openDatabase } from '../db/client.js';

/** Applies the committed migrations to DATABASE_URL, or to the embedded database in DATA_DIR. */
async function main() {
  loadEnvFile();
  const config = loadConfig();
  const database = openDatabase(
    config.DATABASE_URL
      ? { kind: 'postgres', url: config.DATABASE_URL }
      : { kind: 'pglite', dataDir: config.DATA_DIR },
  );
  try {
    await database.migrate();
    console.log(`migrations applied (${database.kind})`);
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
