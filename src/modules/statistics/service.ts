import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Config } from '../../config.js';
import type { Database, Db } from '../../db/client.js';
import { unprocessable } from '../../lib/errors.js';
import { withTransaction } from '../../lib/transaction.js';
import {
  ROUNDING_BASE,
  publishBreakdown,
  publishCount,
  publishDuration,
  publishDurationBreakdown,
  publishShare,
  publishShareBreakdown,
  ratePer100k,
} from './disclosure.js';
import { type ChildRow, type Measured, type Window, statisticsRepository as repo } from './repository.js';
import type { Indicator, IndicatorQuery, PopulationPut } from './schemas.js';

type IndicatorOut = z.infer<typeof Indicator>;
type Population = { region: string; sex: string; age: number; count: number }[];

export const ageGroup = (age: number) =>
  age < 14 ? 'under_14' : age < 16 ? '14-15' : age < 18 ? '16-17' : '18_plus';
const AGE_GROUPS = ['under_14', '14-15', '16-17', '18_plus'];

type Dimensioned = { region: string; sex: string; age: number };
const DIMENSION_KEYS = {
  region: (r: Dimensioned) => r.region,
  sex: (r: Dimensioned) => r.sex,
  ageGroup: (r: Dimensioned) => ageGroup(r.age),
} as const;
/** The groups of each dimension present in `rows` (age groups always all four). */
const groupsOf = (rows: Dimensioned[]) => ({
  region: [...new Set(rows.map((r) => r.region))].sort(),
  sex: [...new Set(rows.map((r) => r.sex))].sort(),
  ageGroup: AGE_GROUPS,
});

/**
 * `reads` runs the figures' queries: on the read replica when DATABASE_READ_URL is set (they
 * tolerate lag), else on the request's transaction. The access decision and the audit row of the
 * query stay in the primary transaction.
 */
