/**
 * Benchmarks against the database's own limit. Every figure is a ratio against a baseline measured
 * in the same run on the same machine (two shared cores: absolute numbers drift, ratios travel).
 *
 *   npm run bench                       # 100,000 cases, 1,000,000 audit rows, 20 s per measurement
 *   npm run bench -- --quick            # 10,000 cases, 100,000 audit rows, 8 s (under 5 minutes)
 *   npm run bench -- --scale 1000000    # a million children and cases
 *   npm run bench -- --only P1,P4       # some scenarios
 *   npm run bench -- --quick --profile --only P1
 *                                       # a CPU profile of the service under each scenario's load,
 *                                       # summarised by package and function (no baseline)
 *   npm run bench -- --scale 1000000 --only P1,P6
 *                                       # P6b: P1's ratio at a million cases against its ratio at
 *                                       # 10,000 (measured in the same run, own scratch database)
 *   npm run bench -- --scale 1000000 --reuse --only P3
 *                                       # keeps the scratch database (jj_bench_keep_<cases>_<audit
 *                                       # rows>) after the run and reuses it, migrated, on the next
 *                                       # run with the same scale: a million-row data set takes
 *                                       # minutes to generate. Rows earlier runs wrote (intakes,
 *                                       # imports, audit rows) stay in it. Drop it when done:
 *                                       # psql -c 'DROP DATABASE jj_bench_keep_1000000_1000000'
 *
 * The service runs as a real listening process on local PostgreSQL (BENCH_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres, in a scratch database it creates and drops); the
 * load comes from a separate process (autocannon, 10 connections, after a warm-up); the baseline
 * is pgbench running the very statements the service sent for one such request (-M prepared, same
 * clients). Service and baseline alternate order across three repetitions; medians are reported.
 * Output: a table on stdout and bench/results.json.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { sealOnce } from '../src/audit/sealer.js';
import { verifyAuditTrail } from '../src/audit/verify.js';
import { canonicalSql, linkHash, sha256 } from '../src/audit/canonical.js';
import { openDatabase, rowsOf } from '../src/db/client.js';
import { nameKey } from '../src/lib/name-key.js';
import { COURTS, MATCH_QUERY, benchId, datasetSql } from './dataset.js';
import { summarise } from './profile-summary.js';
import { pgbench, pgbenchScript, readCapture, writeScript } from './pgbench.js';
import { type Issuer, type RunningService, benchIssuer, startService } from './service.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scale: { type: 'string' },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
  },
});
const QUICK = flags.quick ?? false;
const SCALE = Number(flags.scale ?? (QUICK ? 10_000 : 100_000));
const AUDIT_ROWS = QUICK ? 100_000 : Math.max(1_000_000, SCALE);
const SECONDS = QUICK ? 8 : 20;
const WARMUP = QUICK ? 3 : 5;
const REPS = 3;
const CONNECTIONS = 10;
const ONLY = flags.only ? new Set(flags.only.split(',')) : null;
const ROOT = resolve(import.meta.dirname, '..');
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Result {
  id: string;
  name: string;
  value: number | null;
  unit: string;
  baseline: number | null;
  ratio: number | null;
  target: string | null;
  met: boolean | null;
  note?: string;
  /** When, at what load average (1, 5, 15 min) and scale it was measured. */
  run?: string;
}
const results: Result[] = [];
const wanted = (id: string) => !ONLY || ONLY.has(id);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (s: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}`);

type Scenario = 'read' | 'intake' | 'match';

async function load(
  service: RunningService,
  token: string,
  scenario: Scenario,
  seconds: number,
  rows = SCALE,
) {
  const job = {
    url: service.url,
    token,
    connections: CONNECTIONS,
    seconds,
    rows,
    stride: COURTS,
    scenario,
  };
  const out = await new Promise<string>((res, rej) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'bench', 'load.ts'), JSON.stringify(job)],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.once('exit', (code) =>
      code === 0 ? res(stdout) : rej(new Error(`load generator exited ${code}`)),
    );
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as {
    rps: number;
    p50: number;
    p99: number;
    ok: number;
    bad: number;
  };
}

/** The database a run measures: a fresh scratch database, or with --reuse the kept one (filled when new). */
async function createScratch(
  cases = SCALE,
  auditRows = AUDIT_ROWS,
): Promise<{ url: string; filled: boolean; drop(): Promise<void> }> {
  const name = flags.reuse
    ? `jj_bench_keep_${cases}_${auditRows}`
    : `jj_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // A kept database is reused only when its generation completed (fill() marks it last).
  const marked = await admin.query(
    `SELECT shobj_description(oid, 'pg_database') AS mark FROM pg_database WHERE datname = $1`,
    [name],
  );
  const filled = marked.rows[0]?.mark === datasetMark(cases, auditRows);
  if (!filled) {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  }
  await admin.end();
  const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
  return {
    url,
    filled,
    async drop() {
      if (flags.reuse) {
        log(`kept ${name} for --reuse`);
        return;
      }
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

const datasetMark = (cases: number, auditRows: number) =>
  `jj bench data set: ${cases} cases, ${auditRows} audit rows`;

async function fill(
  kind: 'postgres' | 'pglite',
  target: string,
  cases: number,
  auditRows: number,
  alreadyFilled = false,
) {
  const database =
    kind === 'postgres'
      ? openDatabase({ kind: 'postgres', url: target, poolMax: 2, timeouts: { statementMs: 0, lockMs: 0 } })
      : openDatabase({ kind: 'pglite', dataDir: target });
  try {
    await database.migrate();
    if (!alreadyFilled) {
      for (const statement of datasetSql(cases, auditRows)) await database.db.execute(sql.raw(statement));
    }
    // Chain the generated trail now, so the service's sealer does not spend the measurements on it.
    for (let n = -1; n !== 0; ) n = await sealOnce(database.db, null, 3600);
    if (kind === 'postgres' && !alreadyFilled && flags.reuse) {
      await database.db.execute(
        sql.raw(
          `COMMENT ON DATABASE ${new URL(target).pathname.slice(1)} IS '${datasetMark(cases, auditRows)}'`,
        ),
      );
    }
  } finally {
    await database.close();
  }
}

/** Captures the statements the service sends for one request of each scenario. */
async function capture(issuer: Issuer, url: string, token: string, rows = SCALE) {
  const dir = mkdtempSync(join(tmpdir(), 'jj-capture-'));
  const file = join(dir, 'sql.ndjson');
  const service = await startService({ issuer, databaseUrl: url, captureFile: file });
  const row = COURTS * 7;
  const requests: Record<Scenario, () => Promise<Response>> = {
    read: () =>
      fetch(`${service.url}/v1/cases/${benchId('case', row)}`, {
        headers: { authorization: `Bearer ${token}` },
      }),
    match: () =>
      fetch(`${service.url}/v1/persons/matches?${MATCH_QUERY}`, {
        headers: { authorization: `Bearer ${token}` },
      }),
    intake: () =>
      fetch(`${service.url}/v1/cases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          personId: benchId('person', row),
          intakeKind: 'referral',
          offenceDate: '2026-11-01T10:00:00Z',
          intakeAt: '2026-11-02T10:00:00Z',
          agency: 'Police Bench',
          detained: false,
          charges: [
            { code: 'PC-12', description: 'Theft' },
            { code: 'PC-13', description: 'Damage' },
          ],
        }),
      }),
  };
  const scripts = {} as Record<Scenario, { randomised: string; fixed: string; statements: number }>;
  try {
    for (const scenario of Object.keys(requests) as Scenario[]) {
      await requests[scenario](); // warm: the first request of a kind loads lazily built things
      // The service's background jobs (audit sealer, webhook dispatcher, event poller) send their
      // statements through the same driver: a capture that caught some of them would put them in
      // the baseline's every transaction. The shortest of three captures is the request's own.
      let statements: ReturnType<typeof readCapture> | null = null;
      for (let attempt = 0; attempt < 3; attempt++) {
        writeFileSync(`${file}.on`, '');
        const res = await requests[scenario]();
        unlinkSync(`${file}.on`);
        if (!res.ok) throw new Error(`capture of ${scenario}: HTTP ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        const captured = readCapture(file);
        rmSync(file);
        if (!statements || captured.length < statements.length) statements = captured;
      }
      if (!statements) throw new Error(`capture of ${scenario}: nothing captured`);
      scripts[scenario] = {
        statements: statements.length,
        randomised: writeScript(
          join(dir, `${scenario}.sql`),
          pgbenchScript(statements, row, rows, COURTS, scenario !== 'match'),
        ),
        fixed: writeScript(
          join(dir, `${scenario}-fixed.sql`),
          pgbenchScript(statements, row, rows, COURTS, false),
        ),
      };
    }
  } finally {
    await service.stop();
  }
  return scripts;
}

/** --profile: the service under each wanted scenario's load with `--cpu-prof`, then a summary. */
async function profile(issuer: Issuer, url: string, token: string) {
  if (wanted('P5')) {
    const dir = mkdtempSync(join(tmpdir(), 'jj-profile-P5-'));
    const service = await startService({
      issuer,
      databaseUrl: url,
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    });
    try {
      await importOnce(service, token, dir, `warm-${randomBytes(3).toString('hex')}`, 500);
      const rate = await importOnce(
        service,
        token,
        dir,
        `prof-${randomBytes(3).toString('hex')}`,
        IMPORT_CASES,
      );
      log(`P5 under profile: ${rate.toFixed(0)} cases/s (profiling slows it)`);
    } finally {
      await service.stop();
    }
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
      console.log(`\n== P5 import: ${join(dir, f)}\n${summarise(join(dir, f))}`);
    }
  }
  const scenarios: [string, Scenario][] = [
    ['P1', 'read'],
    ['P2', 'intake'],
    ['P3', 'match'],
  ];
  for (const [id, scenario] of scenarios.filter(([id]) => wanted(id))) {
    const dir = mkdtempSync(join(tmpdir(), `jj-profile-${id}-`));
    const service = await startService({
      issuer,
      databaseUrl: url,
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    });
    try {
      await load(service, token, scenario, WARMUP);
      const r = await load(service, token, scenario, SECONDS);
      log(`${id} under profile: ${r.rps.toFixed(0)} req/s (profiling slows it)`);
    } finally {
      await service.stop();
    }
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
      console.log(`\n== ${id} ${scenario}: ${join(dir, f)}\n${summarise(join(dir, f))}`);
    }
  }
}

