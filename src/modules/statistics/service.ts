import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { unprocessable } from '../../lib/errors.js';
import { withTransaction } from '../../lib/transaction.js';
import {
  ROUNDING_BASE,
  publishBreakdown,
  publishCount,
  publishDuration,
  publishShare,
  ratePer100k,
} from './disclosure.js';
import { type ChildRow, type Window, statisticsRepository as repo } from './repository.js';
import type { Indicator, IndicatorQuery, PopulationPut } from './schemas.js';

type IndicatorOut = z.infer<typeof Indicator>;
type Population = { region: string; sex: string; age: number; count: number }[];

export const ageGroup = (age: number) =>
  age < 14 ? 'under_14' : age < 16 ? '14-15' : age < 18 ? '16-17' : '18_plus';
const AGE_GROUPS = ['under_14', '14-15', '16-17', '18_plus'];

export function statisticsService(db: Db, config: Config) {
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

  const share = (
    id: string,
    key: string,
    label: string,
    numerator: number,
    denominator: number,
    note: string | null = null,
  ): IndicatorOut => ({
    id,
    key,
    label,
    kind: 'share',
    unit: 'children',
    share: publishShare(numerator, denominator, k),
    note,
  });

  const duration = (
    id: string,
    key: string,
    label: string,
    unit: string,
    values: number[],
  ): IndicatorOut => ({
    id,
    key,
    label,
    kind: 'duration',
    unit,
    duration: publishDuration(values, k),
    note: null,
  });

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
        const population = await repo.population(
          tx,
          year,
          config.MIN_AGE_CRIMINAL_RESPONSIBILITY,
          config.JUVENILE_UPPER_AGE,
        );

        const arrested = await repo.arrested(tx, w);
        const detained = await repo.detainedAt(tx, w);
        const preTrial = await repo.detainedAt(tx, w, 'pre_trial');
        const withAdults = await repo.detainedWithAdults(tx, w);
        const registered = await repo.detainedInRegisteredFacility(tx, w);
        const visited = await repo.detainedVisited(tx, w);
        const sentenced = await repo.sentenced(tx, w, false);
        const custodial = await repo.sentenced(tx, w, true);
        const opened = await repo.opened(tx, w, false);
        const diverted = await repo.opened(tx, w, true);
        const released = await repo.released(tx, w, false);
        const aftercare = await repo.released(tx, w, true);
        const places = await repo.facilities(tx, w);
        const specialised = await repo.specialisedAssignments(tx, w);
        const legalAid = await repo.legalAid(tx, w);
        const hearings = await repo.firstHearing(tx, w);
        const again = await repo.reoffending(tx, w);
        const deaths = publishCount(await repo.deaths(tx, w), k);
        const heardHours = hearings.flatMap((h) => (h.hours === null ? [] : [h.hours]));
        const detainedArrests = hearings.filter((h) => h.detained);
        const heardInTime = detainedArrests.filter(
          (h) => h.hours !== null && h.hours <= config.ALERT_FIRST_HEARING_HOURS,
        ).length;
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
            await repo.detentionDays(tx, w, 'pre_trial'),
          ),
          duration(
            '5',
            'duration_of_sentenced_detention',
            'Time spent in detention by children released from a custodial sentence during the period',
            'days',
            await repo.detentionDays(tx, w, 'sentenced'),
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
            withAdults.length,
            registered.length,
            'Over children held in a registered facility',
          ),
          share(
            '8',
            'contact_with_parents_and_family',
            'Children in detention on the census date visited by family in the three months before it',
            visited.length,
            detained.length,
          ),
          share(
            '9',
            'custodial_sentencing',
            'Children sentenced during the period who received a custodial sentence',
            custodial.length,
            sentenced.length,
          ),
          share(
            '10',
            'pre_sentence_diversion',
            'Children whose case opened during the period who entered a diversion scheme',
            diverted.length,
            opened.length,
          ),
          share(
            '11',
            'aftercare',
            'Children released from detention during the period with aftercare recorded',
            aftercare.length,
            released.length,
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
            arrested.length,
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
            detainedArrests.length,
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
    if (i.kind === 'not_computable') put(i, 'total', '', 'note', i.note);
  }
  return `${lines.join('\r\n')}\r\n`;
}
