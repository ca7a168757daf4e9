import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

/**
 * The service as an operator starts it: `npm start` (the compiled service, built by the test
 * setup as `npm run build` does) on the embedded database in a fresh DATA_DIR, no configuration,
 * real HTTP, a token from `npm run token`, and SIGTERM sent to the npm process itself, as a
 * container runtime does. Budgets are generous: two busy cores.
 */
let server: ChildProcess | null = null;
// When an assertion fails before the SIGTERM step, npm is killed but its child, the service, would
// live on as an orphan holding its port and data directory (and, with nobody reading its stdout,
// blocked on its next log line): kill both.
let servicePid: number | undefined;
afterAll(() => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  if (servicePid && isAlive(servicePid)) process.kill(servicePid, 'SIGKILL');
});

let output = '';

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 400_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      output += chunk.toString();
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}

/** True when a new server can listen on the port: nothing holds it any more. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start on a fresh data directory', () => {
  it('says what it does, serves health, readiness, the API document and /v1 with a development token, runs the README walkthroughs, and stops on SIGTERM to npm', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'jj-start-'));
    const env = {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      DATABASE_URL: '',
      AUTH_JWKS_FILE: '',
      AUTH_JWKS_URL: '',
    };
    server = spawn('npm', ['start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => server!.on('exit', (code) => resolve(code)));
    const base = await listeningUrl(server);
    // The first start says what it does and how long each step took, then that it is ready.
    const lines = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; ms?: number; pid: number });
    const messages = lines.map((l) => l.msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        'creating the embedded database (first start only)',
        'embedded database created',
        'applying migrations',
        'ready',
      ]),
    );
    expect(messages.some((m) => /^applied \d+ migration\(s\)/.test(m))).toBe(true);
    expect(lines.find((l) => l.msg === 'embedded database created')?.ms).toBeGreaterThan(0);
    servicePid = lines[0].pid;
    expect(servicePid).not.toBe(server.pid); // npm runs the service as its child

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready', database: 'pglite' });
    const doc = await (await fetch(`${base}/openapi.json`)).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/v1/'))).toBe(true);
    expect((await fetch(`${base}/docs/`)).status).toBe(200);

    const anonymous = await fetch(`${base}/v1/cases`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/problem\+json/);

    const { stdout } = await run(
      process.execPath,
      ['dist/cli/token.js', '--role', 'court_clerk', '--sub', 'clerk-1', '--org', 'court-1'],
      { env },
    );
    const token = stdout.trim().split('\n').pop()!;
    const authorised = await fetch(`${base}/v1/cases`, { headers: { authorization: `Bearer ${token}` } });
    expect(authorised.status).toBe(200);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(true);

    // The README's curl walkthroughs, run as written against this server: every request succeeds
    // except the two refusals they show on purpose (another court's 404, a hearing on a closed case's 409).
    const readme = readFileSync('README.md', 'utf8');
    const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
      .map((m) => m[1])
      .filter((b) => b.includes('$API'));
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const script = blocks.join('\n').replaceAll('API=http://127.0.0.1:3000', `API=${base}`);
    const walk = await run('bash', ['-c', script], { env, maxBuffer: 10 * 1024 * 1024 });
    const statuses = [...walk.stdout.matchAll(/"status":(\d{3})/g)].map((m) => Number(m[1]));
    expect(statuses.sort()).toEqual([404, 409]);
    expect(walk.stdout).toContain('"ok":true');

    // SIGTERM to the npm process, as `docker stop` sends it: npm hands it to the service, which
    // closes, releases the embedded database's lock file and frees the port.
    const port = Number(new URL(base).port);
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"stopped"');
    expect(isAlive(servicePid)).toBe(false);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
    expect(await portIsFree(port)).toBe(true);
  }, 600_000);
});
