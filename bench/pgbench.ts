/**
 * The database's own limit for a scenario: pgbench running, with the same number of clients and
 * `-M prepared`, a script made of the very statements the service sent for one request (captured
 * by bench/capture-sql.mjs), their parameters inlined. The case and the child of the captured
 * request are replaced by a random row of the data set on each transaction, as the load does.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchId } from './dataset.js';

const run = promisify(execFile);

export interface Captured {
  text: string;
  values: (string | null)[];
}

export function readCapture(file: string): Captured[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Captured);
}

/**
 * A parameter as an untyped literal, so that PostgreSQL infers its type as it did for the parameter.
 * pgbench reads `:name` as a variable even inside quotes, so a colon is written as the escape \x3a.
 */
function literal(v: string | null): string {
  if (v === null) return 'NULL';
  const quoted = v.replaceAll("'", "''");
  return v.includes(':') ? `E'${quoted.replaceAll('\\', '\\\\').replaceAll(':', '\\x3a')}'` : `'${quoted}'`;
}

/** Inlines $n parameters (highest first, so $12 is not read as $1 followed by 2). */
function inline(c: Captured): string {
  let text = c.text;
  for (let n = c.values.length; n >= 1; n--) {
    text = text.replaceAll(new RegExp(`\\$${n}(?!\\d)`, 'g'), literal(c.values[n - 1]));
  }
  // One line per statement for pgbench: drop line comments first, or they would swallow the rest.
  return text
    .replace(/--[^\n]*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A pgbench script. `row` is the data-set row of the captured request; when `randomise` is set its
 * case and person ids become `bench_uuid('case' || :i)`, else the captured ids stay (same row each time).
 */
export function pgbenchScript(
  statements: Captured[],
  row: number,
  rows: number,
  stride: number,
  randomise: boolean,
): string {
  const caseId = benchId('case', row);
  const personId = benchId('person', row);
  const lines = randomise
    ? [`\\set k random(1, ${Math.floor(rows / stride)})`, `\\set i :k * ${stride}`]
    : [];
  for (const s of statements) {
    let sqlText = inline(s);
    if (randomise) {
      sqlText = sqlText
        .replaceAll(`'${caseId}'`, `bench_uuid('case' || :i)`)
        .replaceAll(`'${personId}'`, `bench_uuid('person' || :i)`);
    }
    lines.push(`${sqlText};`);
  }
  return `${lines.join('\n')}\n`;
}

export interface PgbenchResult {
  tps: number;
  p99: number | null;
  failed: boolean;
  error?: string;
}

/** Runs pgbench for `seconds` and reads tps and the 99th percentile latency from its per-transaction log summary. */
export async function pgbench(
  url: string,
  scriptFile: string,
  clients: number,
  seconds: number,
): Promise<PgbenchResult> {
  const u = new URL(url);
  const logDir = mkdtempSync(join(tmpdir(), 'jj-pgbench-'));
  const args = [
    '-n',
    '-M',
    'prepared',
    '-c',
    String(clients),
    '-j',
    '2',
    '-T',
    String(seconds),
    '-f',
    scriptFile,
    '-h',
    u.hostname,
    '-p',
    u.port || '5432',
    '-U',
    decodeURIComponent(u.username || 'postgres'),
    '-l',
    `--log-prefix=${logDir}/pgbench`,
    u.pathname.slice(1),
  ];
  try {
    const { stdout } = await run('pgbench', args, { cwd: logDir, maxBuffer: 64 * 1024 * 1024 });
    const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN);
    // Each log line: client, transaction, latency in microseconds, script, epoch, microseconds.
    const latencies = readdirSync(logDir)
      .filter((f) => f.startsWith('pgbench.'))
      .flatMap((f) => readFileSync(join(logDir, f), 'utf8').split('\n'))
      .filter(Boolean)
      .map((l) => Number(l.split(' ')[2]) / 1000)
      .sort((a, b) => a - b);
    const p99 = latencies.length ? latencies[Math.floor(latencies.length * 0.99)] : null;
    return { tps, p99, failed: !Number.isFinite(tps) || tps === 0 };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { tps: 0, p99: null, failed: true, error: (e.stderr ?? e.message).slice(0, 800) };
  } finally {
    rmSync(logDir, { recursive: true, force: true });
  }
}

export function writeScript(file: string, script: string): string {
  writeFileSync(file, script);
  return file;
}
