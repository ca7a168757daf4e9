import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { isDatabaseUnavailable } from './errors.js';
import * as schema from './schema/index.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Repositories accept either; inside a transaction always pass the transaction (PGlite has one connection). */
export type Executor = Db | Tx;

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Pool statistics for /metrics (PGlite has one connection). */
  poolStats(): { total: number; idle: number; waiting: number };
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { kind: 'postgres'; url: string; poolMax?: number }
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'pglite-memory' };

/** Arbitrary key for the advisory lock that lets only one instance migrate at a time. */
const MIGRATION_LOCK_KEY = 74_110_001;

export function openDatabase(options: DatabaseOptions): Database {
  if (options.kind === 'postgres') return openPostgres(options.url, options.poolMax ?? 10);
  return openPglite(options.kind === 'pglite' ? options.dataDir : null);
}

function openPostgres(url: string, poolMax: number): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolMax, connectionTimeoutMillis: 5_000 });
  // A connection breaking (failover, pg_terminate_backend, a TCP reset) must never end the process.
  // The pool listens on idle clients only; a client checked out by a request emits 'error' with
  // no listener, which Node turns into an uncaught exception. So every client gets a listener of
  // its own when it connects: the query in flight fails (503 to its request, see
  // src/plugins/problem.ts), the broken client is dropped on release, and the pool opens new ones.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  // drizzle's pool-level transaction() runs BEGIN before its try/finally, so a BEGIN that fails on a
  // broken connection never releases the client: the pool leaks a slot per failure until nothing is
  // left. Transactions therefore check a client out here, run drizzle's transaction on it, and always
  // release it (dropping it when its connection is gone).
  const onClient = new WeakMap<pg.PoolClient, Db>();
  const clientDb = (client: pg.PoolClient) => {
    let bound = onClient.get(client);
    if (!bound) {
      bound = drizzlePg(client, { schema }) as unknown as Db;
      onClient.set(client, bound);
    }
    return bound;
  };
  db.transaction = (async (work, config) => {
    const client = await pool.connect();
    let failure: unknown;
    try {
      return await clientDb(client).transaction(work, config);
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      client.release(
        failure !== undefined && isDatabaseUnavailable(failure) ? (failure as Error) : undefined,
      );
    }
  }) as Db['transaction'];
  return {
    db,
    kind: 'postgres',
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async migrate() {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        await migratePg(drizzlePg(client, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
        client.release();
      }
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await pool.end();
    },
  };
}

function openPglite(dataDir: string | null): Database {
  let lockPath: string | null = null;
  if (dataDir) {
    const dir = resolve(dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    lockPath = resolve(dataDir, 'pglite.lock');
    acquireLock(lockPath);
  }
  const client = new PGlite({
    ...(dataDir ? { dataDir: resolve(dataDir, 'pglite') } : {}),
    extensions: { pg_trgm },
  });
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    async migrate() {
      await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await client.close();
      if (lockPath) rmSync(lockPath, { force: true });
    },
  };
}

/**
 * PGlite loses writes silently when two processes open one data directory, so the first opener
 * holds a lock file with its pid; a second one is refused unless the holder is gone.
 */
function acquireLock(lockPath: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      process.once('exit', () => rmSync(lockPath, { force: true }));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(existsSync(lockPath) ? readFileSync(lockPath, 'utf8').trim() : NaN);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new DatabaseLockedError(
          `The embedded database in ${lockPath.replace(/pglite\.lock$/, '')} is already open in process ${holder}. ` +
            'PGlite allows one process at a time: stop that process, or set DATABASE_URL to use PostgreSQL.',
        );
      }
      rmSync(lockPath, { force: true }); // stale lock from a process that died
    }
  }
  throw new DatabaseLockedError(`Could not take the embedded database lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DatabaseLockedError extends Error {}

/** `db.execute` returns driver-specific results; both drivers expose `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}
