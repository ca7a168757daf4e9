import { mkdirSync, writeFileSync } from 'node:fs';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';

/** Writes openapi/openapi.json from the app's routes (an in-memory database; nothing is kept). */
export async function renderOpenApi(): Promise<string> {
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: '',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'development',
  });
  const database = openDatabase({ kind: 'pglite-memory' });
  await database.migrate();
  const app = await buildApp(config, { database });
  await app.ready();
  const doc = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  await database.close();
  return doc;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  renderOpenApi()
    .then((doc) => {
      mkdirSync('openapi', { recursive: true });
      writeFileSync('openapi/openapi.json', doc);
      console.log('openapi/openapi.json written');
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
