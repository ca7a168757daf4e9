import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { uid } from './helpers/app.js';
import { type TestDatabase, createTestDatabase } from './helpers/database.js';
import { type ServiceProcess, callService, spawnService } from './helpers/service-process.js';
import { type TestIssuer, createTestIssuer } from './helpers/tokens.js';

/**
 * WORKERS > 1 (src/workers.ts): one supervisor, several whole instances of the service on one
 * port. Process-level, so PostgreSQL only; budgets of minutes; nothing asserts a duration.
 */
const onPostgres = Boolean(process.env.TEST_DATABASE_URL) && process.env.TEST_BACKEND !== 'pglite';
const run = promisify(execFile);

/** The pids of a process's children (the workers of a supervisor). */
async function childrenOf(pid: number): Promise<number[]> {
  try {
    const { stdout } = await run('pgrep', ['-P', String(pid)]);
    return stdout.split('\n').filter(Boolean).map(Number).sort();
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, budgetMs = 120_000): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** pids that wrote a request log line (pino puts the pid on every line). */
function pidsThatServed(output: string): Set<number> {
  const pids = new Set<number>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { pid?: number; req?: unknown };
      if (entry.req && entry.pid) pids.add(entry.pid);
    } catch {}
  }
  return pids;
}

describe('configuration', () => {
  it('refuses several workers on the embedded database, naming the variable', () => {
    expect(() => loadConfig({ WORKERS: '2' })).toThrow(ConfigError);
    expect(() => loadConfig({ WORKERS: '2' })).toThrow(/WORKERS/);
    expect(() => loadConfig({ WORKERS: '0', DATABASE_URL: 'postgres://x/y' })).toThrow(/WORKERS/);
    expect(loadConfig({ WORKERS: '2', DATABASE_URL: 'postgres://x/y' }).WORKERS).toBe(2);
    expect(loadConfig({}).WORKERS).toBe(1);
  });
});

describe.skipIf(!onPostgres)('several workers on one port', { timeout: 300_000 }, () => {
  let testDb: TestDatabase;
  let issuer: TestIssuer;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    issuer = await createTestIssuer();
  });
  afterAll(async () => {
    for (const s of services) {
      const workers = s.child.pid ? await childrenOf(s.child.pid) : [];
      await s.kill();
      for (const w of workers) {
        try {
          process.kill(w, 'SIGKILL');
        } catch {}
      }
    }
    await testDb?.drop();
  });

  it('serves from every worker, replaces one that dies, and stops them all on SIGTERM', async () => {
    const service = await spawnService(testDb.url!, issuer, { WORKERS: '2' });
    services.push(service);
    const primary = service.child.pid!;
    const first = await until('two workers', async () => {
      const pids = await childrenOf(primary);
      return pids.length === 2 ? pids : undefined;
    });

    // Writes through both: each new connection goes to the next worker in turn.
    const admin = await issuer.sign({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
    const court = uid('court');
    const org = await callService(
      service.base,
      admin,
      'POST',
      '/v1/organizations',
      { id: court, name: 'Court', kind: 'court' },
      { connection: 'close' },
    );
    expect(org.status).toBe(201);
    const clerk = await issuer.sign({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    for (let i = 0; i < 12; i += 1) {
      const created = await callService(
        service.base,
        clerk,
        'POST',
        '/v1/persons',
        { givenName: uid('G'), familyName: uid('F'), dateOfBirth: '2011-03-04', sex: 'male' },
        { connection: 'close' },
      );
      expect(created.status).toBe(201);
      const read = await callService(
        service.base,
        clerk,
        'GET',
        `/v1/persons/${created.body.id}`,
        undefined,
        {
          connection: 'close',
        },
      );
      expect(read.status).toBe(200);
    }
    const served = pidsThatServed(service.output());
    expect([...served].sort()).toEqual(first);

    // A worker that dies is replaced, and the port keeps answering meanwhile.
    process.kill(first[0], 'SIGKILL');
    const second = await until('a replacement worker', async () => {
      const pids = await childrenOf(primary);
      return pids.length === 2 && !pids.includes(first[0]) ? pids : undefined;
    });
    expect(second).toContain(first[1]);
    expect(service.alive()).toBe(true);
    // A second death within the minute waits twice as long before its replacement: no fork loop.
    const replacement = second.find((p) => p !== first[1])!;
    process.kill(replacement, 'SIGKILL');
    await until('a second replacement', async () => {
      const pids = await childrenOf(primary);
      return pids.length === 2 && !pids.includes(replacement) ? pids : undefined;
    });
    const pauses = [...service.output().matchAll(/"pauseMs":(\d+)/g)].map((m) => Number(m[1]));
    expect(pauses).toEqual([500, 1000]);
    const after = await callService(service.base, admin, 'GET', `/v1/organizations/${court}`, undefined, {
      connection: 'close',
    });
    expect(after.status).toBe(200);

    // SIGTERM: the workers drain and stop, then the supervisor exits 0.
    service.child.kill('SIGTERM');
    const { code } = await service.exited;
    expect(code).toBe(0);
    expect(await childrenOf(primary)).toEqual([]);
    for (const pid of second.filter((p) => p !== replacement)) expect(() => process.kill(pid, 0)).toThrow();
    expect(service.output()).toContain('"msg":"stopped"');
  });

  it('stops with exit 1 when a worker cannot start, instead of restarting it in a loop', async () => {
    const missing = Object.assign(new URL(testDb.url!), {
      pathname: `/${uid('absent').replace(/\W/g, '_')}`,
    });
    const service = await spawnService(missing.toString(), issuer, { WORKERS: '2' }).catch(
      (err: Error) => err,
    );
    // It never listens: spawnService rejects with the exit.
    expect(service).toBeInstanceOf(Error);
    expect(String((service as Error).message)).toMatch(/exited \(1\)[\s\S]*a worker failed to start/);
  });
});
