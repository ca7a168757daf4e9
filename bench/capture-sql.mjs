/**
 * Preloaded into a service process by the benchmarks (`node --import ./bench/capture-sql.mjs`):
 * appends every statement the pg driver sends, with its parameters as the driver serialises them,
 * to BENCH_CAPTURE_FILE while the file BENCH_CAPTURE_FILE + '.on' exists. The pgbench baseline is
 * built from these, so it runs the very SQL the service sends. Never loaded by the service itself.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pg = require('pg');
const { prepareValue } = require('pg/lib/utils');
const out = process.env.BENCH_CAPTURE_FILE;
const original = pg.Client.prototype.query;

pg.Client.prototype.query = function capture(config, values, callback) {
  if (out && existsSync(`${out}.on`)) {
    const text = typeof config === 'string' ? config : config?.text;
    const params = Array.isArray(values) ? values : config?.values;
    if (text) {
      const rendered = (params ?? []).map((v) => {
        const p = prepareValue(v);
        return p === null || p === undefined ? null : Buffer.isBuffer(p) ? p.toString('utf8') : String(p);
      });
      appendFileSync(out, `${JSON.stringify({ text, values: rendered })}\n`);
    }
  }
  return original.call(this, config, values, callback);
};
