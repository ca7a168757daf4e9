import { buildApp } from './app.js';
import { ConfigError, loadConfig, loadEnvFile } from './config.js';
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { DatabaseLockedError } from './db/client.js';
import { superviseWorkers } from './workers.js';

/**
 * Reads the configuration (`.env` when present, the environment winning), builds the app, listens,
 * and closes gracefully on SIGTERM/SIGINT. `npm start` runs this compiled (`node dist/server.js`),
 * so the signals reach this process.
 */
async function main() {
  const started = performance.now();
  const envFile = loadEnvFile();
  const config = loadConfig();
  if (config.WORKERS > 1 && cluster.isPrimary) {
    superviseWorkers(config, fileURLToPath(import.meta.url));
    return;
  }
  const app = await buildApp(config);
  if (envFile) app.log.info({ file: envFile }, 'settings read from .env (the environment wins)');
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.close();
    app.log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ port: config.PORT, host: config.HOST });
  app.log.info({ ms: Math.round(performance.now() - started) }, 'ready');
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof DatabaseLockedError) {
    console.error(err.message);
  } else {
    console.error('Startup failed:', err instanceof Error ? err.message : err);
  }
  process.exit(1);
});
