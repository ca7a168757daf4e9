/**
 * The load generator, run as its own process so that it does not share the service's event loop:
 * autocannon with a fixed number of connections, each request picking a random row of the data set.
 * Reads a JSON job from argv[2], prints one JSON line with the result.
 */
import autocannon from 'autocannon';
import { MATCH_QUERY, benchId } from './dataset.js';

interface Job {
  url: string;
  token: string;
  connections: number;
  seconds: number;
  rows: number;
  /** Rows of court-1 (the clerk's court) are every `stride`-th: i = stride, 2*stride, ... */
  stride: number;
  scenario: 'read' | 'intake' | 'match';
}

const job = JSON.parse(process.argv[2]) as Job;
const pick = () => job.stride * (1 + Math.floor(Math.random() * Math.floor(job.rows / job.stride)));
const headers = { authorization: `Bearer ${job.token}`, 'content-type': 'application/json' };

function setup(req: { method?: string; path?: string; body?: string }) {
  const i = pick();
  if (job.scenario === 'read') {
    req.method = 'GET';
    req.path = `/v1/cases/${benchId('case', i)}`;
  } else if (job.scenario === 'match') {
    req.method = 'GET';
    req.path = `/v1/persons/matches?${MATCH_QUERY}`;
  } else {
    req.method = 'POST';
    req.path = '/v1/cases';
    req.body = JSON.stringify({
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
    });
  }
  return req;
}

const result = await autocannon({
  url: job.url,
  connections: job.connections,
  duration: job.seconds,
  headers,
  requests: [{ setupRequest: setup as never }],
});
const ok = result['2xx'];
const bad = result.non2xx + result.errors + result.timeouts;
console.log(
  JSON.stringify({
    rps: ok / job.seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    bad,
  }),
);
