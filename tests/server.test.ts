import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

/**
 * The service as `npm start` runs it: a real process on the embedded database in a fresh DATA_DIR,
 * no configuration, real HTTP, a token from `npm run token`, and a graceful SIGTERM.
 */
let server: ChildProcess | null = null;
afterAll(() => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
});

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 90_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
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

describe('npm start on a fresh data directory', () => {
  it('serves health, readiness, the API document and /v1 with a development token, runs the README walkthroughs, and stops on SIGTERM', async () => {
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
    server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => server!.on('exit', (code) => resolve(code)));
    const base = await listeningUrl(server);

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
      [
        '--import',
        'tsx',
        'src/cli/token.ts',
        '--role',
        'court_clerk',
        '--sub',
        'clerk-1',
        '--org',
        'court-1',
      ],
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

    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
  }, 180_000);
});
