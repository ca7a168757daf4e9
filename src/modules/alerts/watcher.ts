import { sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import { type Db, rowsOf } from '../../db/client.js';
import { alertStates } from '../../db/schema/alerts.js';
import type { JobMetrics } from '../../plugins/metrics.js';
import { cases } from '../../db/schema/cases.js';
import { writeEvent } from '../events/outbox.js';
import { alertsUnion } from './rules.js';

/** Any constant: the advisory lock that lets one instance at a time compare alerts with their state. */
const WATCH_LOCK = 0x616c657274;

export interface AlertWatcher {
  /** Compares the alerts that hold now with those last raised; writes the events. Returns how many. */
  runNow(): Promise<{ raised: number; cleared: number }>;
  stop(): Promise<void>;
}

/**
 * Raises and clears alerts as events on the feed (`alert.raised`, `alert.cleared`, resource
 * `alert`, id `rule:case:subject`). Alerts themselves never depend on it: GET /v1/alerts evaluates
 * at the database clock. This only turns "an alert started or stopped holding" into events, every
 * ALERT_EVENTS_INTERVAL_SECONDS, so an event can be up to one interval late, never lost: a missed
 * tick is caught up by the next comparison. Instances take turns through an advisory lock held for
 * the transaction; the comparison, the state change and the events commit together.
 */
export function startAlertWatcher(
  db: Db,
  config: Config,
  log: FastifyBaseLogger,
  jobs?: JobMetrics,
): AlertWatcher {
  // Every case that is neither sealed nor expunged: events are then filtered per caller by the feed.
  const union = alertsUnion(config, () => sql`${cases.sealedAt} is null and ${cases.expungedAt} is null`, {
    sub: '',
    roles: [],
  });
  let running: Promise<{ raised: number; cleared: number; skipped: boolean }> | null = null;

  const compare = () =>
    db.transaction(async (tx) => {
      const [lock] = rowsOf<{ got: boolean }>(
        await tx.execute(sql`select pg_try_advisory_xact_lock(${WATCH_LOCK}::bigint) as got`),
      );
      if (!lock.got || !union) return { raised: 0, cleared: 0, skipped: true };
      const key = (s: string) =>
        sql.raw(
          `${s}.rule = c.rule and ${s}.case_id = c.case_id and ${s}.subject_id = c.subject_id and ${s}.since = c.since`,
        );
      const changed = rowsOf<{
        type: 'alert.raised' | 'alert.cleared';
        rule: string;
        case_id: string;
        subject_id: string;
      }>(
        await tx.execute(sql`
          with c as (select * from (${union}) a(rule, case_id, subject_type, subject_id, since, due_at)),
          raised as (
            insert into ${alertStates} (rule, case_id, subject_id, since)
            select c.rule, c.case_id, c.subject_id, c.since from c
            where not exists (select 1 from ${alertStates} s where s.cleared_at is null and ${key('s')})
            returning rule, case_id, subject_id
          ),
          cleared as (
            update ${alertStates} s set cleared_at = now()
            where s.cleared_at is null
              and not exists (select 1 from c where c.rule = s.rule and c.case_id = s.case_id
                and c.subject_id = s.subject_id and c.since = s.since)
            returning s.rule, s.case_id, s.subject_id
          )
          select 'alert.raised' as type, rule, case_id, subject_id from raised
          union all select 'alert.cleared', rule, case_id, subject_id from cleared`),
      );
      for (const r of changed) {
        await writeEvent(tx, {
          type: r.type,
          caseId: String(r.case_id),
          resourceType: 'alert',
          resourceId: `${r.rule}:${r.case_id}:${r.subject_id}`,
        });
      }
      return {
        raised: changed.filter((r) => r.type === 'alert.raised').length,
        cleared: changed.filter((r) => r.type === 'alert.cleared').length,
        skipped: false,
      };
    });

  const runNow = async () => {
    while (running) await running.catch(() => {});
    const started = performance.now();
    running = compare();
    try {
      const r = await running;
      // Job `alert_events` in /metrics; `skipped` when another instance held the turn.
      jobs?.observe(
        'alert_events',
        r.skipped ? 'skipped' : 'ok',
        (performance.now() - started) / 1000,
        r.raised + r.cleared,
      );
      return { raised: r.raised, cleared: r.cleared };
    } catch (err) {
      jobs?.observe('alert_events', 'error', (performance.now() - started) / 1000);
      throw err;
    } finally {
      running = null;
    }
  };
  const timer = setInterval(() => {
    if (running) return;
    runNow().catch((err) => log.warn({ err: (err as Error).message }, 'alert events failed; will retry'));
  }, config.ALERT_EVENTS_INTERVAL_SECONDS * 1000);
  timer.unref();
  return {
    runNow,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
