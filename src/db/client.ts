import { createHash } from 'node:crypto';
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
import type { Config } from '../config.js';
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
  /** Where the data lives, for startup messages: the PGlite directory, or host/database (no credentials). */
  location: string;
  /** PGlite only: the data directory held no database yet, so opening it creates one. */
  creating: boolean;
  /** Resolves once the database answers (PGlite: created or opened). */
  ready(): Promise<void>;
  /** PGlite only: the embedded engine itself (backups dump its data directory). */
  embedded?: PGlite;
  /**
   * Runs read-only work that tolerates replication lag on the read replica (DATABASE_READ_URL),
   * or on `primary` (the caller's transaction) when there is no replica or it is unreachable.
   * Never for anything that decides access or writes: those stay on the primary.
   */
  readLagTolerant<T>(primary: Executor, work: (db: Executor) => Promise<T>): Promise<T>;
  /** Where lag-tolerant reads went, for /metrics. */
  readStats(): { replica: number; primary: number; fallback: number };
  /** Pool statistics for /metrics (PGlite has one connection). */
  poolStats(): { total: number; idle: number; waiting: number };
  /** Applies the committed migrations not applied yet; says how many it applied, of how many. */
  migrate(): Promise<MigrationResult>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Time limits on every PostgreSQL connection of the pool (see README "Faults and timeouts"). */
export interface DatabaseTimeouts {
  /** Server-side `statement_timeout` of every statement (0: none). */
  statementMs: number;
  /** Server-side `lock_timeout`: the longest wait for a row or table lock (0: none). */
  lockMs: number;
  /** The longest wait for a connection, new or from the pool. */
  connectMs: number;
}

export const DEFAULT_TIMEOUTS: DatabaseTimeouts = { statementMs: 15_000, lockMs: 10_000, connectMs: 5_000 };

/** Beyond the statement timeout, how long the client waits for an answer before it gives the connection up. */
const CLIENT_GRACE_MS = 1_000;

export type DatabaseOptions =
  | {
      kind: 'postgres';
      url: string;
      poolMax?: number;
      timeouts?: Partial<DatabaseTimeouts>;
      /** A streaming replica for reads that tolerate lag (DATABASE_READ_URL). */
      readUrl?: string;
      /** Named prepared statements (DATABASE_PREPARED_STATEMENTS, default on); see PreparingClient. */
      preparedStatements?: boolean;
    }
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'pglite-memory' };

export interface MigrationResult {
  applied: number;
  total: number;
}

