import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { rowsOf } from '../src/db/client.js';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

/**
 * Retention of the working tables and the scheduled work's metrics (issue 13). Rows are aged by
 * moving their timestamps back with SQL (no command records an event or a stored response in the
 * past); the pruning itself runs through the service's own pruner, on two app instances at once.
 */
let h: Harness;
let second: FastifyInstance;
beforeAll(async () => {
  h = await createHarness({ LOG_LEVEL: 'error' });
  second = await h.secondInstance();
});
afterAll(async () => h?.close());

const db = () => h.testDb.database.db;
const count = async (query: ReturnType<typeof sql>) => rowsOf<{ n: number }>(await db().execute(query))[0].n;

/** One sample of a metric from an instance's /metrics (0 when the series is absent). */
async function metric(app: FastifyInstance, name: string, labels: string): Promise<number> {
  const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = body.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}
const bothInstances = async (name: string, labels: string) =>
  (await metric(h.app, name, labels)) + (await metric(second, name, labels));

describe('retention', () => {
  it('prunes events past EVENTS_RETENTION_DAYS and stored responses past IDEMPOTENCY_RETENTION_HOURS, once, with two instances at once', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const old = await createCase(clerk, (await createPerson(clerk)).id);
    const kept = await createCase(clerk, (await createPerson(clerk)).id);
    // 91 days old: past the 90-day retention. 89 days old: kept.
    await db().execute(
      sql`UPDATE events SET occurred_at = now() - interval '91 days' WHERE case_id = ${old.id}`,
    );
    await db().execute(
      sql`UPDATE events SET occurred_at = now() - interval '89 days' WHERE case_id = ${kept.id}`,
    );
    const oldEvents = await count(sql`SELECT count(*)::int AS n FROM events WHERE case_id = ${old.id}`);
    expect(oldEvents).toBeGreaterThanOrEqual(1);

    // Two stored Idempotency-Key responses: 49 h old (past the 48 h default) and 47 h old.
    const keys = [uid('key-old'), uid('key-kept')];
    for (const key of keys) {
      const res = await clerk.post(
        '/v1/persons',
        {
          givenName: 'Aysel',
          familyName: 'Quliyeva',
          dateOfBirth: '2011-03-02',
          sex: 'female',
          region: 'north',
        },
        { 'idempotency-key': key },
      );
      expect(res.statusCode, res.body).toBe(201);
    }
    await db().execute(
      sql`UPDATE idempotency_keys SET created_at = now() - interval '49 hours' WHERE key = ${keys[0]}`,
    );
    await db().execute(
      sql`UPDATE idempotency_keys SET created_at = now() - interval '47 hours' WHERE key = ${keys[1]}`,
    );

    const before = {
      events: await bothInstances('scheduled_job_items_total', 'job="prune_events"'),
      keys: await bothInstances('scheduled_job_items_total', 'job="prune_idempotency_keys"'),
      runs: await bothInstances('scheduled_job_duration_seconds_count', 'job="prune_events",outcome="ok"'),
    };
    const [a, b] = await Promise.all([h.app.eventPruner.pruneAll(), second.eventPruner.pruneAll()]);
    // Every old row deleted exactly once between the two; nothing recent.
    expect(a.events + b.events).toBe(oldEvents);
    expect(a.idempotencyKeys + b.idempotencyKeys).toBe(1);
    expect(await count(sql`SELECT count(*)::int AS n FROM events WHERE case_id = ${old.id}`)).toBe(0);
    expect(
      await count(sql`SELECT count(*)::int AS n FROM events WHERE case_id = ${kept.id}`),
    ).toBeGreaterThan(0);
    expect(
      rowsOf<{ key: string }>(
        await db().execute(sql`SELECT key FROM idempotency_keys WHERE key IN (${keys[0]}, ${keys[1]})`),
      ).map((r) => r.key),
    ).toEqual([keys[1]]);

    // Measured on each instance: runs, rows pruned, last success.
    expect(await bothInstances('scheduled_job_items_total', 'job="prune_events"')).toBe(
      before.events + oldEvents,
    );
    expect(await bothInstances('scheduled_job_items_total', 'job="prune_idempotency_keys"')).toBe(
      before.keys + 1,
    );
    expect(
      await bothInstances('scheduled_job_duration_seconds_count', 'job="prune_events",outcome="ok"'),
    ).toBe(before.runs + 2);
    for (const job of ['prune_events', 'prune_webhook_deliveries', 'prune_idempotency_keys']) {
      const last = await metric(h.app, 'scheduled_job_last_success_timestamp_seconds', `job="${job}"`);
      expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(600);
    }
  });

  it('prunes ended rate-limit windows once across instances, and measures every scheduled job', async () => {
    await db().execute(
      sql.raw(
        `INSERT INTO rate_limit_counters (window_start, key, count) VALUES (now() - interval '3 hours', 'sub:r1', 9), (now() - interval '2 hours', 'sub:r2', 3), (now() - interval '90 minutes', 'sub:r3', 1)`,
      ),
    );
    const [a, b] = await Promise.all([h.app.rateLimits.prune(), second.rateLimits.prune()]);
    expect(a + b).toBe(3);
    expect(await count(sql`SELECT count(*)::int AS n FROM rate_limit_counters WHERE key LIKE 'sub:r_'`)).toBe(
      0,
    );
    expect(
      await bothInstances('scheduled_job_items_total', 'job="prune_rate_limits"'),
    ).toBeGreaterThanOrEqual(3);

    // The alert watcher takes turns through an advisory lock: two instances at once run twice in
    // all, each run ok (had the turn) or skipped (the other had it). (Timers run these jobs too, so
    // counts are at least what the test caused.)
    const runs = async () =>
      (await bothInstances('scheduled_job_duration_seconds_count', 'job="alert_events",outcome="ok"')) +
      (await bothInstances('scheduled_job_duration_seconds_count', 'job="alert_events",outcome="skipped"'));
    const alertRuns = await runs();
    await Promise.all([h.app.alertWatcher.runNow(), second.alertWatcher.runNow()]);
    expect(await runs()).toBeGreaterThanOrEqual(alertRuns + 2);
    // Webhook deliveries (SKIP LOCKED claims): one pass measured.
    const webhookRuns = await metric(
      h.app,
      'scheduled_job_duration_seconds_count',
      'job="webhooks",outcome="ok"',
    );
    await h.app.webhookWorker.runOnce();
    expect(
      await metric(h.app, 'scheduled_job_duration_seconds_count', 'job="webhooks",outcome="ok"'),
    ).toBeGreaterThanOrEqual(webhookRuns + 1);
    // The audit sealer and partition upkeep were measured already (jobs audit_seal, audit_partitions).
    await h.sealAll();
    expect(
      await metric(h.app, 'scheduled_job_last_success_timestamp_seconds', 'job="audit_partitions"'),
    ).toBeGreaterThan(0);
  });

  it('refuses retention settings below their floors', () => {
    expect(() => loadConfig({ EVENTS_RETENTION_DAYS: '30' })).toThrow(/EVENTS_RETENTION_DAYS/);
    expect(() => loadConfig({ IDEMPOTENCY_RETENTION_HOURS: '12' })).toThrow(/IDEMPOTENCY_RETENTION_HOURS/);
    expect(loadConfig({ EVENTS_RETENTION_DAYS: '365' }).EVENTS_RETENTION_DAYS).toBe(365);
  });
});
