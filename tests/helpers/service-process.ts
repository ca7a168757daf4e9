import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { TEST_AUDIENCE, TEST_ISSUER, type TestIssuer } from './tokens.js';

/**
 * The service as a real process (what `npm start` runs: the compiled `dist/server.js`, built once by
 * tests/helpers/global-setup.ts) on a PostgreSQL database, verifying tokens of a test issuer. Budgets
 * are generous: two busy cores can take a while to start it.
 */
export interface ServiceProcess {
  base: string;
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const run = promisify(execFile);

export const SERVICE_COMMAND = [process.execPath, resolve('dist/server.js')];

export async function spawnService(
  databaseUrl: string,
  issuer: TestIssuer,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const child = spawn(SERVICE_COMMAND[0], SERVICE_COMMAND.slice(1), {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'jj-proc-')),
      AUTH_JWKS_FILE: issuer.jwksFile,
      AUTH_JWKS_URL: '',
      AUTH_ISSUER: TEST_ISSUER,
      AUTH_AUDIENCE: TEST_AUDIENCE,
      AUDIT_SEAL_INTERVAL_MS: '100',
      // as in the in-process suite: load tests fire more than a window's worth with one token
      RATE_LIMIT_ENABLED: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start in 120 s:\n${out}`)), 120_000);
    const check = () => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`service exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
  return {
    base,
    child,
    exited,
    output: () => out,
    alive: () => child.exitCode === null && child.signalCode === null,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        await exited;
      }
    },
  };
}

/** What a request to a service process came back with; status 0 when no answer came at all. */
export interface Outcome {
  status: number;
  type: string | null;
  etag: string | null;
  body: any;
}

/**
 * One request to a service process over real HTTP. A request the process never answers (killed
 * under it, or connection refused) comes back as status 0 rather than throwing. The abort is only a
 * guard against a hang, not a measured budget.
 */
export async function callService(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined
          ? {}
          : { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      etag: res.headers.get('etag'),
      body: parsed,
    };
  } catch (err) {
    return { status: 0, type: null, etag: null, body: String(err) };
  }
}

/** `npm run audit:verify` (the compiled CLI) against a database; the report parsed when it is JSON. */
export async function auditVerify(databaseUrl: string, dataDir: string) {
  try {
    const { stdout } = await run(process.execPath, [resolve('dist/cli/verify-audit.js')], {
      env: { ...process.env, DATABASE_URL: databaseUrl, DATA_DIR: dataDir, NODE_ENV: 'test' },
      timeout: 180_000,
      maxBuffer: 1 << 24,
    });
    return { code: 0, report: JSON.parse(stdout) };
  } catch (err: any) {
    return { code: err.code as number, report: err.stdout as string };
  }
}
