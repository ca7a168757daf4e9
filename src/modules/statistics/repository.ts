import { type SQL, sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../db/client.js';
import { populationFigures } from '../../db/schema/statistics.js';

/** One child in a set being counted, with what the breakdowns need (never a name or an id out of here). */
export interface ChildRow {
  person_id: string;
  region: string;
  sex: string;
  age: number;
}

export interface Window {
  from: Date;
  to: Date;
  /** The census date: children detained at this moment (the period's end). */
  census: Date;
}

const f = (w: Window) => sql`${w.from.toISOString()}::timestamptz`;
const t = (w: Window) => sql`${w.to.toISOString()}::timestamptz`;
const c = (w: Window) => sql`${w.census.toISOString()}::timestamptz`;

/**
 * The case data behind the indicators, as plain SQL over every case: sealed and expunged cases
 * count too (their ids, dates, coded values and age at offence stay; nothing here reads a name or
 * a date of birth). The service turns these into figures; no row leaves the service.
 */
async function children(tx: Executor, from: SQL, where: SQL, order: SQL): Promise<ChildRow[]> {
  const rows = rowsOf<ChildRow>(
    await tx.execute(sql`select distinct on (cases.person_id) cases.person_id::text as person_id,
        coalesce(cases.region, 'unknown') as region, persons.sex as sex, cases.age_at_offence as age
      from ${from} join persons on persons.id = cases.person_id
      where ${where} order by cases.person_id, ${order}`),
  );
  return rows.map((r) => ({ ...r, age: Number(r.age) }));
}

/** A duration with the child's region, sex and age at the offence (for breakdowns). */
export interface Measured {
  value: number;
  region: string;
  sex: string;
  age: number;
}
const measuredRows = (rows: Record<string, unknown>[], key: string): Measured[] =>
  rows
    .map((r) => ({
      value: Number(r[key]),
      region: String(r.region ?? 'unknown'),
      sex: String(r.sex ?? 'unknown'),
      age: Number(r.age),
    }))
    .filter((m) => Number.isFinite(m.value));
const DIMENSIONS = sql`coalesce(cases.region, 'unknown') as region, persons.sex as sex, cases.age_at_offence as age`;

export const statisticsRepository = {
  arrested: (tx: Executor, w: Window) =>
    children(
      tx,
      sql`cases`,
      sql`cases.intake_kind = 'arrest' and cases.intake_at >= ${f(w)} and cases.intake_at < ${t(w)}`,
      sql`cases.intake_at`,
    ),

  /** Children in custody at the census date; `kind` narrows to pre-trial or sentenced. */
  detainedAt: (tx: Executor, w: Window, kind?: 'pre_trial' | 'sentenced') =>
    children(
      tx,
      sql`custody_episodes join cases on cases.id = custody_episodes.case_id`,
      sql`custody_episodes.started_at <= ${c(w)} and (custody_episodes.released_at is null or custody_episodes.released_at > ${c(w)})
        ${kind ? sql`and custody_episodes.kind = ${kind}` : sql``}`,
      sql`custody_episodes.started_at`,
    ),

  /** Detained at the census in a registered facility that does not wholly separate children from adults. */
  detainedWithAdults: (tx: Executor, w: Window) =>
    children(
      tx,
      sql`custody_episodes join cases on cases.id = custody_episodes.case_id join facilities on facilities.id = custody_episodes.facility_id`,
      sql`custody_episodes.started_at <= ${c(w)} and (custody_episodes.released_at is null or custody_episodes.released_at > ${c(w)})
        and not facilities.separated_from_adults`,
      sql`custody_episodes.started_at`,
    ),

  /** Detained at the census in a registered facility (the denominator of indicator 7). */
  detainedInRegisteredFacility: (tx: Executor, w: Window) =>
    children(
      tx,
      sql`custody_episodes join cases on cases.id = custody_episodes.case_id`,
      sql`custody_episodes.started_at <= ${c(w)} and (custody_episodes.released_at is null or custody_episodes.released_at > ${c(w)})
        and custody_episodes.facility_id is not null`,
      sql`custody_episodes.started_at`,
    ),

  /** Detained at the census and visited by family in the three months before it. */
  detainedVisited: (tx: Executor, w: Window) =>
    children(
      tx,
      sql`custody_episodes join cases on cases.id = custody_episodes.case_id`,
      sql`custody_episodes.started_at <= ${c(w)} and (custody_episodes.released_at is null or custody_episodes.released_at > ${c(w)})
        and exists (select 1 from family_visits v where v.custody_episode_id = custody_episodes.id
          and v.occurred_at <= ${c(w)} and v.occurred_at > ${c(w)} - interval '3 months')`,
      sql`custody_episodes.started_at`,
    ),

  /** Days in custody of the episodes of `kind` that ended in the period. */
  async detentionDays(tx: Executor, w: Window, kind: 'pre_trial' | 'sentenced'): Promise<Measured[]> {
    const rows = rowsOf<Record<string, unknown>>(
      await tx.execute(sql`select extract(epoch from (custody_episodes.released_at - custody_episodes.started_at)) / 86400 as days, ${DIMENSIONS}
        from custody_episodes join cases on cases.id = custody_episodes.case_id join persons on persons.id = cases.person_id
        where custody_episodes.kind = ${kind} and custody_episodes.released_at >= ${f(w)} and custody_episodes.released_at < ${t(w)}`),
    );
    return measuredRows(rows, 'days');
  },

  async deaths(tx: Executor, w: Window): Promise<number> {
    const [row] = rowsOf<{ n: number }>(
      await tx.execute(sql`select count(*)::int as n from custody_incidents
        where kind = 'death' and occurred_at >= ${f(w)} and occurred_at < ${t(w)}`),
    );
    return Number(row.n);
  },

  sentenced: (tx: Executor, w: Window, custodialOnly: boolean) =>
    children(
      tx,
      sql`dispositions join cases on cases.id = dispositions.case_id`,
      sql`dispositions.decided_at >= ${f(w)} and dispositions.decided_at < ${t(w)}
        ${custodialOnly ? sql`and dispositions.outcome = 'custodial'` : sql``}`,
      sql`dispositions.decided_at`,
    ),

  /** Children whose case opened in the period; `diverted`: whose case entered a diversion. */
  opened: (tx: Executor, w: Window, diverted: boolean) =>
    children(
      tx,
      sql`cases`,
      sql`cases.intake_at >= ${f(w)} and cases.intake_at < ${t(w)}
        ${diverted ? sql`and exists (select 1 from diversions d where d.case_id = cases.id and d.status in ('accepted', 'in_progress', 'completed', 'failed'))` : sql``}`,
      sql`cases.intake_at`,
    ),

  /** Children released in the period; `withAftercare`: whose release recorded aftercare. */
  released: (tx: Executor, w: Window, withAftercare: boolean) =>
    children(
      tx,
      sql`custody_episodes join cases on cases.id = custody_episodes.case_id`,
      sql`custody_episodes.released_at >= ${f(w)} and custody_episodes.released_at < ${t(w)}
        ${withAftercare ? sql`and custody_episodes.aftercare_provided` : sql``}`,
      sql`custody_episodes.released_at`,
    ),

  /** Registered facilities (the registry keeps no history: those registered now), and those inspected independently in the 12 months before the census / with a complaints mechanism. */
  async facilities(tx: Executor, w: Window) {
    const [row] = rowsOf<Record<string, unknown>>(
      await tx.execute(sql`select count(*)::int as total,
        count(*) filter (where exists (select 1 from facility_inspections i where i.facility_id = facilities.id and i.independent
          and i.inspected_at <= ${c(w)} and i.inspected_at > ${c(w)} - interval '12 months'))::int as inspected,
        count(*) filter (where complaints_mechanism)::int as complaints
        from facilities`),
    );
    return { total: Number(row.total), inspected: Number(row.inspected), complaints: Number(row.complaints) };
  },

  /** Lawyers and officers assigned in the period, and how many of those assignments went to specialised staff. */
  async specialisedAssignments(tx: Executor, w: Window) {
    const [row] = rowsOf<Record<string, unknown>>(
      await tx.execute(sql`with a as (
          select la.lawyer_sub as sub from legal_aid_assignments la
            where la.lawyer_sub is not null and la.assigned_at >= ${f(w)} and la.assigned_at < ${t(w)}
          union all
          select s.officer_sub from supervisions s where s.created_at >= ${f(w)} and s.created_at < ${t(w)})
        select count(*)::int as total, count(*) filter (where staff.juvenile_specialised)::int as specialised
        from a left join staff on staff.sub = a.sub`),
    );
    return { total: Number(row.total), specialised: Number(row.specialised) };
  },

  /** Arrested children with a lawyer assigned on that case; hours from arrest to the first assignment. */
  async legalAid(tx: Executor, w: Window) {
    const rows = rowsOf<Record<string, unknown>>(
      await tx.execute(sql`select distinct on (cases.person_id) cases.person_id::text as person_id,
          extract(epoch from (min(la.assigned_at) - cases.intake_at)) / 3600 as hours, ${DIMENSIONS}
        from cases join legal_aid_assignments la on la.case_id = cases.id join persons on persons.id = cases.person_id
        where cases.intake_kind = 'arrest' and cases.intake_at >= ${f(w)} and cases.intake_at < ${t(w)}
          and la.status in ('assigned', 'accepted', 'completed') and la.assigned_at is not null
        group by cases.person_id, cases.id, cases.intake_at, persons.sex
        order by cases.person_id, cases.intake_at`),
    );
    const children: ChildRow[] = rows.map((r) => ({
      person_id: String(r.person_id),
      region: String(r.region),
      sex: String(r.sex),
      age: Number(r.age),
    }));
    return { children, hours: measuredRows(rows, 'hours') };
  },

  /** Arrests in the period: hours to the first held hearing, and for detained children whether within the limit. */
  async firstHearing(tx: Executor, w: Window) {
    const rows = rowsOf<Record<string, unknown>>(
      await tx.execute(sql`select distinct on (cases.person_id) cases.person_id::text as person_id, cases.detained as detained,
          extract(epoch from ((select min(h.held_at) from hearings h where h.case_id = cases.id and h.status = 'held') - cases.intake_at)) / 3600 as hours,
          ${DIMENSIONS}
        from cases join persons on persons.id = cases.person_id
        where cases.intake_kind = 'arrest' and cases.intake_at >= ${f(w)} and cases.intake_at < ${t(w)}
        order by cases.person_id, cases.intake_at`),
    );
    return rows.map((r) => ({
      detained: Boolean(r.detained),
      hours: r.hours === null ? null : Number(r.hours),
      region: String(r.region),
      sex: String(r.sex),
      age: Number(r.age),
      person_id: String(r.person_id),
    }));
  },

  /** Children whose case closed in the period, and whether a new case of theirs opened within 12 months of it. */
  async reoffending(tx: Executor, w: Window) {
    const rows = rowsOf<Record<string, unknown>>(
      await tx.execute(sql`select distinct on (cases.person_id) cases.person_id::text as person_id,
          exists (select 1 from cases n where n.person_id = cases.person_id and n.id <> cases.id
            and n.intake_at > cases.closed_at and n.intake_at <= cases.closed_at + interval '12 months') as again,
          ${DIMENSIONS}
        from cases join persons on persons.id = cases.person_id
        where cases.closed_at >= ${f(w)} and cases.closed_at < ${t(w)}
        order by cases.person_id, cases.closed_at`),
    );
    const children: ChildRow[] = rows.map((r) => ({
      person_id: String(r.person_id),
      region: String(r.region),
      sex: String(r.sex),
      age: Number(r.age),
    }));
    return { children, again: children.filter((_, i) => rows[i].again === true) };
  },

  /** Children in the population of `year` by region, sex and age (ages from `minAge` to `maxAge`). */
  async population(tx: Executor, year: number, minAge: number, maxAge: number) {
    return rowsOf<{ region: string; sex: string; age: number; count: number }>(
      await tx.execute(sql`select region, sex, age, count from ${populationFigures}
        where year = ${year} and age between ${minAge} and ${maxAge}`),
    ).map((r) => ({ ...r, age: Number(r.age), count: Number(r.count) }));
  },

  async replacePopulation(
    tx: Executor,
    year: number,
    rows: { region: string; sex: string; age: number; count: number }[],
  ) {
    await tx.delete(populationFigures).where(sql`${populationFigures.year} = ${year}`);
    if (rows.length) await tx.insert(populationFigures).values(rows.map((r) => ({ ...r, year })));
  },
};
