/**
 * Benchmarks, printed as ratios against a baseline measured in the same run (the machine is shared
 * and noisy: absolute numbers mean little, ratios travel).
 *
 *   npm run bench                      # uses BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres
 *   BENCH_TX=4000 BENCH_VERIFY_ROWS=1000000 npm run bench
 *
 * 1. Audit write cost: transactions that read one case and write one ~300-byte audit row, at 10 and
 *    32 concurrent clients; baseline = the same insert into a plain table with no chain and no sealer;
 *    measured = our audit_events (same columns and indexes as the baseline table, plus the append-only triggers) with the sealer of src/audit/sealer.ts running beside the writers.
 * 2. Verification speed: rows per second of verifyAuditTrail over a sealed trail.
 * It works in a scratch database that it creates and drops.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { sealOnce } from '../src/audit/sealer.js';
import { verifyAuditTrail } from '../src/audit/verify.js';
import { openDatabase } from '../src/db/client.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TX = Number(process.env.BENCH_TX ?? 3000);
const VERIFY_ROWS = Number(process.env.BENCH_VERIFY_ROWS ?? 200_000);

async function main() {
  const name = `jj_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
  const database = openDatabase({ kind: 'postgres', url, poolMax: 40 });
  try {
    await database.migrate();
    const pool = new pg.Pool({ connectionString: url, max: 40 });
    pool.on('error', () => {});
    await pool.query(`CREATE TABLE bench_plain (LIKE audit_events INCLUDING DEFAULTS INCLUDING INDEXES)`);
    await pool.query(`CREATE TABLE bench_case (id uuid primary key, court text)`);
    const caseId = randomUUID();
    await pool.query(`INSERT INTO bench_case VALUES ($1, 'court-1')`, [caseId]);

    const insert = (table: string) =>
      `INSERT INTO ${table} (id, actor_sub, actor_roles, actor_org, action, resource_type, resource_id, case_id,
        purpose, basis_type, basis_id, outcome, request_id, client_address, txid, occurred_at)
       VALUES (gen_random_uuid(), 'clerk-1', '{court_clerk}', 'court-1', 'read', 'case', $1::text, $1::uuid, 'court_proceeding',
        'owning_court', 'court-1', 'allowed', $2, '127.0.0.1', (pg_current_xact_id()::text)::bigint, now())`;

    async function load(table: string, clients: number): Promise<{ tps: number; p99: number }> {
      const latencies: number[] = [];
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: clients }, async () => {
          const c = await pool.connect();
          c.on('error', () => {});
          try {
            while (next < TX) {
              next++;
              const t0 = performance.now();
              await c.query('BEGIN');
              await c.query('SELECT id, court FROM bench_case WHERE id = $1', [caseId]);
              await c.query(insert(table), [caseId, randomUUID()]);
              await c.query('COMMIT');
              latencies.push(performance.now() - t0);
            }
          } finally {
            c.release();
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      return { tps: TX / seconds, p99: latencies[Math.floor(latencies.length * 0.99)] };
    }

    console.log(`# audit write cost (${TX} transactions per run; ratio = throughput / plain insert)`);
    for (const clients of [10, 32]) {
      const base = await load('bench_plain', clients);
      let sealing = true;
      const sealer = (async () => {
        while (sealing) {
          await sealOnce(database.db, null, 3600);
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      const ours = await load('audit_events', clients);
      sealing = false;
      await sealer;
      console.log(
        `clients=${clients}  plain: ${base.tps.toFixed(0)} tx/s p99 ${base.p99.toFixed(1)} ms  ` +
          `audit+sealer: ${ours.tps.toFixed(0)} tx/s p99 ${ours.p99.toFixed(1)} ms  ratio ${(ours.tps / base.tps).toFixed(2)}`,
      );
    }

    console.log(`# verification speed (${VERIFY_ROWS} rows)`);
    await pool.query(
      `INSERT INTO audit_events (actor_sub, actor_roles, actor_org, action, resource_type, resource_id, case_id, outcome, request_id)
       SELECT 'clerk-' || (g % 50), '{court_clerk}', 'court-1', 'read', 'case', $1::text, $1::uuid, 'allowed', 'bench-' || g
         FROM generate_series(1, $2) g`,
      [caseId, VERIFY_ROWS],
    );
    const sealStart = performance.now();
    let sealed = 0;
    for (let n = -1; n !== 0; ) {
      n = await sealOnce(database.db, null, 3600);
      sealed += n;
    }
    const sealSeconds = (performance.now() - sealStart) / 1000;
    const verifyStart = performance.now();
    const report = await verifyAuditTrail(database.db, []);
    const verifySeconds = (performance.now() - verifyStart) / 1000;
    console.log(
      `sealed ${sealed} rows in ${sealSeconds.toFixed(1)} s (${(sealed / sealSeconds).toFixed(0)} rows/s)`,
    );
    console.log(
      `verified ${report.checkedRows} rows in ${verifySeconds.toFixed(1)} s (${(report.checkedRows / verifySeconds).toFixed(0)} rows/s), ok=${report.ok}`,
    );
    await pool.end();
    void sql;
  } finally {
    await database.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error('bench failed:', err?.message);
  console.error(err);
  process.exit(1);
});