type Scripts = Awaited<ReturnType<typeof capture>>;

/** One scenario: the service under load against pgbench on its captured statements, alternating, REPS times. */
async function measure(
  id: string,
  scenario: Scenario,
  captured: Scripts[Scenario],
  service: RunningService,
  url: string,
  token: string,
  rows = SCALE,
) {
  let script = captured.randomised;
  const probe = await pgbench(url, script, 1, 1);
  let note: string | undefined;
  if (probe.failed) {
    script = captured.fixed;
    note = 'baseline repeats the captured row (the randomised script did not run)';
  }
  await load(service, token, scenario, WARMUP, rows);
  await pgbench(url, script, CONNECTIONS, WARMUP);
  const svc: number[] = [];
  const svcP99: number[] = [];
  const base: number[] = [];
  const baseP99: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const runService = async () => {
      const r = await load(service, token, scenario, SECONDS, rows);
      if (r.bad > 0) log(`${id}: ${r.bad} non-2xx or failed requests`);
      svc.push(r.rps);
      svcP99.push(r.p99);
    };
    const runBase = async () => {
      const r = await pgbench(url, script, CONNECTIONS, SECONDS);
      if (r.failed) throw new Error(`pgbench failed for ${id}: ${r.error}`);
      base.push(r.tps);
      baseP99.push(r.p99 ?? Number.NaN);
    };
    if (rep % 2 === 0) {
      await runService();
      await runBase();
    } else {
      await runBase();
      await runService();
    }
    log(`${id} rep ${rep + 1}: service ${svc.at(-1)!.toFixed(0)}/s, baseline ${base.at(-1)!.toFixed(0)}/s`);
  }
  return { svc, svcP99, base, baseP99, note };
}

