import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/client.js';

/**
 * One fresh database per test file, on the first backend that is there:
 * TEST_DATABASE_URL (CI: the local server), else a testcontainers PostgreSQL when a Docker engine
 * answers, else in-memory PGlite. Same tests, same assertions, on every backend.
 */
export interface TestDatabase {
  database: Database;
  backend: 'postgres' | 'testcontainers' | 'pglite';
  /** A connection URL for a second app instance or superuser SQL (null on PGlite). */
  url: string | null;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) return createOnServer(url, 'postgres');
  if (process.env.TEST_BACKEND !== 'pglite' && (await dockerAnswers())) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    const db = await createOnServer(container.getConnectionUri(), 'testcontainers');
    return {
      ...db,
      async drop() {
        await db.drop();
        await container.stop();
      },
    };
  }
  const database = openDatabase({ kind: 'pglite-memory' });
  await database.migrate();
  return { database, backend: 'pglite', url: null, drop: () => database.close() };
}

async function createOnServer(
  adminUrl: string,
  backend: 'postgres' | 'testcontainers',
): Promise<TestDatabase> {
  const name = `jj_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const database = openDatabase({ kind: 'postgres', url, poolMax: 10 });
  await database.migrate();
  return {
    database,
    backend,
    url,
    async drop() {
      await database.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Milliseconds, not the seconds testcontainers would spend discovering there is no engine. */
async function dockerAnswers(): Promise<boolean> {
  const socket = process.env.DOCKER_HOST?.startsWith('unix://')
    ? process.env.DOCKER_HOST.slice('unix://'.length)
    : '/var/run/docker.sock';
  if (process.env.DOCKER_HOST && !process.env.DOCKER_HOST.startsWith('unix://')) return false;
  if (!existsSync(socket)) return false;
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 300 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}
