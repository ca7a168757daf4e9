import type { z } from 'zod';
import type { Indicator } from './schemas.js';

type IndicatorOut = z.infer<typeof Indicator>;
export type Lang = 'en' | 'az';

/**
 * The indicators as a page people read (issue 11): SVG charts drawn here, on the server, with a
 * table under each, in English or Azerbaijani. No script, no external asset, printable. Every number
 * comes from the published (suppressed, rounded) figures: the page shows nothing the JSON does not.
 * A suppressed figure is drawn as a dashed, empty mark and written "suppressed" — never as a zero
 * bar — and chart scales are taken from published figures only.
 */
const T = {
  en: {
    title: 'Juvenile justice indicators',
    period: 'Period',
    census: 'Census date',
    note: 'Counts are rounded to the nearest 5; counts of fewer than {k} children are suppressed, with complementary suppression.',
    legendSuppressed:
      'Fewer than {k} children, or hidden together with such a figure so that it cannot be worked out from the total (complementary suppression). A suppressed figure is not zero.',
    legendNone: 'No figure: no children in the group, or no population figure for a rate.',
    legendRange: 'Median (line), with a box from the first to the third quartile.',
    legendQuartiles:
      'First and third quartile: a quarter of the children had a shorter time, a quarter a longer one.',
    detention: 'Children arrested, detained and in pre-sentence detention',
    shares: 'Shares (per cent)',
    durations: 'Durations: median and quartiles',
    breakdowns: 'Breakdowns by region, sex and age group',
    breakdownsIntro:
      'Each indicator within each group: counts with their rate per 100,000 children, shares in per cent, durations as the median and quartiles of the group.',
    empty: 'No children counted: nothing to break down.',
    group: 'Group',
    children: 'Children',
    rate: 'Per 100,000 children',
    indicator: 'Indicator',
    percent: 'Per cent',
    numerator: 'Of',
    denominator: 'Out of',
    median: 'Median',
    q1: 'First quartile',
    q3: 'Third quartile',
    unit: 'Unit',
    all: 'All',
    suppressed: 'suppressed',
    none: 'none',
    notComputable: 'Not computable from case data',
    dims: {
      region: { by: 'By region', head: 'Region' },
      sex: { by: 'By sex', head: 'Sex' },
      ageGroup: { by: 'By age group', head: 'Age group' },
    },
    groups: {
      female: 'Female',
      male: 'Male',
      other: 'Other',
      unknown: 'Not recorded',
      under_14: 'Under 14',
      '14-15': '14–15',
      '16-17': '16–17',
      '18_plus': '18 and over',
    } as Record<string, string>,
    units: {
      children: 'children',
      days: 'days',
      hours: 'hours',
      assignments: 'assignments',
      facilities: 'facilities',
    } as Record<string, string>,
  },
  az: {
    title: 'Yetkinlik yaşına çatmayanlar üzrə ədalət mühakiməsi göstəriciləri',
    period: 'Dövr',
    census: 'Siyahıya alma tarixi',
    note: 'Saylar 5-ə qədər yuvarlaqlaşdırılır; {k} uşaqdan az olan saylar gizlədilir (tamamlayıcı gizlətmə ilə).',
    legendSuppressed:
      '{k} uşaqdan az, yaxud belə bir rəqəmin cəmdən hesablanmaması üçün onunla birlikdə gizlədilib (tamamlayıcı gizlətmə). Gizlədilmiş rəqəm sıfır demək deyil.',
    legendNone: 'Rəqəm yoxdur: qrupda uşaq yoxdur və ya əmsal üçün əhali rəqəmi yoxdur.',
    legendRange: 'Median (xətt), birinci kvartildən üçüncü kvartilə qədər qutu ilə.',
    legendQuartiles:
      'Birinci və üçüncü kvartil: uşaqların dörddə birində müddət daha qısa, dörddə birində daha uzun olub.',
    detention: 'Həbs edilmiş, saxlanılan və hökmdən əvvəl həbsdə olan uşaqlar',
    shares: 'Paylar (faizlə)',
    durations: 'Müddətlər: median və kvartillər',
    breakdowns: 'Region, cins və yaş qrupu üzrə bölgülər',
    breakdownsIntro:
      'Hər göstərici hər qrup daxilində: saylar 100 000 uşağa düşən əmsalla, paylar faizlə, müddətlər qrupun medianı və kvartilləri ilə.',
    empty: 'Heç bir uşaq hesablanmayıb: bölgü yoxdur.',
    group: 'Qrup',
    children: 'Uşaqlar',
    rate: '100 000 uşağa',
    indicator: 'Göstərici',
    percent: 'Faiz',
    numerator: 'Say',
    denominator: 'Ümumi',
    median: 'Median',
    q1: 'Birinci kvartil',
    q3: 'Üçüncü kvartil',
    unit: 'Vahid',
    all: 'Hamısı',
    suppressed: 'gizlədilib',
    none: 'yoxdur',
    notComputable: 'İş məlumatlarından hesablana bilməz',
    dims: {
      region: { by: 'Regionlar üzrə', head: 'Region' },
      sex: { by: 'Cinsə görə', head: 'Cins' },
      ageGroup: { by: 'Yaş qrupları üzrə', head: 'Yaş qrupu' },
    },
    groups: {
      female: 'Qız',
      male: 'Oğlan',
      other: 'Digər',
      unknown: 'Qeyd edilməyib',
      under_14: '14 yaşadək',
      '14-15': '14–15',
      '16-17': '16–17',
      '18_plus': '18 və yuxarı',
    } as Record<string, string>,
    units: {
      children: 'uşaq',
      days: 'gün',
      hours: 'saat',
      assignments: 'təyinat',
      facilities: 'müəssisə',
    } as Record<string, string>,
  },
} as const;