export function statisticsService(
  db: Db,
  config: Config,
  reads: Database['readLagTolerant'] = (primary, work) => work(primary),
) {
  const k = config.STATISTICS_MIN_CELL;

  /** Indicators 1 to 3: a count of children with its rate and its three breakdowns. */
  function childCount(
    id: string,
    key: string,
    label: string,
    rows: ChildRow[],
    population: Population,
    note: string | null = null,
  ): IndicatorOut {
    const popTotal = population.reduce((s, r) => s + r.count, 0) || null;
    const total = publishCount(rows.length, k);
    const dimension = (of: (r: { region: string; sex: string; age: number }) => string, groups: string[]) => {
      const counts = new Map<string, number>(groups.map((g) => [g, 0]));
      for (const r of rows) counts.set(of(r), (counts.get(of(r)) ?? 0) + 1);
      const popOf = new Map<string, number>();
      for (const p of population) popOf.set(of(p), (popOf.get(of(p)) ?? 0) + p.count);
      return publishBreakdown([...counts.entries()], k).map((c) => ({
        ...c,
        ratePer100k: ratePer100k(c.count, popOf.get(c.group) ?? null),
      }));
    };
    const regions = [...new Set([...rows.map((r) => r.region), ...population.map((p) => p.region)])].sort();
    const sexes = [...new Set([...rows.map((r) => r.sex), ...population.map((p) => p.sex)])].sort();
    return {
      id,
      key,
      label,
      kind: 'count',
      unit: 'children',
      count: { ...total, ratePer100k: ratePer100k(total.count, popTotal) },
      breakdowns: {
        region: dimension((r) => r.region, regions),
        sex: dimension((r) => r.sex, sexes),
        ageGroup: dimension((r) => ageGroup(r.age), AGE_GROUPS),
      },
      note,
    };
  }

  /**
   * A share of children. Given the children themselves (numerator a subset of the denominator), it
   * also gets breakdowns by region, sex and age group, under the same suppression (disclosure.ts, 6).
   */
  const share = (
    id: string,
    key: string,
    label: string,
    numerator: number | Dimensioned[],
    denominator: number | Dimensioned[],
    note: string | null = null,
  ): IndicatorOut => {
    const n = typeof numerator === 'number' ? numerator : numerator.length;
    const d = typeof denominator === 'number' ? denominator : denominator.length;
    const out: IndicatorOut = {
      id,
      key,
      label,
      kind: 'share',
      unit: 'children',
      share: publishShare(n, d, k),
      note,
    };
    if (typeof numerator !== 'number' && typeof denominator !== 'number') {
      const groups = groupsOf(denominator);
      const by = (dim: keyof typeof DIMENSION_KEYS) =>
        publishShareBreakdown(
          groups[dim].map((g) => [
            g,
            numerator.filter((r) => DIMENSION_KEYS[dim](r) === g).length,
            denominator.filter((r) => DIMENSION_KEYS[dim](r) === g).length,
          ]),
          k,
        );
      out.shareBreakdowns = { region: by('region'), sex: by('sex'), ageGroup: by('ageGroup') };
    }
    return out;
  };

  const duration = (
    id: string,
    key: string,
    label: string,
    unit: string,
    values: Measured[],
  ): IndicatorOut => {
    const groups = groupsOf(values);
    const by = (dim: keyof typeof DIMENSION_KEYS) =>
      publishDurationBreakdown(
        groups[dim].map((g) => [g, values.filter((v) => DIMENSION_KEYS[dim](v) === g).map((v) => v.value)]),
        k,
      );
    return {
      id,
      key,
      label,
      kind: 'duration',
      unit,
      duration: publishDuration(
        values.map((v) => v.value),
        k,
      ),
      durationBreakdowns: { region: by('region'), sex: by('sex'), ageGroup: by('ageGroup') },
      note: null,
    };
  };

  return {
    async putPopulation(ctx: RequestContext, input: z.infer<typeof PopulationPut>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'statistics:population', { resourceType: 'population' });
        await repo.replacePopulation(tx, input.year, input.figures);
        await audit({
          action: 'update',
          resourceType: 'population',
          resourceId: String(input.year),
          decision,
          outcome: 'allowed',
        });
        return { year: input.year, rows: input.figures.length };
      });
    },

    /** Every figure for a period of whole months; the census date is the period's end. */
    async indicators(ctx: RequestContext, q: z.infer<typeof IndicatorQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'statistics:read', { resourceType: 'indicator' });
        const from = new Date(`${q.from}T00:00:00.000Z`);
        const to = new Date(`${q.to}T00:00:00.000Z`);
        if (!(to > from) || to.getTime() - from.getTime() > 5 * 366 * 86_400_000) {
          throw unprocessable('The period must end after it starts and span at most five years', [
            { path: 'querystring.to', message: 'after from, within five years' },
          ]);
        }
        const w: Window = { from, to, census: to };
        const year = from.getUTCFullYear();
        // The figures' queries, on the replica when there is one (lag-tolerant reads).
        const data = await reads(tx, async (r) => ({
          population: await repo.population(
            r,
            year,
            config.MIN_AGE_CRIMINAL_RESPONSIBILITY,
            config.JUVENILE_UPPER_AGE,
          ),
          arrested: await repo.arrested(r, w),
          detained: await repo.detainedAt(r, w),
          preTrial: await repo.detainedAt(r, w, 'pre_trial'),
          withAdults: await repo.detainedWithAdults(r, w),
          registered: await repo.detainedInRegisteredFacility(r, w),
          visited: await repo.detainedVisited(r, w),
          sentenced: await repo.sentenced(r, w, false),
          custodial: await repo.sentenced(r, w, true),
          opened: await repo.opened(r, w, false),
          diverted: await repo.opened(r, w, true),
          released: await repo.released(r, w, false),
          aftercare: await repo.released(r, w, true),
          places: await repo.facilities(r, w),
          specialised: await repo.specialisedAssignments(r, w),
          legalAid: await repo.legalAid(r, w),
          hearings: await repo.firstHearing(r, w),
          again: await repo.reoffending(r, w),
          deaths: await repo.deaths(r, w),
          preTrialDays: await repo.detentionDays(r, w, 'pre_trial'),
          sentencedDays: await repo.detentionDays(r, w, 'sentenced'),
        }));
        const {
          population,
          arrested,
          detained,
          preTrial,
          withAdults,
          registered,
          visited,
          sentenced,
          custodial,
          opened,
          diverted,
          released,
          aftercare,
          places,
          specialised,
          legalAid,
          hearings,
          again,
        } = data;
        const deaths = publishCount(data.deaths, k);
        const heardHours: Measured[] = hearings.flatMap((h) =>
          h.hours === null ? [] : [{ ...h, value: h.hours }],
        );
        const detainedArrests = hearings.filter((h) => h.detained);
        const heardInTime = detainedArrests.filter(
          (h) => h.hours !== null && h.hours <= config.ALERT_FIRST_HEARING_HOURS,
        );
        const facilityShare = (numerator: number) => ({
          numerator,
          denominator: places.total,
          percent: places.total ? Math.round((1000 * numerator) / places.total) / 10 : null,
          suppressed: false,
        });

        const indicators: IndicatorOut[] = [
          childCount('1', 'children_arrested', 'Children arrested during the period', arrested, population),
          childCount(
            '2',
            'children_in_detention',
            'Children in detention on the census date',
            detained,
            population,
          ),
          childCount(
            '3',
            'children_in_pre_sentence_detention',
            'Children in pre-sentence detention on the census date',
            preTrial,
            population,
          ),
          duration(
            '4',
            'duration_of_pre_sentence_detention',
            'Time spent in pre-sentence detention by children released from it during the period',
            'days',
            data.preTrialDays,
          ),
          duration(
            '5',
            'duration_of_sentenced_detention',
            'Time spent in detention by children released from a custodial sentence during the period',
            'days',
            data.sentencedDays,
          ),
          {
            id: '6',
            key: 'deaths_in_detention',
            label: 'Deaths of children in detention during the period',
            kind: 'count',
            unit: 'children',
            count: { ...deaths, ratePer100k: null },
            note: null,
          },
          share(
            '7',
            'not_wholly_separated_from_adults',
            'Children in detention on the census date not wholly separated from adults',
            withAdults,
            registered,
            'Over children held in a registered facility',
          ),
          share(
            '8',
            'contact_with_parents_and_family',
            'Children in detention on the census date visited by family in the three months before it',
            visited,
            detained,
          ),
          share(
            '9',
            'custodial_sentencing',
            'Children sentenced during the period who received a custodial sentence',
            custodial,
            sentenced,
          ),
          share(
            '10',
            'pre_sentence_diversion',
            'Children whose case opened during the period who entered a diversion scheme',
            diverted,
            opened,
          ),
          share(
            '11',
            'aftercare',
            'Children released from detention during the period with aftercare recorded',
            aftercare,
            released,
            'A release that recorded nothing counts as without aftercare',
          ),
          {
            id: '12',
            key: 'regular_independent_inspections',
            label: 'Facilities independently inspected in the 12 months before the census date',
            kind: 'facilities',
            unit: 'facilities',
            share: facilityShare(places.inspected),
            note: 'Facilities, not children: not suppressed',
          },
          {
            id: '13',
            key: 'complaints_mechanism',
            label: 'Facilities with a complaints mechanism',
            kind: 'facilities',
            unit: 'facilities',
            share: facilityShare(places.complaints),
            note: 'Facilities, not children: not suppressed',
          },
          {
            ...share(
              '14',
              'specialised_juvenile_justice',
              'Lawyers and probation officers assigned during the period who are specialised in juvenile cases',
              specialised.specialised,
              specialised.total,
              'Proxy: assignments to staff marked juvenileSpecialised in the directory',
            ),
            unit: 'assignments',
          },
          {
            id: '15',
            key: 'prevention',
            label: 'Prevention',
            kind: 'not_computable',
            unit: null,
            note: 'Not computable from case data: prevention programmes are outside the case path',
          },
          share(
            'legal_aid_coverage',
            'legal_aid_coverage',
            'Children arrested during the period with a lawyer assigned on that case',
            legalAid.children,
            arrested,
          ),
          duration(
            'time_to_legal_aid',
            'time_to_legal_aid',
            'Time from arrest to the first legal aid assignment',
            'hours',
            legalAid.hours,
          ),
          duration(
            'time_to_first_hearing',
            'time_to_first_hearing',
            'Time from arrest to the first hearing held',
            'hours',
            heardHours,
          ),
          share(
            'heard_within_limit',
            'heard_within_limit',
            `Children detained at arrest during the period heard within ${config.ALERT_FIRST_HEARING_HOURS} h`,
            heardInTime,
            detainedArrests,
          ),
          share(
            'reoffending',
            'reoffending',
            'Children whose case closed during the period with a new case within 12 months of the closure',
            again.again,
            again.children,
            'Counted up to today: a recent period is not yet complete',
          ),
        ];
        await audit({
          action: 'search',
          resourceType: 'indicator',
          resourceId: `${q.from}/${q.to}`,
          decision,
          outcome: 'allowed',
        });
        return {
          from: q.from,
          to: q.to,
          census: q.to,
          minCell: k,
          roundingBase: ROUNDING_BASE,
          populationYear: year,
          populationLoaded: population.length > 0,
          indicators,
        };
      });
    },
  };
}

