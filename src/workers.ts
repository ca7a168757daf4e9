import cluster, { type Worker } from 'node:cluster';
import pino from 'pino';
import type { Config } from './config.js';

/**
 * WORKERS > 1: this process supervises that many copies of the service on one port (node:cluster;
 * connections are handed to the workers in turn). Every worker is a whole instance: it migrates
 * under the migration lock, runs the scheduled jobs (each takes its turn through the database, as
 * separate instances do) and counts rate limits in the database, so nothing is shared in memory.
 *
 * - A worker that dies is replaced, after a pause that doubles with each death in the last minute
 *   (0.5 s up to 30 s), so a crash that repeats does not become a fork loop. Before any worker has
 *   ever listened (bad configuration, database unreachable at startup), a death stops the whole
 *   service with exit 1, as a single process would.
 * - SIGTERM/SIGINT: every worker is asked to stop (each drains its requests, src/server.ts); the
 *   supervisor exits 0 when all have, 1 if any is still running after the grace period.
 * - /metrics answers from whichever worker took the connection: scrape instances run as separate
 *   services when per-process figures matter.
 */
export function superviseWorkers(config: Config, entry: string): void {
  const log = pino({ level: config.LOG_LEVEL }).child({ role: 'supervisor' });
  cluster.setupPrimary({ exec: entry, execArgv: process.execArgv });
  const served = new WeakSet<Worker>();
  let anyServed = false;
  let stopping = false;
  let failed = false;
  const deaths: number[] = [];

  const start = () => {
    const worker = cluster.fork();
    worker.on('listening', () => {
      served.add(worker);
      anyServed = true;
    });
  };

  const stop = (signal: string, code: number) => {
    if (stopping) return;
    stopping = true;
    failed = failed || code !== 0;
    log.info({ signal }, 'stopping workers');
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    // The workers force themselves out after 10 s; this covers one that cannot.
    setTimeout(() => {
      log.error('workers still running after 15 s; exiting');
      process.exit(1);
    }, 15_000).unref();
    exitWhenNoneLeft();
  };

  const exitWhenNoneLeft = () => {
    if (Object.keys(cluster.workers ?? {}).length > 0) return;
    log.info('stopped');
    process.exit(failed ? 1 : 0);
  };

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (code !== 0 && signal !== 'SIGTERM') failed = true;
      return exitWhenNoneLeft();
    }
    if (!anyServed) {
      log.error({ code, signal }, 'a worker failed to start; stopping');
      return stop('worker startup failure', 1);
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths.length && deaths[0] < now - 60_000) deaths.shift();
    const pauseMs = Math.min(30_000, 500 * 2 ** (deaths.length - 1));
    log.error(
      { code, signal, serving: served.has(worker), pauseMs },
      'a worker exited; starting another after a pause',
    );
    setTimeout(() => {
      if (!stopping) start();
    }, pauseMs);
  });
  process.on('SIGTERM', () => stop('SIGTERM', 0));
  process.on('SIGINT', () => stop('SIGINT', 0));

  log.info({ workers: config.WORKERS }, 'starting workers');
  for (let i = 0; i < config.WORKERS; i += 1) start();
}
