import { z } from 'zod';
import { SEXES } from '../../db/schema/persons.js';
import { IsoDate } from '../../lib/schemas.js';

const MonthStart = IsoDate.refine((d) => d.endsWith('-01'), 'must be the first day of a month').describe(
  'First day of a month (periods are whole calendar months)',
);

export const IndicatorQuery = z.object({
  from: MonthStart,
  to: MonthStart.describe('First day of the month after the period; also the census date'),
});

export const PopulationPut = z
  .strictObject({
    year: z.number().int().min(1900).max(2200),
    figures: z
      .array(
        z.strictObject({
          region: z.string().min(1).max(100),
          sex: z.enum(SEXES),
          age: z.number().int().min(0).max(25),
          count: z.number().int().min(0).max(100_000_000),
        }),
      )
      .max(10_000),
  })
  .meta({ id: 'PopulationPut' });

export const PopulationResult = z.object({ year: z.number().int(), rows: z.number().int() }).meta({
  id: 'PopulationResult',
});

const Count = z.object({ count: z.number().int().nullable(), suppressed: z.boolean() });
const Share = z.object({
  numerator: z.number().int().nullable(),
  denominator: z.number().int().nullable(),
  percent: z.number().nullable(),
  suppressed: z.boolean(),
});
const Duration = z.object({
  children: z.number().int().nullable(),
  median: z.number().nullable(),
  q1: z.number().nullable(),
  q3: z.number().nullable(),
  suppressed: z.boolean(),
});
const BreakdownCell = Count.extend({ group: z.string(), ratePer100k: z.number().nullable() });
const ShareCell = Share.extend({ group: z.string() });
const DurationCell = Duration.extend({ group: z.string() });
const dimensions = <T extends z.ZodType>(cell: T) =>
  z.object({ region: z.array(cell), sex: z.array(cell), ageGroup: z.array(cell) });

export const Indicator = z
  .object({
    id: z.string().describe('1 to 15 for the UNODC/UNICEF indicators; a name for the others'),
    key: z.string(),
    label: z.string(),
    kind: z.enum(['count', 'share', 'duration', 'facilities', 'not_computable']),
    unit: z.string().nullable(),
    count: Count.extend({ ratePer100k: z.number().nullable() }).optional(),
    share: Share.optional(),
    duration: Duration.optional(),
    breakdowns: z
      .object({
        region: z.array(BreakdownCell),
        sex: z.array(BreakdownCell),
        ageGroup: z.array(BreakdownCell),
      })
      .optional(),
    shareBreakdowns: dimensions(ShareCell)
      .optional()
      .describe('Share indicators: the share within each region, sex and age group (same suppression)'),
    durationBreakdowns: dimensions(DurationCell)
      .optional()
      .describe('Duration indicators: median and quartiles within each region, sex and age group'),
    note: z.string().nullable(),
  })
  .meta({ id: 'Indicator' });

export const IndicatorReport = z
  .object({
    from: z.string(),
    to: z.string(),
    census: z.string(),
    minCell: z.number().int(),
    roundingBase: z.number().int(),
    populationYear: z.number().int(),
    populationLoaded: z.boolean(),
    indicators: z.array(Indicator),
  })
  .meta({ id: 'IndicatorReport' });
