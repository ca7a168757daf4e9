import { type SQL, sql } from 'drizzle-orm';
import type { Config } from '../../config.js';
import { type Executor, rowsOf } from '../../db/client.js';
import { cases } from '../../db/schema/cases.js';
import { dispositions } from '../../db/schema/dispositions.js';
import { persons } from '../../db/schema/persons.js';

/**
 * Sealing eligibility (issue 13, SPEC 9: "retention and sealing eligibility follow configured rules,
 * and people decide"). The rules only say which closed cases a court should look at; nothing here
 * seals anything: the court's clerk seals a case under a court order (POST /v1/cases/{id}/seal).
 *
 * Dates are calendar dates in UTC, evaluated at the database clock: a case closed on 2025-03-10
 * under a 12-month rule is eligible from 2026-03-10 (that day included). Month arithmetic is
 * PostgreSQL's: 31 January + 1 month is the last day of February.
 */
export const SEALING_RULES = ['diverted_or_dismissed', 'adult_record'] as const;
export type SealingRule = (typeof SEALING_RULES)[number];

export function describeSealingRule(rule: SealingRule, config: Config): string {
  return rule === 'diverted_or_dismissed'
    ? `A case closed as diverted (diversion completed, or a diversion disposition) or dismissed, ${config.SEALING_DIVERTED_DISMISSED_MONTHS} months after it closed, when no case of the child was opened since`
    : `A case of a young person ${config.SEALING_AFTER_MAJORITY_YEARS} years past the age of majority (${config.AGE_OF_MAJORITY}), when every case of theirs is closed`;
}

export interface EligibleRow {
  case_id: string;
  person_id: string;
  closed_at: Date;
  outcome: string | null;
  eligible_since: string;
  rules: { rule: SealingRule; eligibleSince: string }[];
}

/** Today, as a date in UTC at the database clock. */
const today = sql`(now() at time zone 'UTC')::date`;

/**
 * The eligible cases among those `visible` (the access module's condition on `cases`: the caller's
 * court, never sealed or expunged), earliest eligible first, keyset-paginated on (date, case id).
 */
export async function eligibleCases(
  tx: Executor,
  config: Config,
  visible: SQL,
  q: { rule?: SealingRule; after: { since: string; caseId: string } | null; limit: number },
): Promise<EligibleRow[]> {
  const months = config.SEALING_DIVERTED_DISMISSED_MONTHS;
  const years = config.SEALING_AFTER_MAJORITY_YEARS;
  const parts: SQL[] = [];
  if (months > 0 && (!q.rule || q.rule === 'diverted_or_dismissed')) {
    // "No new case for the child": none opened (intake) after this one closed, whatever its court.
    parts.push(sql`select b.case_id, 'diverted_or_dismissed'::text as rule,
        ((b.closed_at at time zone 'UTC')::date + make_interval(months => ${months}::int))::date as eligible_since
      from base b
      where b.outcome is not null
        and not exists (select 1 from ${cases} o where o.person_id = b.person_id and o.id <> b.case_id
          and o.intake_at > b.closed_at)`);
  }
  if (years > 0 && (!q.rule || q.rule === 'adult_record')) {
    parts.push(sql`select b.case_id, 'adult_record'::text as rule,
        (b.date_of_birth + make_interval(years => ${config.AGE_OF_MAJORITY + years}::int))::date as eligible_since
      from base b
      where b.date_of_birth is not null
        and not exists (select 1 from ${cases} o where o.person_id = b.person_id and o.stage <> 'closed'
          and o.expunged_at is null)`);
  }
  if (parts.length === 0) return [];
  const after = q.after
    ? sql`and (e.eligible_since, e.case_id) > (${q.after.since}::date, ${q.after.caseId}::uuid)`
    : sql``;
  return rowsOf<EligibleRow>(
    await tx.execute(sql`
      with base as (
        select ${cases.id} as case_id, ${cases.personId} as person_id, ${cases.closedAt} as closed_at,
          ${persons.dateOfBirth} as date_of_birth,
          case when ${cases.closedReason} = 'diverted' or d.outcome = 'diversion' then 'diverted'
               when d.outcome = 'dismissed' then 'dismissed' end as outcome
        from ${cases} join ${persons} on ${persons.id} = ${cases.personId}
        left join lateral (select ${dispositions.outcome} as outcome from ${dispositions}
          where ${dispositions.caseId} = ${cases.id}
          order by ${dispositions.decidedAt} desc, ${dispositions.createdAt} desc limit 1) d on true
        where ${cases.stage} = 'closed' and ${cases.closedAt} is not null and ${visible}
      ),
      per_rule as (${sql.join(parts, sql` union all `)}),
      e as (
        select p.case_id, min(p.eligible_since) as eligible_since,
          json_agg(json_build_object('rule', p.rule, 'eligibleSince', to_char(p.eligible_since, 'YYYY-MM-DD'))
            order by p.eligible_since, p.rule) as rules
        from per_rule p where p.eligible_since <= ${today}
        group by p.case_id
      )
      select e.case_id, b.person_id, b.closed_at, b.outcome,
        to_char(e.eligible_since, 'YYYY-MM-DD') as eligible_since, e.rules
      from e join base b on b.case_id = e.case_id
      where true ${after}
      order by e.eligible_since, e.case_id
      limit ${q.limit}`),
  ).map((r) => ({ ...r, closed_at: new Date(r.closed_at) }));
}
