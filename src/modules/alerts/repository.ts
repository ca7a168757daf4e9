import { type SQL, sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../db/client.js';
import { alertAcknowledgements } from '../../db/schema/alerts.js';
import { cases } from '../../db/schema/cases.js';
import type { AlertRule } from './rules.js';

export interface AlertRow {
  rule: AlertRule;
  case_id: string;
  subject_type: string;
  subject_id: string;
  since: Date;
  due_at: Date;
  overdue_seconds: number;
  evaluated_at: Date;
  ack_note: string | null;
  ack_by: string | null;
  ack_role: string | null;
  ack_at: Date | null;
}

export interface AlertFilter {
  rule?: AlertRule;
  caseId?: string;
  subjectId?: string;
  acknowledged?: boolean;
  /** Keyset: the rows after (due_at, rule, case_id, subject_id). */
  after?: { dueAt: Date; rule: string; caseId: string; subjectId: string } | null;
}

const toDate = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));

export const alertRepository = {
  /**
   * The alerts of `union` (see rules.ts), with their latest acknowledgement of the same occurrence,
   * earliest deadline first: the longest overdue on top, warnings (deadline still ahead) last.
   */
  async list(tx: Executor, union: SQL, filter: AlertFilter, limit: number): Promise<AlertRow[]> {
    const where: SQL[] = [sql`true`];
    if (filter.rule) where.push(sql`a.rule = ${filter.rule}`);
    if (filter.caseId) where.push(sql`a.case_id = ${filter.caseId}::uuid`);
    if (filter.subjectId) where.push(sql`a.subject_id = ${filter.subjectId}::uuid`);
    if (filter.acknowledged !== undefined)
      where.push(filter.acknowledged ? sql`k.acknowledged_at is not null` : sql`k.acknowledged_at is null`);
    if (filter.after) {
      const c = filter.after;
      where.push(
        sql`(a.due_at, a.rule, a.case_id, a.subject_id) > (${c.dueAt.toISOString()}::timestamptz, ${c.rule}::text, ${c.caseId}::uuid, ${c.subjectId}::uuid)`,
      );
    }
    const result = await tx.execute(sql`
      select a.rule, a.case_id, a.subject_type, a.subject_id, a.since, a.due_at,
        floor(extract(epoch from (now() - a.due_at)))::bigint as overdue_seconds, now() as evaluated_at,
        k.note as ack_note, k.acknowledged_by as ack_by, k.acknowledged_by_role as ack_role, k.acknowledged_at as ack_at
      from (${union}) a(rule, case_id, subject_type, subject_id, since, due_at)
      left join lateral (
        select ${alertAcknowledgements.note} as note, ${alertAcknowledgements.acknowledgedBy} as acknowledged_by,
          ${alertAcknowledgements.acknowledgedByRole} as acknowledged_by_role, ${alertAcknowledgements.acknowledgedAt} as acknowledged_at
        from ${alertAcknowledgements}
        where ${alertAcknowledgements.rule} = a.rule and ${alertAcknowledgements.subjectId} = a.subject_id
          and ${alertAcknowledgements.caseId} = a.case_id and ${alertAcknowledgements.since} = a.since
        order by ${alertAcknowledgements.acknowledgedAt} desc limit 1
      ) k on true
      where ${sql.join(where, sql` and `)}
      order by a.due_at, a.rule, a.case_id, a.subject_id
      limit ${limit}`);
    return rowsOf<Record<string, unknown>>(result).map((r) => ({
      rule: r.rule as AlertRule,
      case_id: String(r.case_id),
      subject_type: String(r.subject_type),
      subject_id: String(r.subject_id),
      since: toDate(r.since),
      due_at: toDate(r.due_at),
      overdue_seconds: Number(r.overdue_seconds),
      evaluated_at: toDate(r.evaluated_at),
      ack_note: (r.ack_note as string | null) ?? null,
      ack_by: (r.ack_by as string | null) ?? null,
      ack_role: (r.ack_role as string | null) ?? null,
      ack_at: r.ack_at ? toDate(r.ack_at) : null,
    }));
  },

  /** Counts per rule: open (not acknowledged) and acknowledged, and the oldest clock start. */
  async countByRule(tx: Executor, union: SQL) {
    const result = await tx.execute(sql`
      select a.rule, count(*) filter (where k.id is null)::int as open, count(k.id)::int as acknowledged,
        min(a.since) as oldest_since, now() as evaluated_at
      from (${union}) a(rule, case_id, subject_type, subject_id, since, due_at)
      left join lateral (
        select ${alertAcknowledgements.id} as id from ${alertAcknowledgements}
        where ${alertAcknowledgements.rule} = a.rule and ${alertAcknowledgements.subjectId} = a.subject_id
          and ${alertAcknowledgements.caseId} = a.case_id and ${alertAcknowledgements.since} = a.since
        limit 1
      ) k on true
      group by a.rule`);
    return rowsOf<Record<string, unknown>>(result).map((r) => ({
      rule: r.rule as AlertRule,
      open: Number(r.open),
      acknowledged: Number(r.acknowledged),
      oldestSince: r.oldest_since ? toDate(r.oldest_since) : null,
    }));
  },

  async now(tx: Executor): Promise<Date> {
    const [row] = rowsOf<{ now: unknown }>(await tx.execute(sql`select now() as now`));
    return toDate(row.now);
  },

  async personOf(tx: Executor, caseId: string): Promise<string | null> {
    const [row] = rowsOf<{ person_id: string }>(
      await tx.execute(
        sql`select ${cases.personId} as person_id from ${cases} where ${cases.id} = ${caseId}`,
      ),
    );
    return row?.person_id ?? null;
  },

  async acknowledge(tx: Executor, values: typeof alertAcknowledgements.$inferInsert) {
    const [row] = await tx.insert(alertAcknowledgements).values(values).returning();
    return row;
  },
};