/** Migrations recorded as applied; none when drizzle's bookkeeping table does not exist yet. */
async function appliedMigrations(db: Db): Promise<number> {
  const [table] = rowsOf<{ t: string | null }>(
    await db.execute(sql`SELECT to_regclass('drizzle.__drizzle_migrations')::text AS t`),
  );
  if (!table?.t) return 0;
  const [row] = rowsOf<{ n: number }>(
    await db.execute(sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`),
  );
  return Number(row.n);
}

/** Arbitrary key for the advisory lock that lets only one instance migrate at a time. */
const MIGRATION_LOCK_KEY = 74_110_001;

export function openDatabase(options: DatabaseOptions): Database {
  if (options.kind === 'postgres') {
    return openPostgres(
      options.url,
      options.poolMax ?? 10,
      { ...DEFAULT_TIMEOUTS, ...options.timeouts },
      options.readUrl,
      options.preparedStatements ?? true,
    );
  }
  return openPglite(options.kind === 'pglite' ? options.dataDir : null);
}

/** The database the configuration names, with its pool size and time limits. */
export function databaseOptionsFrom(config: Config): DatabaseOptions {
  return config.DATABASE_URL
    ? {
        kind: 'postgres',
        url: config.DATABASE_URL,
        poolMax: config.DATABASE_POOL_MAX,
        timeouts: {
          statementMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
          lockMs: config.DATABASE_LOCK_TIMEOUT_MS,
          connectMs: config.DATABASE_CONNECT_TIMEOUT_MS,
        },
        readUrl: config.DATABASE_READ_URL,
        preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
      }
    : { kind: 'pglite', dataDir: config.DATA_DIR };
}

/**
 * A pg client that sends every statement with parameters as a named prepared statement, named by
 * a hash of its text. drizzle sends unnamed statements, which PostgreSQL parses and plans on every
 * execution; named, each connection parses a statement once and re-uses it (and its plan, once
 * PostgreSQL's plan cache judges a generic plan as good as a custom one). This halved the
 * database's CPU per statement in the benchmarks (README "Benchmarks"). The set of statement texts
 * is the code's own (values are always parameters), so the per-connection cache stays bounded.
 * Off with DATABASE_PREPARED_STATEMENTS=false, for a pooler in transaction mode that cannot carry
 * prepared statements across transactions (PgBouncer before 1.21).
 */
class PreparingClient extends pg.Client {
  // pg's query() has a dozen overloads; this forwards them all, naming statements with parameters.
  override query(config: any, values?: any, callback?: any): any {
    if (config && typeof config === 'object' && typeof config.text === 'string' && !config.name) {
      const params = Array.isArray(values) ? values : config.values;
      if (Array.isArray(params) && params.length > 0) {
        config = { ...config, name: statementName(config.text) };
      }
    }
    return super.query(config, values, callback);
  }
}

const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `jj_${createHash('sha256').update(text).digest('hex').slice(0, 40)}`;
    statementNames.set(text, name);
  }
  return name;
}

/** How long a replica that failed is skipped before it is tried again. */
const REPLICA_RETRY_MS = 5_000;

/**
 * Lag-tolerant reads on the replica, falling back to the primary when the replica cannot be
 * reached (down, restarting, refusing connections): the request still answers, from the primary.
 */
function replicaReader(readUrl: string | undefined, poolMax: number) {
  const stats = { replica: 0, primary: 0, fallback: 0 };
  if (!readUrl) {
    return {
      stats,
      close: async () => {},
      async run<T>(primary: Executor, work: (db: Executor) => Promise<T>) {
        stats.primary += 1;
        return work(primary);
      },
    };
  }
  const pool = new pg.Pool({
    connectionString: readUrl,
    max: poolMax,
    connectionTimeoutMillis: 2_000,
    application_name: 'jj-case-api-read',
  });
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const replica = drizzlePg(pool, { schema }) as unknown as Db;
  let skipUntil = 0;
  return {
    stats,
    close: () => pool.end(),
    async run<T>(primary: Executor, work: (db: Executor) => Promise<T>) {
      if (Date.now() >= skipUntil) {
        try {
          const result = await work(replica);
          stats.replica += 1;
          return result;
        } catch (err) {
          if (!isDatabaseUnavailable(err)) throw err;
          skipUntil = Date.now() + REPLICA_RETRY_MS;
        }
      }
      stats.fallback += 1;
      return work(primary);
    },
  };
}

function openPostgres(
  url: string,
  poolMax: number,
  timeouts: DatabaseTimeouts,
  readUrl: string | undefined,
  preparedStatements: boolean,
): Database {
  const pool = new pg.Pool({
    ...(preparedStatements ? { Client: PreparingClient } : {}),
    connectionString: url,
    max: poolMax,
    connectionTimeoutMillis: timeouts.connectMs,
    // Sent as startup parameters, so they hold on every connection and every transaction on it.
    ...(timeouts.statementMs > 0 ? { statement_timeout: timeouts.statementMs } : {}),
    ...(timeouts.lockMs > 0 ? { lock_timeout: timeouts.lockMs } : {}),
    // A transaction whose client went silent (partitioned or stalled between two statements) is
    // ended by the server after as long as one statement may take: it would otherwise hold its
    // locks, and the snapshot horizon the audit sealer and the event feed wait on, until TCP
    // keepalive noticed, minutes later.
    ...(timeouts.statementMs > 0 ? { idle_in_transaction_session_timeout: timeouts.statementMs } : {}),
    // The server cannot cancel a statement it never hears from (a network partition): the client
    // gives up too, a little after the server would have, and the connection is dropped.
    ...(timeouts.statementMs > 0 ? { query_timeout: timeouts.statementMs + CLIENT_GRACE_MS } : {}),
    // Dead peers are noticed by TCP keepalive instead of hanging idle connections forever.
    keepAlive: true,
  });
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
  const parsed = new URL(url);
  const reader = replicaReader(readUrl, poolMax);
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
    location: `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`,
    creating: false,
    readLagTolerant: (primary, work) => reader.run(primary, work),
    readStats: () => reader.stats,
    async ready() {
      await db.execute(sql`select 1`);
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async migrate() {
      // A connection of its own, without the request time limits: a migration may rightly take
      // longer than a request, and waits on the lock while another instance migrates.
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeouts.connectMs });
      client.on('error', () => {});
      await client.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        const session = drizzlePg(client, { schema });
        const before = await appliedMigrations(session as unknown as Db);
        await migratePg(session, { migrationsFolder: MIGRATIONS_FOLDER });
        const total = await appliedMigrations(session as unknown as Db);
        return { applied: total - before, total };
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
        await client.end().catch(() => {});
      }
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await reader.close();
      await pool.end();
    },
  };
}

/**
 * Creates the embedded database in `dataDir` from a dump of another one (`PGlite.dumpDataDir`),
 * under the same lock file as the service. Refuses a directory that already holds a database.
 */
export async function restoreEmbedded(dataDir: string, dump: Blob): Promise<void> {
  const dir = resolve(dataDir, 'pglite');
  if (existsSync(resolve(dir, 'PG_VERSION'))) {
    throw new DatabaseLockedError(
      `${dir} already holds a database: restore into an empty DATA_DIR (move the old one aside first).`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const lockPath = resolve(dataDir, 'pglite.lock');
  acquireLock(lockPath);
  try {
    const client = new PGlite({ dataDir: dir, loadDataDir: dump, extensions: { pg_trgm } });
    await client.waitReady;
    await client.close();
  } finally {
    rmSync(lockPath, { force: true });
  }
}

function openPglite(dataDir: string | null): Database {
  let lockPath: string | null = null;
  const dir = dataDir ? resolve(dataDir, 'pglite') : null;
  // initdb has run once PG_VERSION exists; before that, opening the directory creates the database.
  const creating = !dir || !existsSync(resolve(dir, 'PG_VERSION'));
  if (dataDir && dir) {
    mkdirSync(dir, { recursive: true });
    lockPath = resolve(dataDir, 'pglite.lock');
    acquireLock(lockPath);
  }
  const client = new PGlite({
    ...(dir ? { dataDir: dir } : {}),
    extensions: { pg_trgm },
  });
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  let pgliteReads = 0;
  return {
    db,
    kind: 'pglite',
    location: dir ?? 'memory',
    creating,
    readLagTolerant: (primary, work) => {
      pgliteReads += 1;
      return work(primary);
    },
    readStats: () => ({ replica: 0, primary: pgliteReads, fallback: 0 }),
    embedded: client,
    async ready() {
      await client.waitReady;
    },
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    async migrate() {
      const before = await appliedMigrations(db);
      await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
      const total = await appliedMigrations(db);
      return { applied: total - before, total };
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
