/**
 * Disclosure control for every figure the statistics module publishes (README "Alerts and
 * indicators"). One rule set, applied before anything leaves the service:
 *
 * 1. Periods are whole calendar months and census dates are the first day of a month (checked on
 *    input), so two queries can never differ by a few days.
 * 2. Every count of children of 1 to MIN_CELL-1 is suppressed (null); 0 is shown.
 * 3. Complementary suppression: in a breakdown where exactly one cell is suppressed, the smallest
 *    other non-zero cell is suppressed too, so no suppressed cell is the total minus the others.
 * 4. Every published count is rounded to the nearest multiple of 5, and every rate, share and
 *    percentage is computed from the rounded counts. So two overlapping periods (say January, and
 *    January to February) whose true counts differ by one child publish counts that are equal or
 *    differ by a multiple of 5: the difference never names a child, and a rate cannot be turned
 *    back into an exact count with the population figure.
 * 5. Durations (median and quartiles) are published only over at least MIN_CELL children.
 * 6. Breakdowns of shares and durations follow the same rules cell by cell, and rule 3 over the
 *    cells' sizes (the denominator of a share, the children behind a duration): where exactly one
 *    cell is suppressed, the smallest other non-empty cell is suppressed too, so no suppressed
 *    cell's numerator or size is the total minus the others.
 */
export const ROUNDING_BASE = 5;

export interface CountCell {
  count: number | null;
  suppressed: boolean;
}

export const roundToBase = (n: number) => Math.round(n / ROUNDING_BASE) * ROUNDING_BASE;

export function publishCount(n: number, minCell: number): CountCell {
  if (n === 0) return { count: 0, suppressed: false };
  if (n < minCell) return { count: null, suppressed: true };
  return { count: roundToBase(n), suppressed: false };
}

/** Rules 2 to 4 over one breakdown (group -> true count). */
export function publishBreakdown(groups: [string, number][], minCell: number) {
  const cells = groups.map(([group, n]) => ({ group, n, ...publishCount(n, minCell) }));
  if (cells.filter((c) => c.suppressed).length === 1) {
    const next = cells.filter((c) => !c.suppressed && c.n > 0).sort((a, b) => a.n - b.n)[0];
    if (next) {
      next.count = null;
      next.suppressed = true;
    }
  }
  return cells.map(({ group, count, suppressed }) => ({ group, count, suppressed }));
}

const oneDecimal = (x: number) => Math.round(x * 10) / 10;

export interface ShareCell {
  numerator: number | null;
  denominator: number | null;
  percent: number | null;
  suppressed: boolean;
}

/** A share of children: suppressed when the children in it, or those outside it, are 1 to MIN_CELL-1. */
export function publishShare(numerator: number, denominator: number, minCell: number): ShareCell {
  const outside = denominator - numerator;
  const small = (n: number) => n > 0 && n < minCell;
  if (small(numerator) || small(outside)) {
    return { numerator: null, denominator: null, percent: null, suppressed: true };
  }
  const num = roundToBase(numerator);
  const den = roundToBase(denominator);
  return {
    numerator: num,
    denominator: den,
    percent: den ? oneDecimal((100 * num) / den) : null,
    suppressed: false,
  };
}

/** Linear interpolation between closest ranks (the common "type 7" quantile). */
export function quantile(sorted: number[], p: number): number {
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface DurationCell {
  children: number | null;
  median: number | null;
  q1: number | null;
  q3: number | null;
  suppressed: boolean;
}

export function publishDuration(values: number[], minCell: number): DurationCell {
  if (values.length === 0) return { children: 0, median: null, q1: null, q3: null, suppressed: false };
  if (values.length < minCell) return { children: null, median: null, q1: null, q3: null, suppressed: true };
  const sorted = [...values].sort((a, b) => a - b);
  return {
    children: roundToBase(values.length),
    median: oneDecimal(quantile(sorted, 0.5)),
    q1: oneDecimal(quantile(sorted, 0.25)),
    q3: oneDecimal(quantile(sorted, 0.75)),
    suppressed: false,
  };
}

/** Per 100,000 children, from the published (rounded) count; null when suppressed or no population. */
export const ratePer100k = (published: number | null, population: number | null) =>
  published === null || !population ? null : oneDecimal((published * 100_000) / population);

/** Rule 3 over any cells: exactly one suppressed -> the smallest other non-empty one too. */
function complement<T extends { suppressed: boolean }>(
  cells: T[],
  size: (c: T) => number,
  hide: (c: T) => void,
) {
  if (cells.filter((c) => c.suppressed).length !== 1) return;
  const next = cells.filter((c) => !c.suppressed && size(c) > 0).sort((a, b) => size(a) - size(b))[0];
  if (next) hide(next);
}

const HIDDEN_SHARE = { numerator: null, denominator: null, percent: null, suppressed: true } as const;

/** Rule 6 for shares: one cell per group (numerator, denominator), each as publishShare. */
export function publishShareBreakdown(groups: [string, number, number][], minCell: number) {
  const cells = groups.map(([group, num, den]) => ({
    group,
    den,
    cell: { ...publishShare(num, den, minCell) },
  }));
  const view = cells.map((c) => ({ ...c, suppressed: c.cell.suppressed }));
  complement(
    view,
    (c) => c.den,
    (c) => {
      c.suppressed = true;
      c.cell = { ...HIDDEN_SHARE };
    },
  );
  return view.map((c) => ({ group: c.group, ...c.cell }));
}

/** Rule 6 for durations: publishDuration per group; rule 3 over the number of values. */
export function publishDurationBreakdown(groups: [string, number[]][], minCell: number) {
  const view = groups.map(([group, values]) => {
    const cell = publishDuration(values, minCell);
    return { group, n: values.length, cell, suppressed: cell.suppressed };
  });
  complement(
    view,
    (c) => c.n,
    (c) => {
      c.suppressed = true;
      c.cell = { children: null, median: null, q1: null, q3: null, suppressed: true };
    },
  );
  return view.map((c) => ({ group: c.group, ...c.cell }));
}