/** Indicator labels in Azerbaijani; English labels come with the figures. */
const AZ_LABELS: Record<string, string> = {
  children_arrested: 'Dövr ərzində həbs edilmiş uşaqlar',
  children_in_detention: 'Siyahıya alma tarixində azadlıqdan məhrum edilmiş uşaqlar',
  children_in_pre_sentence_detention: 'Hökmdən əvvəl həbsdə olan uşaqlar',
  duration_of_pre_sentence_detention: 'Hökmdən əvvəl həbsin müddəti',
  duration_of_sentenced_detention: 'Hökmlə azadlıqdan məhrumetmənin müddəti',
  deaths_in_detention: 'Həbsdə uşaq ölümləri',
  not_wholly_separated_from_adults: 'Böyüklərdən tam ayrılmayan uşaqlar',
  contact_with_parents_and_family: 'Valideynlər və ailə ilə əlaqə',
  custodial_sentencing: 'Azadlıqdan məhrumetmə hökmləri',
  pre_sentence_diversion: 'Hökmdən əvvəl alternativ tədbirlər',
  aftercare: 'Azad edildikdən sonra dəstək',
  regular_independent_inspections: 'Müntəzəm müstəqil yoxlamalar',
  complaints_mechanism: 'Şikayət mexanizmi',
  specialised_juvenile_justice: 'İxtisaslaşmış yetkinlik yaşına çatmayanlar ədalət mühakiməsi',
  prevention: 'Qarşısının alınması',
  legal_aid_coverage: 'Hüquqi yardımla əhatə',
  time_to_legal_aid: 'Həbsdən hüquqi yardımın təyininə qədər vaxt',
  time_to_first_hearing: 'Həbsdən ilk məhkəmə iclasına qədər vaxt',
  heard_within_limit: 'Müddət ərzində dinlənilmiş uşaqlar',
  reoffending: 'Təkrar hüquqpozma',
};

const esc = (s: unknown) =>
  String(s)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

