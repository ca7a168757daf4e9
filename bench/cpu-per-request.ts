/**
 * CPU time the service process spends per request (user + system, from /proc), for a fixed number
 * of requests: unlike throughput, it hardly moves with what else the machine is doing, so levers
 * can be compared on a busy machine. Not a benchmark of its own: a tool for profiling work.
 *
 *   tsx bench/cpu-per-request.ts [--scenario read|intake|match] [--requests 3000] [--scale 2000]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { sealOnce } from '../src/audit/sealer.js';
import { openDatabase } from '../src/db/client.js';
import { COURTS, MATCH_QUERY, benchId, datasetSql } from './dataset.js';
import { benchIssuer, startService } from './service.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'read' },
    requests: { type: 'string', default: '3000' },
    scale: { type: 'string', default: '2000' },
  },
});
const SCALE = Number(values.scale);
const REQUESTS = Number(values.requests);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `jj_cpu_${process.pid}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
const ticks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (1/100 s)
};
try {
  const database = openDatabase({ kind: 'postgres', url, poolMax: 2 });
  await database.migrate();
  for (const s of datasetSql(SCALE, SCALE * 2)) await database.db.execute(sql.raw(s));
  for (let n = -1; n !== 0; ) n = await sealOnce(database.db, null, 3600);
  await database.close();
  const issuer = await benchIssuer();
  const token = await issuer.sign({ sub: 'clerk-1', roles: ['court_clerk'], org: 'court-1' });
  const service = await startService({
    issuer,
    databaseUrl: url,
    nodeArgs: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean),
  });
  const pick = () => COURTS * (1 + Math.floor(Math.random() * Math.floor(SCALE / COURTS)));
  const run = (amount: number) =>
    autocannon({
      url: service.url,
      connections: 10,
      amount,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: ((req: { method?: string; path?: string; body?: string }) => {
            const i = pick();
            if (values.scenario === 'read')
              Object.assign(req, { method: 'GET', path: `/v1/cases/${benchId('case', i)}` });
            else if (values.scenario === 'match')
              Object.assign(req, { method: 'GET', path: `/v1/persons/matches?${MATCH_QUERY}` });
            else
              Object.assign(req, {
                method: 'POST',
                path: '/v1/cases',
                body: JSON.stringify({
                  personId: benchId('person', i),
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
              });
            return req;
          }) as never,
        },
      ],
    });
  try {
    await run(Math.min(1000, REQUESTS));
    const before = ticks(service.pid);
    const r = await run(REQUESTS);
    const used = ticks(service.pid) - before;
    const ok = r['2xx'];
    console.log(
      JSON.stringify({
        scenario: values.scenario,
        requests: ok,
        bad: r.non2xx + r.errors,
        cpuMsPerRequest: Number(((used * 10) / ok).toFixed(3)),
        peakRssMiB: Math.round(service.peakRssMiB()),
        nodeArgs: process.env.BENCH_NODE_ARGS ?? '',
        prepared: process.env.DATABASE_PREPARED_STATEMENTS ?? 'true',
      }),
    );
  } finally {
    await service.stop();
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