async function main() {
  log(
    `scale ${SCALE} cases, ${AUDIT_ROWS} audit rows, ${SECONDS} s per measurement${QUICK ? ' (quick)' : ''}`,
  );
  const scratch = await createScratch();
  const issuer = await benchIssuer({ stableAuditKey: flags.reuse ?? false });
  const token = await issuer.sign({ sub: 'clerk-1', roles: ['court_clerk'], org: 'court-1' });
  try {
    const t0 = performance.now();
    await fill('postgres', scratch.url, SCALE, AUDIT_ROWS, scratch.filled);
    log(
      `data set ${scratch.filled ? 'reused (migrated)' : 'generated'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (flags.profile) {
      await profile(issuer, scratch.url, token);
      return;
    }

    const scripts = await capture(issuer, scratch.url, token);
    const service = await startService({ issuer, databaseUrl: scratch.url });
    const served = (await (await fetch(`${service.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    let peakRss = 0;
    const p1: { service: number[]; base: number[]; p99: number[]; baseP99: number[] } = {
      service: [],
      base: [],
      p99: [],
      baseP99: [],
    };
    try {
      const scenarios: {
        id: string;
        name: string;
        scenario: Scenario;
        target: number;
        p99Factor?: number;
      }[] = [
        {
          id: 'P1',
          name: 'audited case read by a related clerk',
          scenario: 'read',
          target: 0.6,
          p99Factor: 2,
        },
        { id: 'P2', name: 'case intake with 2 charges and audit', scenario: 'intake', target: 0.5 },
        { id: 'P3', name: 'fuzzy child match (name and date of birth)', scenario: 'match', target: 0.7 },
      ];
      for (const s of scenarios.filter((x) => wanted(x.id))) {
        log(`${s.id} ${s.name}: ${scripts[s.scenario].statements} statements per request`);
        const { svc, svcP99, base, baseP99, note } = await measure(
          s.id,
          s.scenario,
          scripts[s.scenario],
          service,
          scratch.url,
          token,
        );
        if (s.id === 'P1') {
          peakRss = service.peakRssMiB();
          Object.assign(p1, { service: svc, base, p99: svcP99, baseP99 });
        }
        const ratio = median(svc) / median(base);
        const p99ok = s.p99Factor ? median(svcP99) <= s.p99Factor * median(baseP99) : true;
        results.push({
          id: s.id,
          name: s.name,
          value: median(svc),
          unit: 'req/s',
          baseline: median(base),
          ratio,
          target: `>= ${s.target}${s.p99Factor ? `, p99 <= ${s.p99Factor}x baseline p99` : ''}`,
          met: ratio >= s.target && p99ok,
          note: [
            note,
            `p99 ${median(svcP99).toFixed(1)} ms vs baseline ${median(baseP99).toFixed(1)} ms`,
            `${scripts[s.scenario].statements} statements per request`,
            `${process.env.BENCH_WORKERS ?? 1} service process(es)`,
          ]
            .filter(Boolean)
            .join('; '),
        });
        if (s.id === 'P3') {
          results.push({
            id: 'P3b',
            name: `bare match query at ${SCALE} persons`,
            value: median(base),
            unit: 'queries/s',
            baseline: null,
            ratio: null,
            target:
              SCALE >= 1_000_000 ? '>= 200 queries/s' : '>= 200 queries/s (target applies at 1,000,000)',
            met: SCALE >= 1_000_000 ? median(base) >= 200 : null,
          });
        }
      }

      if (wanted('P5')) {
        results.push(
          served.paths['/v1/imports'] === undefined
            ? notMeasured('P5', 'bulk import against COPY', true)
            : await bulkImport(service, token, scratch.url),
        );
      }
      if (wanted('P8')) {
        results.push(
          served.paths['/v1/events'] === undefined
            ? notMeasured('P8', 'event feed delivery against outbox inserts', true)
            : await eventFeed(service, token, scratch.url),
        );
      }
    } finally {
      await service.stop();
    }

    if (wanted('P6') && p1.service.length) {
      results.push({
        id: 'P6',
        name: `peak RSS of the service under P1 load (${process.env.BENCH_WORKERS ?? 1} process(es), summed)`,
        value: peakRss,
        unit: 'MiB',
        baseline: null,
        ratio: null,
        target: '<= 200 MiB',
        met: peakRss <= 200,
      });
      if (SCALE > GROWTH_BASE) results.push(await p1Growth(issuer, token, p1));
    }

    if (wanted('P4')) results.push(await verification(scratch.url, issuer));
    if (wanted('P7') && p1.service.length) results.push(await embedded(issuer, token, median(p1.service)));
  } finally {
    await scratch.drop();
  }

  report();
}

/** The small data set P1's ratio at SCALE is compared with (P6b): the --quick one. */
const GROWTH_BASE = 10_000;

/**
 * P6b: P1's ratio at SCALE against its ratio on a 10,000-case data set (the --quick one, in its own
 * scratch database, with this run's durations), measured in the same session: the read must not
 * slow down relative to the database as the register grows. Target: within 15 %.
 */
async function p1Growth(
  issuer: Issuer,
  token: string,
  big: { service: number[]; base: number[] },
): Promise<Result> {
  const scratch = await createScratch(GROWTH_BASE, 100_000);
  try {
    await fill('postgres', scratch.url, GROWTH_BASE, 100_000, scratch.filled);
    const scripts = await capture(issuer, scratch.url, token, GROWTH_BASE);
    const service = await startService({ issuer, databaseUrl: scratch.url });
    try {
      log(`P6b: P1 at ${GROWTH_BASE} cases`);
      const small = await measure('P6b', 'read', scripts.read, service, scratch.url, token, GROWTH_BASE);
      const ratioBig = median(big.service) / median(big.base);
      const ratioSmall = median(small.svc) / median(small.base);
      const growth = ratioBig / ratioSmall;
      return {
        id: 'P6b',
        name: `P1 ratio at ${SCALE} cases against at ${GROWTH_BASE} cases`,
        value: ratioBig,
        unit: 'ratio',
        baseline: ratioSmall,
        ratio: growth,
        target: 'within 15 %',
        met: Math.abs(growth - 1) <= 0.15,
        note: [
          `P1 at ${SCALE}: ${median(big.service).toFixed(0)} req/s against ${median(big.base).toFixed(0)}/s; at ${GROWTH_BASE}: ${median(small.svc).toFixed(0)} req/s against ${median(small.base).toFixed(0)}/s`,
          growth > 1.15
            ? 'the ratio rose with the data set: the baseline slowed more than the service'
            : growth < 0.85
              ? 'the ratio fell with the data set: the service slowed more than the baseline'
              : null,
        ]
          .filter(Boolean)
          .join('; '),
      };
    } finally {
      await service.stop();
    }
  } finally {
    await scratch.drop();
  }
}

/**
 * P8: a consumer long-polls GET /v1/events while the intake load writes; events delivered per
 * second (from the load's start to the last event received) against events written to the outbox
 * per second over the load window. Reported, no target.
 */
async function eventFeed(service: RunningService, token: string, url: string): Promise<Result> {
  const headers = { authorization: `Bearer ${token}` };
  const page = async (after: string | null, wait: number) => {
    const q = new URLSearchParams({ limit: '100', wait: String(wait), ...(after ? { after } : {}) });
    const r = await fetch(`${service.url}/v1/events?${q}`, { headers });
    if (!r.ok) throw new Error(`GET /v1/events: ${r.status} ${await r.text()}`);
    return (await r.json()) as { items: unknown[]; nextCursor: string };
  };
  // Start at the head of the feed.
  let cursor: string | null = null;
  for (;;) {
    const p = await page(cursor, 0);
    cursor = p.nextCursor;
    if (p.items.length < 100) break;
  }
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const count = async () => Number((await db.query('SELECT count(*) AS n FROM events')).rows[0].n);
  const before = await count();
  let delivered = 0;
  let lastAt = performance.now();
  let loading = true;
  const started = performance.now();
  const consumer = (async () => {
    let empty = 0;
    while (loading || empty < 2) {
      const p = await page(cursor, 1);
      cursor = p.nextCursor;
      if (p.items.length) {
        delivered += p.items.length;
        lastAt = performance.now();
        empty = 0;
      } else if (!loading) {
        empty++;
      }
    }
  })();
  await load(service, token, 'intake', SECONDS);
  const inserted = (await count()) - before;
  const loadEnded = performance.now();
  loading = false;
  await consumer;
  await db.end();
  const deliveredPerSecond = delivered / ((lastAt - started) / 1000);
  const insertedPerSecond = inserted / SECONDS;
  return {
    id: 'P8',
    name: 'event feed: events delivered to a long-polling consumer against outbox inserts',
    value: deliveredPerSecond,
    unit: 'events/s',
    baseline: insertedPerSecond,
    ratio: deliveredPerSecond / insertedPerSecond,
    target: null,
    met: null,
    note: `${delivered} events delivered to the court's clerk (${inserted} counted in the outbox when the load stopped); the last arrived ${((lastAt - loadEnded) / 1000).toFixed(1)} s after the load stopped (long poll interval EVENTS_POLL_INTERVAL_MS); webhook deliveries not measured`,
  };
}

const IMPORT_CASES = QUICK ? 5_000 : 20_000;

/**
 * One import of `cases` children and cases through POST /v1/imports: cases per second from the
 * request to the import's completion (its completedAt, database clock, when it answered 202).
 */
async function importOnce(
  service: RunningService,
  token: string,
  dir: string,
  prefix: string,
  cases: number,
): Promise<number> {
  const file = join(dir, `import-${prefix}.ndjson`);
  writeFileSync(file, importLines(prefix, cases));
  const t0 = performance.now();
  const started = Date.now();
  const res = await fetch(`${service.url}/v1/imports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    body: readFileSync(file),
  });
  rmSync(file, { force: true });
  let body = (await res.json()) as {
    id: string;
    status: string;
    created: number;
    completedAt: string | null;
  };
  let seconds = (performance.now() - t0) / 1000;
  while (body.status === 'running') {
    await new Promise((r) => setTimeout(r, 500));
    const r = await fetch(`${service.url}/v1/imports/${body.id}?limit=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    body = await r.json();
    // Completed after a 202: its completion time (database clock, same machine) from the request.
    if (body.completedAt) seconds = (new Date(body.completedAt).getTime() - started) / 1000;
  }
  if (body.status !== 'completed' || body.created !== 2 * cases) {
    throw new Error(`P5 import ${body.status}, ${body.created} of ${2 * cases} created`);
  }
  return cases / seconds;
}

/**
 * P5: cases per second through POST /v1/imports (NDJSON of children and their cases, each case with
 * 2 charges, a custody episode and a held hearing; from the request to the import's completion)
 * against `COPY` of the same rows into the same tables (psql \copy in one transaction: the persons
 * with their matching keys, cases, charges, custody episodes, hearings, timeline entries, audit
 * rows, events, external ids and report lines an import writes). Fresh external ids and row ids
 * each repetition. Before each measurement the service's audit sealer has chained every row written
 * so far, so that neither side pays for sealing the other's audit rows.
 */
async function bulkImport(service: RunningService, token: string, url: string): Promise<Result> {
  const CASES = IMPORT_CASES;
  const dir = mkdtempSync(join(tmpdir(), 'jj-bench-import-'));
  const svc: number[] = [];
  const base: number[] = [];
  const runService = async (rep: number) => {
    svc.push(await importOnce(service, token, dir, `bench${rep}-${randomBytes(3).toString('hex')}`, CASES));
  };
  const runBase = async (rep: number) => {
    const { files, script } = copyFiles(dir, rep, CASES);
    const t0 = performance.now();
    await new Promise<void>((res, rej) => {
      const child = spawn('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-1', '-f', script], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
      });
      child.once('exit', (code) => (code === 0 ? res() : rej(new Error(`psql COPY failed: ${err}`))));
    });
    base.push(CASES / ((performance.now() - t0) / 1000));
    for (const f of files) rmSync(f, { force: true });
  };
  const quiet = async () => {
    const waited = await auditSealed(url);
    if (waited > 1) log(`P5: waited ${waited.toFixed(1)} s for the sealer to chain earlier audit rows`);
  };
  try {
    // Warm-up, not counted (it used to be: four figures, and the median picked the upper middle one).
    await importOnce(service, token, dir, `warm-${randomBytes(3).toString('hex')}`, CASES);
    for (let rep = 0; rep < REPS; rep++) {
      if (rep % 2 === 0) {
        await quiet();
        await runService(rep);
        await quiet();
        await runBase(rep);
      } else {
        await quiet();
        await runBase(rep);
        await quiet();
        await runService(rep);
      }
      log(
        `P5 rep ${rep + 1}: import ${svc.at(-1)!.toFixed(0)} cases/s, COPY ${base.at(-1)!.toFixed(0)} cases/s`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const ratio = median(svc) / median(base);
  return {
    id: 'P5',
    name: `bulk import of ${CASES} children and cases (NDJSON) against COPY of the same rows`,
    value: median(svc),
    unit: 'cases/s',
    baseline: median(base),
    ratio,
    target: '>= 0.25',
    met: ratio >= 0.25,
    note: `each case: 2 charges, a custody episode, a held hearing; import batches of 500 lines`,
  };
}

/**
 * Waits until the service's audit sealer has chained every audit row of transactions that had
 * ended when called (its state row passes the next transaction id then); returns the seconds
 * waited. Gives up after two minutes (a transaction left open elsewhere holds sealing back).
 */
async function auditSealed(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const t0 = performance.now();
  try {
    const {
      rows: [{ next }],
    } = await client.query<{ next: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next');
    while (performance.now() - t0 < 120_000) {
      const {
        rows: [state],
      } = await client.query<{ below: string }>(
        'SELECT sealed_below_txid::text AS below FROM audit_seal_state WHERE id = 1',
      );
      if (state && BigInt(state.below) >= BigInt(next)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await client.end();
  }
  return (performance.now() - t0) / 1000;
}

const CASE_TIMES = {
  offence: '2026-10-01T10:00:00Z',
  intake: '2026-10-01T12:00:00Z',
  custody: '2026-10-01T13:00:00Z',
  released: '2026-10-03T10:00:00Z',
  scheduled: '2026-10-02T09:00:00Z',
  held: '2026-10-02T09:30:00Z',
};

function importLines(prefix: string, cases: number): string {
  const out: string[] = [];
  for (let n = 0; n < cases; n++) {
    out.push(
      JSON.stringify({
        type: 'person',
        externalId: `${prefix}-P-${n}`,
        givenName: `Given${n}`,
        familyName: `Family${n}`,
        dateOfBirth: '2010-05-01',
        sex: 'female',
        region: 'north',
      }),
      JSON.stringify({
        type: 'case',
        externalId: `${prefix}-C-${n}`,
        personExternalId: `${prefix}-P-${n}`,
        intakeKind: 'arrest',
        offenceDate: CASE_TIMES.offence,
        intakeAt: CASE_TIMES.intake,
        agency: 'Police North',
        detained: true,
        charges: [
          { code: 'PC-1', description: 'Theft' },
          { code: 'PC-2', description: 'Damage' },
        ],
        custodyEpisodes: [
          {
            kind: 'pre_trial',
            facility: 'North detention centre',
            startedAt: CASE_TIMES.custody,
            releasedAt: CASE_TIMES.released,
            releaseReason: 'Released to the mother',
          },
        ],
        hearings: [
          {
            purpose: 'first appearance',
            scheduledAt: CASE_TIMES.scheduled,
            heldAt: CASE_TIMES.held,
            outcome: 'Released on conditions',
            attendees: ['child', 'mother'],
          },
        ],
      }),
    );
  }
  return `${out.join('\n')}\n`;
}

/** CSV files of the rows an import of `cases` cases writes, and the psql script that COPYs them. */
function copyFiles(dir: string, rep: number, cases: number): { files: string[]; script: string } {
  const uuid = () => crypto.randomUUID();
  const importId = uuid();
  const t = CASE_TIMES;
  const csv = (cells: (string | null)[]) =>
    cells.map((c) => (c === null ? '' : `"${c.replaceAll('"', '""')}"`)).join(',');
  const tables: Record<string, { columns: string; rows: string[] }> = {
    persons: {
      columns:
        'id,given_name,family_name,date_of_birth,sex,region,guardians,given_key,family_key,created_by,created_by_org',
      rows: [],
    },
    cases: {
      columns:
        'id,person_id,court_org_id,intake_status,stage,intake_kind,offence_date,intake_at,agency,detained,age_at_offence,region,created_by',
      rows: [],
    },
    charges: { columns: 'case_id,code,description,position', rows: [] },
    custody_episodes: {
      columns: 'id,case_id,person_id,kind,facility,started_at,released_at,release_reason,created_by',
      rows: [],
    },
    hearings: {
      columns:
        'id,case_id,purpose,scheduled_at,listed_at,child_friendly_courtroom,status,held_at,outcome,attendees,created_by',
      rows: [],
    },
    case_events: {
      columns: 'case_id,kind,occurred_at,actor_sub,actor_role,summary,resource_type,resource_id',
      rows: [],
    },
    audit_events: {
      columns:
        'actor_sub,actor_roles,actor_org,action,resource_type,resource_id,case_id,person_id,purpose,basis_type,outcome,reason,request_id',
      rows: [],
    },
    events: { columns: 'type,case_id,resource_type,resource_id', rows: [] },
    import_external_ids: { columns: 'owner,kind,external_id,resource_id,import_id', rows: [] },
    import_lines: { columns: 'import_id,line_no,kind,external_id,outcome,resource_id', rows: [] },
  };
  const add = (table: string, cells: (string | null)[]) => tables[table].rows.push(csv(cells));
  const audit = (type: string, id: string, caseId: string | null, personId: string, line: number) =>
    add('audit_events', [
      'clerk-1',
      '{court_clerk}',
      'court-1',
      'create',
      type,
      id,
      caseId,
      personId,
      'court_proceeding',
      'role',
      'allowed',
      `import ${importId} line ${line}`,
      'bench',
    ]);
  for (let n = 0; n < cases; n++) {
    const person = uuid();
    const kase = uuid();
    const custody = uuid();
    const hearing = uuid();
    const line = 2 * n + 1;
    add('persons', [
      person,
      `Given${n}`,
      `Family${n}`,
      '2010-05-01',
      'female',
      'north',
      '[]',
      nameKey(`Given${n}`),
      nameKey(`Family${n}`),
      'clerk-1',
      'court-1',
    ]);
    add('cases', [
      kase,
      person,
      'court-1',
      'accepted',
      'adjudication',
      'arrest',
      t.offence,
      t.intake,
      'Police North',
      'true',
      '16',
      'north',
      'clerk-1',
    ]);
    add('charges', [kase, 'PC-1', 'Theft', '0']);
    add('charges', [kase, 'PC-2', 'Damage', '1']);
    add('custody_episodes', [
      custody,
      kase,
      person,
      'pre_trial',
      'North detention centre',
      t.custody,
      t.released,
      'Released to the mother',
      'clerk-1',
    ]);
    add('hearings', [
      hearing,
      kase,
      'first appearance',
      t.scheduled,
      t.intake,
      'false',
      'held',
      t.held,
      'Released on conditions',
      '["child","mother"]',
      'clerk-1',
    ]);
    add('case_events', [
      kase,
      'arrest',
      t.intake,
      'clerk-1',
      'court_clerk',
      'Arrest registered, child detained (imported)',
      'case',
      kase,
    ]);
    add('case_events', [
      kase,
      'custody_started',
      t.custody,
      'clerk-1',
      'court_clerk',
      'Pre-trial detention started',
      'custody_episode',
      custody,
    ]);
    add('case_events', [
      kase,
      'custody_ended',
      t.released,
      'clerk-1',
      'court_clerk',
      'Pre-trial detention ended',
      'custody_episode',
      custody,
    ]);
    add('case_events', [
      kase,
      'hearing_held',
      t.held,
      'clerk-1',
      'court_clerk',
      'Hearing held',
      'hearing',
      hearing,
    ]);
    audit('person', person, null, person, line);
    audit('case', kase, kase, person, line + 1);
    audit('custody_episode', custody, kase, person, line + 1);
    audit('hearing', hearing, kase, person, line + 1);
    add('events', ['case.created', kase, 'case', kase]);
    add('events', ['custody_episode.created', kase, 'custody_episode', custody]);
    add('events', ['hearing.created', kase, 'hearing', hearing]);
    add('import_external_ids', [`org:court-1`, 'person', `copy${rep}-${importId}-P-${n}`, person, importId]);
    add('import_external_ids', [`org:court-1`, 'case', `copy${rep}-${importId}-C-${n}`, kase, importId]);
    add('import_lines', [importId, String(line), 'person', `P-${n}`, 'created', person]);
    add('import_lines', [importId, String(line + 1), 'case', `C-${n}`, 'created', kase]);
  }
  const files: string[] = [];
  const script = [
    `INSERT INTO imports (id, owner, actor_sub, actor_org) VALUES ('${importId}', 'org:court-1', 'clerk-1', 'court-1');`,
  ];
  for (const [table, { columns, rows }] of Object.entries(tables)) {
    const file = join(dir, `copy-${rep}-${table}.csv`);
    writeFileSync(file, `${rows.join('\n')}\n`);
    files.push(file);
    script.push(`\\copy ${table} (${columns}) FROM '${file}' WITH (FORMAT csv)`);
  }
  const scriptFile = join(dir, `copy-${rep}.sql`);
  writeFileSync(scriptFile, `${script.join('\n')}\n`);
  files.push(scriptFile);
  return { files, script: scriptFile };
}

function notMeasured(id: string, name: string, missing: boolean): Result {
  return {
    id,
    name,
    value: null,
    unit: '',
    baseline: null,
    ratio: null,
    target: null,
    met: null,
    note: missing ? 'not measured: the endpoint does not exist yet' : 'not measured: no scenario written yet',
  };
}

/** P4: verifyAuditTrail against SHA-256 of the same canonical content (content and link) in this process. */
async function verification(url: string, issuer: Issuer): Promise<Result> {
  const database = openDatabase({
    kind: 'postgres',
    url,
    poolMax: 4,
    timeouts: { statementMs: 0, lockMs: 0 },
  });
  try {
    for (let n = -1; n !== 0; ) n = await sealOnce(database.db, null, 3600);
    const verifyRuns: number[] = [];
    const hashRuns: number[] = [];
    const contents = rowsOf<{ c: string }>(
      await database.db.execute(sql`SELECT ${canonicalSql('e')} AS c FROM audit_events e`),
    ).map((r) => r.c);
    for (let rep = 0; rep < REPS; rep++) {
      const v0 = performance.now();
      const report = await verifyAuditTrail(database.db, [issuer.auditPublicJwk]);
      if (!report.ok)
        throw new Error(`the generated trail does not verify: ${JSON.stringify(report.firstBroken)}`);
      verifyRuns.push(report.checkedRows / ((performance.now() - v0) / 1000));
      const h0 = performance.now();
      let prev = '0'.repeat(64);
      for (const c of contents) prev = linkHash(prev, sha256(c));
      hashRuns.push(contents.length / ((performance.now() - h0) / 1000));
    }
    const ratio = median(verifyRuns) / median(hashRuns);
    return {
      id: 'P4',
      name: `audit verification over ${contents.length} rows`,
      value: median(verifyRuns),
      unit: 'rows/s',
      baseline: median(hashRuns),
      ratio,
      target: '>= 0.5',
      met: ratio >= 0.5,
    };
  } finally {
    await database.close();
  }
}

/** P7: the same read on the embedded database, as a ratio to P1 on PostgreSQL (reported, no target). */
async function embedded(issuer: Issuer, token: string, p1Rps: number): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jj-bench-pglite-'));
  const rows = Math.min(SCALE, 10_000);
  try {
    log(`P7: embedded database with ${rows} cases`);
    await fill('pglite', dataDir, rows, 10_000);
    const service = await startService({ issuer, dataDir });
    try {
      await load(service, token, 'read', WARMUP);
      const r = await load(service, token, 'read', SECONDS);
      return {
        id: 'P7',
        name: `P1 on PGlite (${rows} cases) against P1 on PostgreSQL`,
        value: r.rps,
        unit: 'req/s',
        baseline: p1Rps,
        ratio: r.rps / p1Rps,
        target: null,
        met: null,
        note: `peak RSS ${service.peakRssMiB().toFixed(0)} MiB`,
      };
    } finally {
      await service.stop();
    }
  } finally {
    if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
  }
}

function report() {
  const fmt = (n: number | null, d = 0) => (n === null || !Number.isFinite(n) ? '-' : n.toFixed(d));
  const lines = [
    '| id | scenario | value | baseline | ratio | target | met |',
    '|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.id} | ${r.name} | ${fmt(r.value, r.unit === 'ratio' ? 2 : 0)} ${r.unit} | ${fmt(r.baseline, r.unit === 'ratio' ? 2 : 0)} | ${fmt(r.ratio, 2)} | ${r.target ?? '-'} | ${r.met === null ? '-' : r.met ? 'yes' : 'NO'} |`,
    ),
  ];
  console.log(lines.join('\n'));
  for (const r of results.filter((x) => x.note)) console.log(`${r.id}: ${r.note}`);
  console.log(
    `${new Date().toISOString()}, ${cpus().length} cores, node ${process.version}, scale ${SCALE}${QUICK ? ', quick' : ''}`,
  );
  // Entries of scenarios this run did not measure (--only) stay as the last run that did left them.
  const file = join(ROOT, 'bench', 'results.json');
  const measured = new Set(results.map((r) => r.id));
  const kept = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Result[]).filter((r) => !measured.has(r.id))
    : [];
  const run = `${new Date().toISOString()}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, scale ${SCALE}${QUICK ? ' (quick)' : ''}`;
  const merged = [...kept, ...results.map((r) => ({ ...r, run }))].sort((a, b) =>
    a.id.localeCompare(b.id, 'en', { numeric: true }),
  );
  writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
}

main().catch((err) => {
  console.error('bench failed:', err?.message);
  console.error(err);
  process.exit(1);
});