const COLORS = { count: '#2e7d4f', share: '#1f5f8b', duration: '#a86a00', all: '#666666' } as const;
const TEXT = '#222';
const MUTED = '#555';
const FONT = 11;
/** Average advance of an 11 px sans-serif character, for truncating and wrapping labels. */
const CHAR_W = 6.3;

/** One row of a chart: a published value, a suppressed figure, or nothing to show. */
interface Row {
  label: string;
  state: 'value' | 'suppressed' | 'none';
  /** Bar length, or the median of a range. */
  value?: number;
  q1?: number;
  q3?: number;
  /** What is written at the end of the row. */
  text: string;
  all?: boolean;
}

interface ChartOptions {
  kind: 'count' | 'share' | 'duration';
  width: number;
  labelW: number;
  /** Fixed top of the scale (100 for per cent); else a round number above the largest value. */
  max?: number;
  unit: string;
  lines?: number;
}

/** A round number at or above x (1, 2, 2.5, 5 times a power of ten). */
function niceTop(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** Splits a label into at most `lines` lines of `chars` characters; the last one ends in "…" if cut. */
function wrap(label: string, chars: number, lines: number): string[] {
  const words = label.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let line = '';
  for (const w of words) {
    if (!line) line = w;
    else if (line.length + 1 + w.length <= chars) line += ` ${w}`;
    else {
      out.push(line);
      line = w;
    }
  }
  if (line) out.push(line);
  const kept = out.slice(0, lines).map((l) => (l.length > chars ? `${l.slice(0, chars - 1)}…` : l));
  if (out.length > lines) {
    const last = kept[lines - 1];
    kept[lines - 1] = `${last.length >= chars ? last.slice(0, chars - 1) : last}…`;
  }
  return kept.length ? kept : [''];
}

/**
 * A horizontal chart: bars for counts and shares, a quartile box with a median line for durations.
 * A suppressed row gets a dashed empty mark and the word "suppressed", never a bar; a row with no
 * figure gets "–". Every string from the data is escaped, and long labels are cut (the full label
 * is the row's tooltip and stands in the table under the chart).
 */
function chart(id: string, title: string, rows: Row[], o: ChartOptions, fmt: Fmt) {
  const chars = Math.max(6, Math.floor((o.labelW - 10) / CHAR_W));
  const lines = o.lines ?? (rows.some((r) => r.label.length > chars) ? 2 : 1);
  const rowH = lines > 1 ? 34 : 24;
  const top = 6;
  const axisH = 18;
  const height = top + rows.length * rowH + axisH;
  const textRoom = o.kind === 'duration' ? 84 : 76;
  const plotW = o.width - o.labelW - textRoom;
  const values = rows.filter((r) => r.state === 'value').flatMap((r) => [r.value ?? 0, r.q3 ?? 0]);
  const scaleTop = o.max ?? niceTop(Math.max(0, ...values));
  const x = (v: number) => o.labelW + Math.round((plotW * Math.min(v, scaleTop)) / scaleTop);
  const color = COLORS[o.kind];
  const body = rows
    .map((r, i) => {
      const y0 = top + i * rowH;
      const mid = y0 + rowH / 2;
      const labelLines = wrap(r.label, chars, lines);
      const label = `<text x="${o.labelW - 8}" y="${mid + 4 - ((labelLines.length - 1) * 12) / 2}" text-anchor="end" font-size="${FONT}" fill="${TEXT}"${r.all ? ' font-weight="bold"' : ''}>${labelLines
        .map((l, j) => `<tspan x="${o.labelW - 8}" dy="${j === 0 ? 0 : 12}">${esc(l)}</tspan>`)
        .join('')}</text>`;
      const fill = r.all ? COLORS.all : color;
      let mark: string;
      let end: number;
      if (r.state === 'suppressed') {
        mark = `<rect class="mark suppressed" x="${o.labelW + 1}" y="${mid - 6}" width="14" height="12" fill="#fff" stroke="#777" stroke-dasharray="2 2" data-suppressed="true"></rect>`;
        end = o.labelW + 15;
      } else if (r.state === 'none') {
        mark = '';
        end = o.labelW;
      } else if (o.kind === 'duration') {
        const a = x(r.q1 ?? 0);
        const b = x(r.q3 ?? 0);
        const m = x(r.value ?? 0);
        mark = `<rect class="mark" x="${a}" y="${mid - 6}" width="${Math.max(1, b - a)}" height="12" fill="${fill}" fill-opacity="0.25" stroke="${fill}" data-q1="${r.q1}" data-q3="${r.q3}"></rect>
<line x1="${m}" y1="${mid - 8}" x2="${m}" y2="${mid + 8}" stroke="${TEXT}" stroke-width="3" data-value="${r.value}"></line>`;
        end = Math.max(b, m + 2);
      } else {
        const w = x(r.value ?? 0) - o.labelW;
        mark = `<rect class="mark" x="${o.labelW}" y="${mid - 7}" width="${w}" height="14" fill="${fill}" data-value="${r.value}"></rect>`;
        end = o.labelW + w;
      }
      const text = `<text x="${end + 5}" y="${mid + 4}" font-size="${FONT}" fill="${r.state === 'value' ? TEXT : MUTED}"${r.state === 'suppressed' ? ' font-style="italic"' : ''}>${esc(r.text)}</text>`;
      return `<g><title>${esc(`${r.label}: ${r.text}`)}</title>${label}
${mark}
${text}</g>`;
    })
    .join('\n');
  const axisY = top + rows.length * rowH + 2;
  const axis = `<line x1="${o.labelW}" y1="${top - 2}" x2="${o.labelW}" y2="${axisY}" stroke="#888"></line>
<line x1="${o.labelW}" y1="${axisY}" x2="${o.labelW + plotW}" y2="${axisY}" stroke="#bbb"></line>
<line x1="${o.labelW + plotW}" y1="${axisY - 3}" x2="${o.labelW + plotW}" y2="${axisY + 3}" stroke="#bbb"></line>
<text x="${o.labelW}" y="${axisY + 13}" font-size="10" fill="${MUTED}" text-anchor="middle">0</text>
${
  // No published value: no scale to speak of, except per cent.
  o.max === undefined && values.length === 0
    ? ''
    : `<text x="${o.labelW + plotW}" y="${axisY + 13}" font-size="10" fill="${MUTED}" text-anchor="middle">${esc(
        o.kind === 'share' ? `${fmt(scaleTop)} %` : `${fmt(scaleTop)} ${o.unit}`,
      )}</text>`
}`;
  return `<svg id="${esc(id)}" class="chart chart-${o.kind}" role="img" aria-labelledby="${esc(id)}-title" width="${o.width}" height="${height}" viewBox="0 0 ${o.width} ${height}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">
<title id="${esc(id)}-title">${esc(title)}</title>
${axis}
${body}
</svg>`;
}

type Cell = string | number | { suppressed: true } | { none: true };

/** A table with a caption, column headers and row headers; suppressed cells are marked. */
function table(
  caption: string,
  head: (string | { abbr: string; title: string })[],
  rows: Cell[][],
  t: (typeof T)[Lang],
  fmt: Fmt,
  foot?: Cell[],
) {
  const td = (c: Cell, i: number) => {
    const tag = i === 0 ? 'th scope="row"' : 'td';
    const close = i === 0 ? 'th' : 'td';
    if (typeof c === 'object' && 'suppressed' in c)
      return `<${tag} class="suppressed">${esc(t.suppressed)}</${close}>`;
    if (typeof c === 'object') return `<${tag} class="none">–</${close}>`;
    if (typeof c === 'number') return `<${tag}>${esc(fmt(c))}</${close}>`;
    return i === 0 ? `<${tag}>${esc(c)}</${close}>` : `<td class="text">${esc(c)}</td>`;
  };
  // A suppressed group hides all its figures: one cell says so across them, which keeps the table narrow.
  const tr = (r: Cell[]) =>
    r.length > 2 && r.slice(1).every((c) => typeof c === 'object' && 'suppressed' in c)
      ? `<tr>${td(r[0], 0)}<td class="suppressed" colspan="${r.length - 1}">${esc(t.suppressed)}</td></tr>`
      : `<tr>${r.map(td).join('')}</tr>`;
  return `<table><caption>${esc(caption)}</caption><thead><tr>${head
    .map(
      (h) =>
        `<th scope="col">${typeof h === 'string' ? esc(h) : `<abbr title="${esc(h.title)}">${esc(h.abbr)}</abbr>`}</th>`,
    )
    .join(
      '',
    )}</tr></thead><tbody>${rows.map(tr).join('')}</tbody>${foot ? `<tfoot>${tr(foot)}</tfoot>` : ''}</table>`;
}

type Fmt = (n: number) => string;
const SUPPRESSED = { suppressed: true } as const;
const NONE = { none: true } as const;
const DIMS = ['region', 'sex', 'ageGroup'] as const;
type Dim = (typeof DIMS)[number];

export function renderReport(
  report: { from: string; to: string; census: string; minCell: number; indicators: IndicatorOut[] },
  lang: Lang,
): string {
  const t = T[lang];
  const nf = new Intl.NumberFormat(lang === 'az' ? 'az-Latn-AZ' : 'en-GB', { maximumFractionDigits: 1 });
  const fmt: Fmt = (n) => nf.format(n);
  const label = (i: IndicatorOut) => (lang === 'az' ? (AZ_LABELS[i.key] ?? i.label) : i.label);
  const numbered = (i: IndicatorOut) => `${/^\d+$/.test(i.id) ? `${i.id}. ` : ''}${label(i)}`;
  const unit = (u: string | null) => (u ? (t.units[u] ?? u) : '');
  const group = (dim: Dim, g: string) =>
    dim === 'region' ? (g === 'unknown' ? t.groups.unknown : g) : (t.groups[g] ?? g);
  const k = report.minCell;
  const byKey = new Map(report.indicators.map((i) => [i.key, i]));
  /** A published figure, or the suppressed / no-figure mark. */
  const cellOf = (v: number | null | undefined, suppressed: boolean): Cell =>
    suppressed ? SUPPRESSED : v === null || v === undefined ? NONE : v;
  const textOf = (v: number | null | undefined, suppressed: boolean, suffix = '') =>
    suppressed ? t.suppressed : v === null || v === undefined ? '–' : `${fmt(v)}${suffix}`;
  const stateOf = (v: number | null | undefined, suppressed: boolean): Row['state'] =>
    suppressed ? 'suppressed' : v === null || v === undefined ? 'none' : 'value';
  const BIG = { width: 860, labelW: 430, lines: 2 };
  const sections: string[] = [];

  // Indicators 1, 2, 3 and 6: counts of children.
  const counts = [
    'children_arrested',
    'children_in_detention',
    'children_in_pre_sentence_detention',
    'deaths_in_detention',
  ]
    .map((key) => byKey.get(key))
    .filter((i): i is IndicatorOut => Boolean(i?.count));
  sections.push(`<section><h2>${esc(t.detention)}</h2>
${chart(
  'chart-counts',
  t.detention,
  counts.map((i) => ({
    label: numbered(i),
    state: stateOf(i.count!.count, i.count!.suppressed),
    value: i.count!.count ?? undefined,
    text: textOf(i.count!.count, i.count!.suppressed),
  })),
  { kind: 'count', ...BIG, unit: t.units.children },
  fmt,
)}
${table(
  t.detention,
  [t.indicator, t.children, t.rate],
  counts.map((i) => [
    numbered(i),
    cellOf(i.count!.count, i.count!.suppressed),
    cellOf(i.count!.ratePer100k, i.count!.suppressed),
  ]),
  t,
  fmt,
)}</section>`);

  const shares = report.indicators.filter((i) => i.share);
  sections.push(`<section><h2>${esc(t.shares)}</h2>
${chart(
  'chart-shares',
  t.shares,
  shares.map((i) => ({
    label: numbered(i),
    state: stateOf(i.share!.percent, i.share!.suppressed),
    value: i.share!.percent ?? undefined,
    text: textOf(i.share!.percent, i.share!.suppressed, ' %'),
  })),
  { kind: 'share', ...BIG, max: 100, unit: '%' },
  fmt,
)}
${table(
  t.shares,
  [t.indicator, t.numerator, t.denominator, t.percent, t.unit],
  shares.map((i) => [
    numbered(i),
    cellOf(i.share!.numerator, i.share!.suppressed),
    cellOf(i.share!.denominator, i.share!.suppressed),
    cellOf(i.share!.percent, i.share!.suppressed),
    unit(i.unit),
  ]),
  t,
  fmt,
)}</section>`);

  // Durations, one chart per unit: days and hours on one scale would squash the hours.
  const durations = report.indicators.filter((i) => i.duration);
  const durationUnits = [...new Set(durations.map((i) => i.unit ?? ''))];
  sections.push(`<section><h2>${esc(t.durations)}</h2>
${durationUnits
  .map((u) => {
    const these = durations.filter((i) => (i.unit ?? '') === u);
    const title = `${t.durations} (${unit(u)})`;
    return `${chart(
      `chart-durations-${u}`,
      title,
      these.map((i) => {
        const d = i.duration!;
        return {
          label: numbered(i),
          state: stateOf(d.median, d.suppressed),
          value: d.median ?? undefined,
          q1: d.q1 ?? undefined,
          q3: d.q3 ?? undefined,
          text: textOf(d.median, d.suppressed, ` ${unit(u)}`),
        };
      }),
      { kind: 'duration', ...BIG, unit: unit(u) },
      fmt,
    )}
${table(
  title,
  [t.indicator, t.children, `${t.q1} (${unit(u)})`, `${t.median} (${unit(u)})`, `${t.q3} (${unit(u)})`],
  these.map((i) => {
    const d = i.duration!;
    return [
      numbered(i),
      cellOf(d.children, d.suppressed),
      cellOf(d.q1, d.suppressed),
      cellOf(d.median, d.suppressed),
      cellOf(d.q3, d.suppressed),
    ];
  }),
  t,
  fmt,
)}`;
  })
  .join('\n')}</section>`);

  // Breakdowns: every indicator that has them, one chart and one table per dimension.
  const broken = report.indicators.filter((i) => i.breakdowns || i.shareBreakdowns || i.durationBreakdowns);
  const breakdownSections = broken.map((i) => {
    const figures = DIMS.map((dim) => breakdownFigure(i, dim));
    const anything = figures.some((f) => f !== null);
    return `<section class="indicator" id="breakdowns-${esc(i.key)}"><h3>${esc(numbered(i))}</h3>
${anything ? `<div class="figures">${figures.filter(Boolean).join('\n')}</div>` : `<p class="empty">${esc(t.empty)}</p>`}
</section>`;
  });

  /** The chart and table of one dimension, or null when no group has any child in it. */
  function breakdownFigure(i: IndicatorOut, dim: Dim): string | null {
    const id = `chart-${i.key}-${dim}`;
    const d = t.dims[dim];
    const caption = `${numbered(i)}: ${d.by.toLocaleLowerCase(lang === 'az' ? 'az' : 'en')}`;
    const small = { width: 300, labelW: 104 };
    let svg: string;
    let tbl: string;
    if (i.breakdowns) {
      const cells = i.breakdowns[dim];
      if (!cells.some((c) => c.suppressed || (c.count ?? 0) > 0)) return null;
      const total = i.count!;
      svg = chart(
        id,
        `${caption} (${unit(i.unit)})`,
        [
          {
            label: t.all,
            all: true,
            state: stateOf(total.count, total.suppressed),
            value: total.count ?? undefined,
            text: textOf(total.count, total.suppressed),
          },
          ...cells.map((c) => ({
            label: group(dim, c.group),
            state: stateOf(c.count, c.suppressed),
            value: c.count ?? undefined,
            text: textOf(c.count, c.suppressed),
          })),
        ],
        { kind: 'count', ...small, unit: unit(i.unit) },
        fmt,
      );
      tbl = table(
        `${caption} (${unit(i.unit)})`,
        [d.head, t.children, t.rate],
        cells.map((c) => [
          group(dim, c.group),
          cellOf(c.count, c.suppressed),
          cellOf(c.ratePer100k, c.suppressed),
        ]),
        t,
        fmt,
        [t.all, cellOf(total.count, total.suppressed), cellOf(total.ratePer100k, total.suppressed)],
      );
    } else if (i.shareBreakdowns) {
      const cells = i.shareBreakdowns[dim];
      if (!cells.some((c) => c.suppressed || (c.denominator ?? 0) > 0)) return null;
      const total = i.share!;
      svg = chart(
        id,
        `${caption} (%)`,
        [
          {
            label: t.all,
            all: true,
            state: stateOf(total.percent, total.suppressed),
            value: total.percent ?? undefined,
            text: textOf(total.percent, total.suppressed, ' %'),
          },
          ...cells.map((c) => ({
            label: group(dim, c.group),
            state: stateOf(c.percent, c.suppressed),
            value: c.percent ?? undefined,
            text: textOf(c.percent, c.suppressed, ' %'),
          })),
        ],
        { kind: 'share', ...small, max: 100, unit: '%' },
        fmt,
      );
      const u = unit(i.unit);
      tbl = table(
        `${caption} (${u}, %)`,
        [d.head, t.numerator, t.denominator, '%'],
        cells.map((c) => [
          group(dim, c.group),
          cellOf(c.numerator, c.suppressed),
          cellOf(c.denominator, c.suppressed),
          cellOf(c.percent, c.suppressed),
        ]),
        t,
        fmt,
        [
          t.all,
          cellOf(total.numerator, total.suppressed),
          cellOf(total.denominator, total.suppressed),
          cellOf(total.percent, total.suppressed),
        ],
      );
    } else {
      const cells = i.durationBreakdowns![dim];
      if (!cells.some((c) => c.suppressed || (c.children ?? 0) > 0)) return null;
      const total = i.duration!;
      const u = unit(i.unit);
      const row = (lbl: string, c: typeof total, all = false): Row => ({
        label: lbl,
        all,
        state: stateOf(c.median, c.suppressed),
        value: c.median ?? undefined,
        q1: c.q1 ?? undefined,
        q3: c.q3 ?? undefined,
        text: c.suppressed ? t.suppressed : c.median === null ? '–' : `${fmt(c.median)} ${u}`,
      });
      svg = chart(
        id,
        `${caption} (${u})`,
        [row(t.all, total, true), ...cells.map((c) => row(group(dim, c.group), c))],
        { kind: 'duration', ...small, unit: u },
        fmt,
      );
      tbl = table(
        `${caption} (${u})`,
        [d.head, t.children, { abbr: 'Q1', title: t.q1 }, t.median, { abbr: 'Q3', title: t.q3 }],
        cells.map((c) => [
          group(dim, c.group),
          cellOf(c.children, c.suppressed),
          cellOf(c.q1, c.suppressed),
          cellOf(c.median, c.suppressed),
          cellOf(c.q3, c.suppressed),
        ]),
        t,
        fmt,
        [
          t.all,
          cellOf(total.children, total.suppressed),
          cellOf(total.q1, total.suppressed),
          cellOf(total.median, total.suppressed),
          cellOf(total.q3, total.suppressed),
        ],
      );
    }
    return `<figure class="breakdown" data-dimension="${dim}"><figcaption>${esc(d.by)}</figcaption>
${svg}
${tbl}</figure>`;
  }

  const notComputable = report.indicators.filter((i) => i.kind === 'not_computable');
  const legendMark = `<svg class="legend-mark" width="16" height="12" viewBox="0 0 16 12" aria-hidden="true"><rect x="1" y="1" width="14" height="10" fill="#fff" stroke="#777" stroke-dasharray="2 2"></rect></svg>`;
  const boxMark = `<svg class="legend-mark" width="30" height="14" viewBox="0 0 30 14" aria-hidden="true"><rect x="3" y="2" width="24" height="10" fill="${COLORS.duration}" fill-opacity="0.25" stroke="${COLORS.duration}"></rect><line x1="13" y1="0" x2="13" y2="14" stroke="${TEXT}" stroke-width="3"></line></svg>`;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(t.title)} ${esc(report.from)} – ${esc(report.to)}</title>
<style>
body { font-family: sans-serif; margin: 2rem auto; padding: 0 1rem; color: #222; max-width: 60rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1rem; margin: 1.5rem 0 0.5rem; }
svg.chart { display: block; max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.85rem; }
caption { text-align: left; font-size: 0.8rem; color: #555; padding-bottom: 0.2rem; caption-side: top; }
th, td { border: 1px solid #bbb; padding: 0.2rem 0.4rem; text-align: left; vertical-align: top; }
tbody th { font-weight: normal; overflow-wrap: anywhere; }
abbr[title] { text-decoration: none; }
td { text-align: right; font-variant-numeric: tabular-nums; }
td.suppressed { text-align: center; font-style: italic; color: #555; background: repeating-linear-gradient(135deg, #fff 0 4px, #eee 4px 6px); }
td.none { color: #777; text-align: center; }
td.text { text-align: left; }
tfoot th, tfoot td { font-weight: bold; border-top: 2px solid #888; }
.legend { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 0.75rem; align-items: baseline; border: 1px solid #ccc; padding: 0.5rem 0.75rem; font-size: 0.85rem; }
.legend dt { text-align: center; white-space: nowrap; } .legend dd { margin: 0; }
.legend-mark { vertical-align: middle; margin-right: 0.3rem; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr)); gap: 0 1.25rem; }
figure { margin: 0; min-width: 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 0.85rem; font-weight: bold; margin-bottom: 0.25rem; }
figure table { width: 100%; font-size: 0.78rem; }
section { break-inside: avoid; }
p.empty { color: #555; font-style: italic; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  section { page-break-inside: avoid; }
  section.indicator { break-inside: auto; page-break-inside: auto; }
  svg.chart, table { break-inside: avoid; page-break-inside: avoid; }
  td.suppressed { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
</style>
</head>
<body>
<h1>${esc(t.title)}</h1>
<p>${esc(t.period)}: ${esc(report.from)} – ${esc(report.to)}. ${esc(t.census)}: ${esc(report.census)}.</p>
<p>${esc(t.note.replace('{k}', String(k)))}</p>
<dl class="legend">
<dt>${legendMark}<i>${esc(t.suppressed)}</i></dt><dd id="legend-suppressed">${esc(t.legendSuppressed.replace('{k}', String(k)))}</dd>
<dt>–</dt><dd id="legend-none">${esc(t.legendNone)}</dd>
<dt>${boxMark}</dt><dd id="legend-range">${esc(t.legendRange)}</dd>
<dt>Q1, Q3</dt><dd id="legend-quartiles">${esc(t.legendQuartiles)}</dd>
</dl>
${sections.join('\n')}
<h2>${esc(t.breakdowns)}</h2>
<p>${esc(t.breakdownsIntro)}</p>
${breakdownSections.join('\n')}
${notComputable.map((i) => `<p>${esc(`${i.id}. ${label(i)}`)}: ${esc(t.notComputable)}.</p>`).join('\n')}
</body>
</html>
`;
}
