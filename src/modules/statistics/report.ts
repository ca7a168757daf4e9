import type { z } from 'zod';
import type { Indicator } from './schemas.js';

type IndicatorOut = z.infer<typeof Indicator>;
export type Lang = 'en' | 'az';

/**
 * The indicators as a page people read (issue 11): SVG charts drawn here, on the server, with a
 * table under each, in English or Azerbaijani. No script, no external asset, printable. Every number
 * comes from the published (suppressed, rounded) figures: the page shows nothing the JSON does not.
 */
const T = {
  en: {
    title: 'Juvenile justice indicators',
    period: 'Period',
    census: 'Census date',
    note: 'Counts are rounded to the nearest 5; counts of fewer than {k} children are suppressed, with complementary suppression.',
    arrestedByRegion: 'Children arrested, by region',
    arrestedBySex: 'Children arrested, by sex',
    arrestedByAge: 'Children arrested, by age group',
    detention: 'Children in detention on the census date',
    shares: 'Shares (per cent)',
    durations: 'Durations: median and quartiles',
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
    suppressed: 'suppressed',
    none: 'none',
    notComputable: 'Not computable from case data',
  },
  az: {
    title: 'Yetkinlik yaşına çatmayanlar üzrə ədalət mühakiməsi göstəriciləri',
    period: 'Dövr',
    census: 'Siyahıya alma tarixi',
    note: 'Saylar 5-ə qədər yuvarlaqlaşdırılır; {k} uşaqdan az olan saylar gizlədilir (tamamlayıcı gizlətmə ilə).',
    arrestedByRegion: 'Həbs edilmiş uşaqlar, regionlar üzrə',
    arrestedBySex: 'Həbs edilmiş uşaqlar, cinsə görə',
    arrestedByAge: 'Həbs edilmiş uşaqlar, yaş qrupları üzrə',
    detention: 'Siyahıya alma tarixində saxlanılan uşaqlar',
    shares: 'Paylar (faizlə)',
    durations: 'Müddətlər: median və kvartillər',
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
    suppressed: 'gizlədilib',
    none: 'yoxdur',
    notComputable: 'İş məlumatlarından hesablana bilməz',
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
    .replaceAll('"', '&quot;');

const COLORS = ['#1f5f8b', '#2e8b57', '#b8860b', '#8b3a62', '#4b6584', '#c0392b'];

interface Bar {
  label: string;
  value: number | null;
  shown: string;
}

/** A horizontal bar chart; a suppressed value gets no bar and says so. */
function barChart(id: string, title: string, bars: Bar[], max: number | null = null): string {
  const width = 860;
  const labelW = 470;
  const rowH = 28;
  const height = bars.length * rowH + 20;
  const top = max ?? Math.max(1, ...bars.map((b) => b.value ?? 0));
  const rows = bars
    .map((b, i) => {
      const y = 10 + i * rowH;
      const w = b.value === null ? 0 : Math.round(((width - labelW - 80) * b.value) / top);
      return `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end" font-size="11" fill="#222">${esc(b.label)}</text>
<rect x="${labelW}" y="${y + 4}" width="${w}" height="${rowH - 10}" fill="${COLORS[i % COLORS.length]}" data-value="${b.value ?? ''}"></rect>
<text x="${labelW + w + 6}" y="${y + 17}" font-size="12" fill="#222">${esc(b.shown)}</text>`;
    })
    .join('\n');
  return `<svg id="${esc(id)}" class="chart" role="img" aria-labelledby="${esc(id)}-title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">
<title id="${esc(id)}-title">${esc(title)}</title>
<line x1="${labelW}" y1="4" x2="${labelW}" y2="${height - 6}" stroke="#888"></line>
${rows}
</svg>`;
}

/** Median with its quartile range, one row per duration. */
function rangeChart(
  id: string,
  title: string,
  rows: { label: string; q1: number; median: number; q3: number; unit: string }[],
) {
  const width = 860;
  const labelW = 470;
  const rowH = 30;
  const height = Math.max(1, rows.length) * rowH + 20;
  const top = Math.max(1, ...rows.map((r) => r.q3));
  const x = (v: number) => labelW + Math.round(((width - labelW - 90) * v) / top);
  const body = rows
    .map((r, i) => {
      const y = 10 + i * rowH + 15;
      return `<text x="${labelW - 8}" y="${y + 4}" text-anchor="end" font-size="11" fill="#222">${esc(r.label)}</text>
<line x1="${x(r.q1)}" y1="${y}" x2="${x(r.q3)}" y2="${y}" stroke="${COLORS[i % COLORS.length]}" stroke-width="8"></line>
<circle cx="${x(r.median)}" cy="${y}" r="6" fill="#222" data-value="${r.median}"></circle>
<text x="${x(r.q3) + 8}" y="${y + 4}" font-size="12" fill="#222">${esc(`${r.median} ${r.unit}`)}</text>`;
    })
    .join('\n');
  return `<svg id="${esc(id)}" class="chart" role="img" aria-labelledby="${esc(id)}-title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">
<title id="${esc(id)}-title">${esc(title)}</title>
<line x1="${labelW}" y1="4" x2="${labelW}" y2="${height - 6}" stroke="#888"></line>
${body}
</svg>`;
}

const table = (head: string[], rows: (string | number)[][]) =>
  `<table><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;

export function renderReport(
  report: { from: string; to: string; census: string; minCell: number; indicators: IndicatorOut[] },
  lang: Lang,
): string {
  const t = T[lang];
  const label = (i: IndicatorOut) => (lang === 'az' ? (AZ_LABELS[i.key] ?? i.label) : i.label);
  const byKey = new Map(report.indicators.map((i) => [i.key, i]));
  const shown = (v: number | null, suppressed: boolean) =>
    suppressed ? t.suppressed : v === null ? t.none : String(v);
  const sections: string[] = [];

  const arrested = byKey.get('children_arrested');
  const breakdowns: [string, string, 'region' | 'sex' | 'ageGroup'][] = [
    ['chart-region', t.arrestedByRegion, 'region'],
    ['chart-sex', t.arrestedBySex, 'sex'],
    ['chart-age', t.arrestedByAge, 'ageGroup'],
  ];
  for (const [id, title, dim] of breakdowns) {
    const cells = arrested?.breakdowns?.[dim] ?? [];
    sections.push(`<section><h2>${esc(title)}</h2>
${barChart(
  id,
  title,
  cells.map((c) => ({ label: c.group, value: c.count, shown: shown(c.count, c.suppressed) })),
)}
${table(
  [t.group, t.children, t.rate],
  cells.map((c) => [c.group, shown(c.count, c.suppressed), c.ratePer100k ?? '']),
)}</section>`);
  }

  const counts = [
    'children_arrested',
    'children_in_detention',
    'children_in_pre_sentence_detention',
    'deaths_in_detention',
  ]
    .map((k) => byKey.get(k))
    .filter((i): i is IndicatorOut => Boolean(i?.count));
  sections.push(`<section><h2>${esc(t.detention)}</h2>
${barChart(
  'chart-counts',
  t.detention,
  counts.map((i) => ({
    label: `${i.id}. ${label(i)}`,
    value: i.count!.count,
    shown: shown(i.count!.count, i.count!.suppressed),
  })),
)}
${table(
  [t.indicator, t.children, t.rate],
  counts.map((i) => [
    `${i.id}. ${label(i)}`,
    shown(i.count!.count, i.count!.suppressed),
    i.count!.ratePer100k ?? '',
  ]),
)}</section>`);

  const shares = report.indicators.filter((i) => i.share);
  sections.push(`<section><h2>${esc(t.shares)}</h2>
${barChart(
  'chart-shares',
  t.shares,
  shares.map((i) => ({
    label: `${i.id.length <= 2 ? `${i.id}. ` : ''}${label(i)}`,
    value: i.share!.percent,
    shown: i.share!.suppressed ? t.suppressed : i.share!.percent === null ? t.none : `${i.share!.percent} %`,
  })),
  100,
)}
${table(
  [t.indicator, t.numerator, t.denominator, t.percent],
  shares.map((i) => [
    label(i),
    shown(i.share!.numerator, i.share!.suppressed),
    shown(i.share!.denominator, i.share!.suppressed),
    i.share!.suppressed ? t.suppressed : (i.share!.percent ?? t.none),
  ]),
)}</section>`);

  const durations = report.indicators.filter((i) => i.duration);
  const plotted = durations.filter((i) => i.duration!.median !== null);
  sections.push(`<section><h2>${esc(t.durations)}</h2>
${rangeChart(
  'chart-durations',
  t.durations,
  plotted.map((i) => ({
    label: label(i),
    q1: i.duration!.q1!,
    median: i.duration!.median!,
    q3: i.duration!.q3!,
    unit: i.unit ?? '',
  })),
)}
${table(
  [t.indicator, t.children, t.q1, t.median, t.q3, t.unit],
  durations.map((i) => {
    const d = i.duration!;
    return [
      label(i),
      shown(d.children, d.suppressed),
      d.suppressed ? t.suppressed : (d.q1 ?? t.none),
      d.suppressed ? t.suppressed : (d.median ?? t.none),
      d.suppressed ? t.suppressed : (d.q3 ?? t.none),
      i.unit ?? '',
    ];
  }),
)}</section>`);

  const notComputable = report.indicators.filter((i) => i.kind === 'not_computable');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<title>${esc(t.title)} ${esc(report.from)} – ${esc(report.to)}</title>
<style>
body { font-family: sans-serif; margin: 2rem; color: #222; max-width: 60rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.5rem; text-align: left; }
td { text-align: right; }
section { break-inside: avoid; }
@media print { body { margin: 0; } section { page-break-inside: avoid; } }
</style>
</head>
<body>
<h1>${esc(t.title)}</h1>
<p>${esc(t.period)}: ${esc(report.from)} – ${esc(report.to)}. ${esc(t.census)}: ${esc(report.census)}.</p>
<p>${esc(t.note.replace('{k}', String(report.minCell)))}</p>
${sections.join('\n')}
${notComputable.map((i) => `<p>${esc(`${i.id}. ${label(i)}`)}: ${esc(t.notComputable)}.</p>`).join('\n')}
</body>
</html>
`;
}