/** One CSV row per published number: indicator, key, breakdown, group, measure, value. */
export function indicatorsCsv(report: { indicators: IndicatorOut[] }): string {
  const lines = [['indicator', 'key', 'breakdown', 'group', 'measure', 'value'].join(',')];
  const put = (i: IndicatorOut, breakdown: string, group: string, measure: string, value: unknown) =>
    lines.push(
      [i.id, i.key, breakdown, group, measure, value === null || value === undefined ? '' : String(value)]
        .map((v) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v))
        .join(','),
    );
  for (const i of report.indicators) {
    if (i.count) {
      put(i, 'total', '', 'count', i.count.suppressed ? 'suppressed' : i.count.count);
      put(i, 'total', '', 'rate_per_100000', i.count.ratePer100k);
    }
    if (i.share) {
      for (const m of ['numerator', 'denominator', 'percent'] as const)
        put(i, 'total', '', m, i.share.suppressed ? 'suppressed' : i.share[m]);
    }
    if (i.duration) {
      for (const m of ['children', 'median', 'q1', 'q3'] as const)
        put(i, 'total', '', m, i.duration.suppressed ? 'suppressed' : i.duration[m]);
    }
    for (const [dim, cells] of Object.entries(i.breakdowns ?? {})) {
      for (const c of cells) {
        put(i, dim, c.group, 'count', c.suppressed ? 'suppressed' : c.count);
        put(i, dim, c.group, 'rate_per_100000', c.ratePer100k);
      }
    }
    for (const [dim, cells] of Object.entries(i.shareBreakdowns ?? {})) {
      for (const c of cells) {
        for (const m of ['numerator', 'denominator', 'percent'] as const)
          put(i, dim, c.group, m, c.suppressed ? 'suppressed' : c[m]);
      }
    }
    for (const [dim, cells] of Object.entries(i.durationBreakdowns ?? {})) {
      for (const c of cells) {
        for (const m of ['children', 'median', 'q1', 'q3'] as const)
          put(i, dim, c.group, m, c.suppressed ? 'suppressed' : c[m]);
      }
    }
    if (i.kind === 'not_computable') put(i, 'total', '', 'note', i.note);
  }
  return `${lines.join('\r\n')}\r\n`;
}
