import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { ConfigError, loadConfig, loadEnvFile } from '../src/config.js';
import { DatabaseLockedError, openDatabase } from '../src/db/client.js';

const run = promisify(execFile);

describe('configuration', () => {
  it('has defaults for a fresh clone', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      DATA_DIR: './data',
      CONSENT_AGE: 16,
      BREAK_GLASS_MINUTES: 60,
    });
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it('stops on a bad value with a message that names the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => loadConfig({ AUTH_JWKS_FILE: '/x.json' })).toThrow(/AUTH_ISSUER/);
  });

  it('reads .env when present, the environment winning, even when it sets a variable to empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jj-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, '# comment\nPORT=4100\nHOST=0.0.0.0\nLOG_LEVEL=debug\nDATABASE_URL=\n');
    const env: Record<string, string | undefined> = { HOST: '127.0.0.2', LOG_LEVEL: '' };
    expect(loadEnvFile(file, env)).toBe(file);
    expect(env).toMatchObject({ PORT: '4100', HOST: '127.0.0.2', LOG_LEVEL: '' });
    expect(loadConfig(env)).toMatchObject({ PORT: 4100, HOST: '127.0.0.2', LOG_LEVEL: 'info' });
    expect(loadEnvFile(join(dir, 'absent.env'), env)).toBeNull();
  });

  it('refuses to start in production without external auth, a database server and a signing key', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /AUTH_JWKS_URL[\s\S]*DATABASE_URL[\s\S]*AUDIT_SIGNING_KEY_FILE/,
    );
  });
});

describe('the embedded database', () => {
  it('refuses a second opener of the same data directory with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jj-lock-'));
    const first = openDatabase({ kind: 'pglite', dataDir: dir });
    try {
      // a lock held by another live process: simulate with this test runner's parent pid
      writeFileSync(join(dir, 'pglite.lock'), String(process.ppid));
      expect(() => openDatabase({ kind: 'pglite', dataDir: dir })).toThrow(DatabaseLockedError);
      expect(() => openDatabase({ kind: 'pglite', dataDir: dir })).toThrow(/already open in process/);
    } finally {
      await first.close();
    }
  }, 180_000); // creates an embedded database on disk: slow on two busy cores

  it('takes over a stale lock left by a process that died', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jj-lock-'));
    writeFileSync(join(dir, 'pglite.lock'), '999999999');
    const db = openDatabase({ kind: 'pglite', dataDir: dir });
    await db.close();
  }, 180_000);
});

describe('when the database is unreachable', () => {
  it('answers 503 problem+json on readiness and on API calls, and stays alive', async () => {
    const { createTestIssuer } = await import('./helpers/tokens.js');
    const { testConfig } = await import('./helpers/app.js');
    const issuer = await createTestIssuer();
    const database = openDatabase({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:9/nothing' });
    const app = await buildApp(testConfig(issuer, { AUDIT_SEAL_INTERVAL_MS: '60000' }), { database });
    try {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.headers['content-type']).toMatch(/problem\+json/);
      const token = await issuer.sign({ sub: 'clerk-1', roles: ['court_clerk'], org: 'court-1' });
      const res = await app.inject({
        method: 'GET',
        url: '/v1/cases',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 503, title: 'Service unavailable' });
      expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
    } finally {
      await app.close();
      await database.close();
    }
  });
});

describe('the development issuer', () => {
  it('signs with npm run token a token the service accepts, with no auth configuration, reading .env where the environment is silent', async () => {
    // The tool runs in a working directory whose .env names the data directory (the key lands
    // there) and says production (the environment's "development" wins, else the tool refuses).
    const workDir = mkdtempSync(join(tmpdir(), 'jj-dev-'));
    const dataDir = join(workDir, 'from-dotenv');
    writeFileSync(join(workDir, '.env'), `DATA_DIR=${dataDir}\nNODE_ENV=production\n`);
    const { DATA_DIR: _ignored, ...inherited } = process.env;
    const env = {
      ...inherited,
      NODE_ENV: 'development',
      AUTH_JWKS_FILE: '',
      AUTH_JWKS_URL: '',
    };
    const { stdout } = await run(
      process.execPath,
      [resolve('dist/cli/token.js'), '--role', 'court_clerk', '--sub', 'clerk-1', '--org', 'court-1'],
      { env, cwd: workDir },
    );
    const token = stdout.trim().split('\n').pop()!;
    expect(token.split('.')).toHaveLength(3);
    expect(existsSync(join(dataDir, 'dev-issuer-key.json'))).toBe(true);
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const database = openDatabase({ kind: 'pglite-memory' });
    await database.migrate();
    const app = await buildApp(config, { database });
    try {
      const ok = await app.inject({
        method: 'GET',
        url: '/v1/cases',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(ok.statusCode).toBe(200);
      const none = await app.inject({ method: 'GET', url: '/v1/cases' });
      expect(none.statusCode).toBe(401);
    } finally {
      await app.close();
      await database.close();
    }
  }, 240_000); // a process on two busy cores
});
