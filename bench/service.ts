/**
 * Starts the service as a real listening process for the benchmarks, with its own ES256 key set
 * (a JWKS file, as production verifies tokens), and signs the tokens the load uses.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';

const ROOT = resolve(import.meta.dirname, '..');
const ISSUER = 'https://bench.invalid';
const AUDIENCE = 'jj-bench';

export interface Issuer {
  jwksFile: string;
  /** The audit checkpoint signing key the service is given, and its public half for verification. */
  auditKeyFile: string;
  auditPublicJwk: JWK;
  sign(claims: {
    sub: string;
    roles: string[];
    org: string;
    scope?: string;
    client_id?: string;
  }): Promise<string>;
}

/**
 * The audit checkpoint key: random, or with `stableAuditKey` (bench --reuse) an Ed25519 key derived
 * from a fixed seed, so that a kept data set's checkpoints, signed on an earlier run, still verify
 * (P4 failed with bad_checkpoint on a second --reuse run). A benchmark key, never a service's.
 */
async function auditKeyPair(stable: boolean) {
  if (!stable) return generateKeyPair('EdDSA', { extractable: true });
  const seed = createHash('sha256').update('jj-bench-audit-checkpoint-key').digest();
  // PKCS#8 of an Ed25519 private key: a fixed prefix, then the 32-byte seed (RFC 8410).
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export async function benchIssuer(opts: { stableAuditKey?: boolean } = {}): Promise<Issuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
  const dir = mkdtempSync(join(tmpdir(), 'jj-bench-'));
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
  const audit = await auditKeyPair(opts.stableAuditKey ?? false);
  const auditKeyFile = join(dir, 'audit-key.json');
  writeFileSync(
    auditKeyFile,
    JSON.stringify({ ...(await exportJWK(audit.privateKey)), alg: 'EdDSA', kid: 'bench-audit' }),
  );
  return {
    jwksFile,
    auditKeyFile,
    auditPublicJwk: { ...(await exportJWK(audit.publicKey)), alg: 'EdDSA', kid: 'bench-audit', use: 'sig' },
    sign: (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('2h')
        .sign(privateKey),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function peakKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export interface RunningService {
  url: string;
  pid: number;
  /** Peak resident set size so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  stop(): Promise<void>;
}

/**
 * The compiled service when `npm run build` has produced it, with the node flags `npm start` gives
 * it (the heap limits that P6 measures), else the TypeScript sources through tsx.
 */
function entry(): string[] {
  const compiled = join(ROOT, 'dist', 'server.js');
  if (!existsSync(compiled)) return ['--import', 'tsx', join(ROOT, 'src', 'server.ts')];
  const start = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
  ).scripts.start;
  const flags =
    /node((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\/server\.js/.exec(start)?.[1]?.trim().split(/\s+/) ?? [];
  return [...flags.filter(Boolean), compiled];
}

export async function startService(opts: {
  issuer: Issuer;
  databaseUrl?: string;
  dataDir?: string;
  captureFile?: string;
  env?: Record<string, string>;
  /** Flags for node itself (for example `--cpu-prof`, which NODE_OPTIONS does not accept). */
  nodeArgs?: string[];
}): Promise<RunningService> {
  const port = await freePort();
  const args = [
    ...(opts.nodeArgs ?? []),
    ...(opts.captureFile ? ['--import', join(ROOT, 'bench', 'capture-sql.mjs')] : []),
    ...entry(),
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      AUTH_JWKS_FILE: opts.issuer.jwksFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUDIT_SIGNING_KEY_FILE: opts.issuer.auditKeyFile,
      DATA_DIR: opts.dataDir ?? mkdtempSync(join(tmpdir(), 'jj-bench-data-')),
      DATABASE_POOL_MAX: '10',
      // The rate limit's counter stays on every request's path (and in the captured baseline),
      // with a limit the load never reaches.
      RATE_LIMIT_PER_CLIENT: '1000000000',
      ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
      // To compare with named prepared statements off: DATABASE_PREPARED_STATEMENTS=false npm run bench
      ...(process.env.DATABASE_PREPARED_STATEMENTS
        ? { DATABASE_PREPARED_STATEMENTS: process.env.DATABASE_PREPARED_STATEMENTS }
        : {}),
      // Several processes on the port (src/workers.ts): BENCH_WORKERS=2 npm run bench. Not while
      // capturing the baseline's SQL: two processes' statements would interleave in one file.
      ...(process.env.BENCH_WORKERS && !opts.captureFile ? { WORKERS: process.env.BENCH_WORKERS } : {}),
      ...(opts.captureFile ? { BENCH_CAPTURE_FILE: opts.captureFile, AUDIT_SEAL_INTERVAL_MS: '60000' } : {}),
      ...opts.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited: ${stderr.slice(-2000)}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`service did not become ready: ${stderr.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    pid: child.pid!,
    peakRssMiB() {
      // With workers, the supervisor and every worker: the sum of their peaks (an upper bound).
      const tree = [child.pid!, ...childrenOf(child.pid!)];
      return tree.reduce((sum, pid) => sum + peakKb(pid), 0) / 1024;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
