import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { createStaff, expectAudited } from './helpers/case-path.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

/**
 * The indicators on a synthetic jurisdiction built through the API, with every expected value
 * worked out by hand below. Period: October 2026 (from 2026-10-01 to 2026-11-01), census date
 * 2026-11-01. MIN_CELL 5, counts rounded to the nearest 5, rates and shares from rounded counts.
 *
 * Twelve children, i = 0..11, each arrested once on 2026-10-05 (08:00 + i hours):
 *   sex: even i female, odd i male (6 / 6); age at offence: i < 5 -> 14, else 16 (5 / 7);
 *   region: i < 8 north, else south (8 / 4); detained at arrest: i < 7 (7 children).
 *   i = 0..5: pre-trial detention from 2026-10-06 in facility F1 (separated, complaints mechanism),
 *             still held on the census date (6 children, all north; 3 female, 3 male; ages 14 x5, 16 x1);
 *             a lawyer (specialised) assigned 2(i+1) hours after the arrest: 2, 4, 6, 8, 10, 12 h.
 *   i = 0..4: a family visit on 2026-10-20 (5 of the 6 held).
 *   i = 6..10: pre-trial detention from 2026-10-06, released 2, 4, 6, 8, 10 days later, with aftercare.
 * Facilities: F1 (independent inspection 2026-10-15, complaints mechanism), F2 (neither).
 * Population 2026, ages 14..17: north 1,250 per sex and age (10,000), south 625 (5,000): 15,000;
 *   per sex 7,500; per age group (14-15, 16-17) 7,500.
 * A thirteenth child is arrested on 2026-11-03 (outside October) for the overlapping-period check.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const at = (day: number, hour = 0) => new Date(Date.UTC(2026, 9, day, hour)).toISOString();
const plusHours = (iso: string, hours: number) =>
  new Date(new Date(iso).getTime() + hours * 3_600_000).toISOString();

let analyst: Client;
let clerk: Client;
const caseIds: string[] = [];

async function build() {
  const admin = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
  const auditor = await h.as({ sub: uid('auditor'), roles: ['auditor'], org: 'oversight' });
  analyst = await h.as({ sub: uid('analyst'), roles: ['analyst'], org: 'statistics' });
  const court = await createOrg(h, 'court');
  clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
  const lawyer = await createStaff(h, 'legal_aid_lawyer');
  const facility = async (name: string, good: boolean) =>
    (
      await admin.post('/v1/facilities', {
        name,
        kind: 'juvenile_detention_centre',
        region: 'north',
        separatedFromAdults: true,
        complaintsMechanism: good,
      })
    ).json();
  const f1 = await facility(uid('F1'), true);
  await facility(uid('F2'), false);
  const inspected = await auditor.post(`/v1/facilities/${f1.id}/inspections`, {
    inspectedAt: at(15),
    inspectorBody: 'National preventive mechanism',
    independent: true,
  });
  expect(inspected.statusCode, inspected.body).toBe(201);

  for (let i = 0; i < 12; i++) {
    const person = await createPerson(clerk, {
      sex: i % 2 === 0 ? 'female' : 'male',
      dateOfBirth: i < 5 ? '2012-03-01' : '2010-05-01',
      region: i < 8 ? 'north' : 'south',
    });
    const intakeAt = at(5, 8 + i);
    const kase = await createCase(clerk, person.id, {
      detained: i < 7,
      offenceDate: plusHours(intakeAt, -1),
      intakeAt,
      guardiansNotifiedAt: plusHours(intakeAt, 0.5),
    });
    caseIds.push(kase.id);
    if (i <= 10) {
      const episode = await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
        kind: 'pre_trial',
        facilityId: f1.id,
        startedAt: at(6, 10),
      });
      expect(episode.statusCode, episode.body).toBe(201);
      if (i >= 6) {
        const released = await clerk.post(`/v1/custody-episodes/${episode.json().id}/end`, {
          releasedAt: plusHours(at(6, 10), 24 * 2 * (i - 5)),
          releaseReason: 'Released',
          aftercare: { provided: true, kind: 'education' },
        });
        expect(released.statusCode, released.body).toBe(200);
      }
      if (i <= 4) {
        const visit = await clerk.post(`/v1/custody-episodes/${episode.json().id}/visits`, {
          occurredAt: at(20, 15),
          visitorRelationship: 'parent',
        });
        expect(visit.statusCode, visit.body).toBe(201);
      }
    }
    if (i <= 5) {
      const assigned = await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, {
        lawyerSub: lawyer.sub,
        assignedAt: plusHours(intakeAt, 2 * (i + 1)),
      });
      expect(assigned.statusCode, assigned.body).toBe(201);
    }
  }
  const november = await createPerson(clerk, { dateOfBirth: '2010-05-01', region: 'north' });
  await createCase(clerk, november.id, {
    detained: false,
    offenceDate: '2026-11-03T09:00:00Z',
    intakeAt: '2026-11-03T10:00:00Z',
    guardiansNotifiedAt: '2026-11-03T11:00:00Z',
  });

  const figures = [];
  for (const region of ['north', 'south'])
    for (const sex of ['female', 'male'])
      for (const age of [14, 15, 16, 17])
        figures.push({ region, sex, age, count: region === 'north' ? 1250 : 625 });
  const put = await analyst.put('/v1/statistics/population', { year: 2026, figures });
  await expectAudited(h, put, 200, 1);
}

const byKey = (report: any) => Object.fromEntries(report.indicators.map((i: any) => [i.key, i]));
const cell = (cells: any[], group: string) => cells.find((c) => c.group === group);

/** The section of the report page that breaks one indicator down. */
const sectionOf = (html: string, key: string) => {
  const start = html.indexOf(`<section class="indicator" id="breakdowns-${key}">`);
  expect(start, key).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</section>', start));
};

/** One breakdown's chart and table: each body row as its cells' text ("suppressed/3" for a row-wide mark). */
function figureOf(html: string, key: string, dim: string) {
  const start = html.indexOf(`<svg id="chart-${key}-${dim}"`);
  expect(start, `chart-${key}-${dim}`).toBeGreaterThan(-1);
  const svg = html.slice(start, html.indexOf('</svg>', start));
  const tableStart = html.indexOf('<table>', start);
  // The table follows the chart directly.
  expect(html.slice(start + svg.length + '</svg>'.length, tableStart).trim()).toBe('');
  const table = html.slice(tableStart, html.indexOf('</table>', tableStart));
  const cells = (tr: string) =>
    [...tr.matchAll(/<td( class="suppressed" colspan="(\d)")?[^>]*>(.*?)<\/td>/g)].map((m) =>
      m[1] ? `${m[3]}/${m[2]}` : m[3],
    );
  const body = table.slice(table.indexOf('<tbody>'), table.indexOf('</tbody>'));
  const rows = new Map(
    [...body.matchAll(/<tr><th scope="row">(.*?)<\/th>(.*?)<\/tr>/g)].map((m) => [m[1], cells(m[2])]),
  );
  const footRow = /<tfoot><tr><th scope="row">(.*?)<\/th>(.*?)<\/tr>/.exec(table);
  return { svg, table, rows, foot: footRow ? [footRow[1], ...cells(footRow[2])] : null };
}

/** The marks of one group in a chart (its <g>, found by its tooltip). */
const rowOfChart = (svg: string, label: string) => {
  const start = svg.indexOf(`<g><title>${label}: `);
  expect(start, label).toBeGreaterThan(-1);
  return svg.slice(start, svg.indexOf('</g>', start));
};

describe('juvenile justice indicators', () => {
  beforeAll(async () => {
    await build();
  }, 300_000);

  it('gives exactly the values worked out by hand for October 2026', async () => {
    const res = await analyst.get('/v1/statistics/indicators?from=2026-10-01&to=2026-11-01');
    const report = await expectAudited(h, res, 200, 1);
    expect(report).toMatchObject({
      census: '2026-11-01',
      minCell: 5,
      roundingBase: 5,
      populationLoaded: true,
    });
    const k = byKey(report);

    // 1: 12 children arrested -> 10; rate 10 * 100000 / 15000 = 66.7.
    expect(k.children_arrested.count).toEqual({ count: 10, suppressed: false, ratePer100k: 66.7 });
    // Region: south 4 is suppressed, and north (8) with it, else north = total - south.
    const region1 = k.children_arrested.breakdowns.region;
    expect(cell(region1, 'south')).toMatchObject({ count: null, suppressed: true });
    expect(cell(region1, 'north')).toMatchObject({ count: null, suppressed: true });
    // Sex 6 / 6 -> 5 / 5, rate 5 * 100000 / 7500 = 66.7; age 14-15: 5, 16-17: 7 -> 5 each, 66.7.
    expect(cell(k.children_arrested.breakdowns.sex, 'female')).toEqual({
      group: 'female',
      count: 5,
      suppressed: false,
      ratePer100k: 66.7,
    });
    expect(cell(k.children_arrested.breakdowns.ageGroup, '14-15')).toMatchObject({
      count: 5,
      ratePer100k: 66.7,
    });
    expect(cell(k.children_arrested.breakdowns.ageGroup, '16-17')).toMatchObject({
      count: 5,
      ratePer100k: 66.7,
    });
    expect(cell(k.children_arrested.breakdowns.ageGroup, 'under_14')).toMatchObject({
      count: 0,
      ratePer100k: null,
    });

    // 2 and 3: 6 held on 1 November -> 5; rate 5 * 100000 / 15000 = 33.3; north 6 -> 5 (50.0 per
    // 100,000 of 10,000); female 3 and male 3 both suppressed; age 16-17 (1) suppressed and 14-15
    // (5) with it (complementary).
    for (const key of ['children_in_detention', 'children_in_pre_sentence_detention']) {
      expect(k[key].count).toEqual({ count: 5, suppressed: false, ratePer100k: 33.3 });
      expect(cell(k[key].breakdowns.region, 'north')).toMatchObject({ count: 5, ratePer100k: 50 });
      expect(cell(k[key].breakdowns.region, 'south')).toMatchObject({ count: 0, suppressed: false });
      expect(cell(k[key].breakdowns.sex, 'female')).toMatchObject({ count: null, suppressed: true });
      expect(cell(k[key].breakdowns.sex, 'male')).toMatchObject({ count: null, suppressed: true });
      expect(cell(k[key].breakdowns.ageGroup, '16-17')).toMatchObject({ count: null, suppressed: true });
      expect(cell(k[key].breakdowns.ageGroup, '14-15')).toMatchObject({ count: null, suppressed: true });
    }
    // 4: released after 2, 4, 6, 8, 10 days: median 6, quartiles 4 and 8 (type 7).
    expect(k.duration_of_pre_sentence_detention.duration).toEqual({
      children: 5,
      median: 6,
      q1: 4,
      q3: 8,
      suppressed: false,
    });
    // 5: nobody released from a sentence; 6: no death.
    expect(k.duration_of_sentenced_detention.duration).toMatchObject({ children: 0, median: null });
    expect(k.deaths_in_detention.count).toMatchObject({ count: 0, suppressed: false });
    // 7: none of the 6 held with adults: 0 of 6 -> 0 / 5, 0 %.
    expect(k.not_wholly_separated_from_adults.share).toEqual({
      numerator: 0,
      denominator: 5,
      percent: 0,
      suppressed: false,
    });
    // 8: 5 of the 6 visited: the one not visited would show, so the share is suppressed.
    expect(k.contact_with_parents_and_family.share).toMatchObject({ suppressed: true, percent: null });
    // 9: nobody sentenced; 10: 12 cases opened, none diverted -> 0 / 10.
    expect(k.custodial_sentencing.share).toEqual({
      numerator: 0,
      denominator: 0,
      percent: null,
      suppressed: false,
    });
    expect(k.pre_sentence_diversion.share).toEqual({
      numerator: 0,
      denominator: 10,
      percent: 0,
      suppressed: false,
    });
    // 11: 5 released, all with aftercare -> 5 / 5, 100 %.
    expect(k.aftercare.share).toEqual({ numerator: 5, denominator: 5, percent: 100, suppressed: false });
    // 12, 13: two facilities, one inspected independently in the 12 months, one with complaints: 50 %.
    expect(k.regular_independent_inspections.share).toMatchObject({
      numerator: 1,
      denominator: 2,
      percent: 50,
    });
    expect(k.complaints_mechanism.share).toMatchObject({ numerator: 1, denominator: 2, percent: 50 });
    // 14: six assignments, all to a specialised lawyer -> 5 / 5, 100 %. 15: not computable.
    expect(k.specialised_juvenile_justice.share).toMatchObject({
      numerator: 5,
      denominator: 5,
      percent: 100,
    });
    expect(k.prevention.kind).toBe('not_computable');
    // Legal aid: 6 of 12 arrested -> 5 / 10, 50 %; hours 2..12: median 7, q1 4.5, q3 9.5.
    expect(k.legal_aid_coverage.share).toEqual({
      numerator: 5,
      denominator: 10,
      percent: 50,
      suppressed: false,
    });
    expect(k.time_to_legal_aid.duration).toEqual({
      children: 5,
      median: 7,
      q1: 4.5,
      q3: 9.5,
      suppressed: false,
    });
    // No hearing held: no time to a first hearing; 7 detained at arrest, 0 heard in 24 h -> 0 / 5.
    expect(k.time_to_first_hearing.duration).toMatchObject({ children: 0 });
    expect(k.heard_within_limit.share).toEqual({
      numerator: 0,
      denominator: 5,
      percent: 0,
      suppressed: false,
    });
    expect(k.reoffending.share).toMatchObject({ numerator: 0, denominator: 0 });

    // No personal data and no case id anywhere in the figures.
    const body = JSON.stringify(report);
    for (const id of caseIds) expect(body).not.toContain(id);
    expect(body).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/);
  });

  it('breaks shares and durations down by region, sex and age group, with the same suppression', async () => {
    const res = await analyst.get('/v1/statistics/indicators?from=2026-10-01&to=2026-11-01');
    expect(res.statusCode, res.body).toBe(200);
    const k = byKey(res.json());
    const hidden = { numerator: null, denominator: null, percent: null, suppressed: true };
    // 11 aftercare: released i = 6..10, all with aftercare, all aged 16 at the offence.
    //   16-17: 5 of 5 -> 5 / 5, 100 %. north (i = 6, 7): 2 of 2 and south (8..10): 3 of 3 -> too few, suppressed.
    expect(cell(k.aftercare.shareBreakdowns.ageGroup, '16-17')).toEqual({
      group: '16-17',
      numerator: 5,
      denominator: 5,
      percent: 100,
      suppressed: false,
    });
    expect(cell(k.aftercare.shareBreakdowns.region, 'north')).toEqual({ group: 'north', ...hidden });
    expect(cell(k.aftercare.shareBreakdowns.region, 'south')).toEqual({ group: 'south', ...hidden });
    // 10 pre-sentence diversion: 12 opened, none diverted.
    //   sex: 0 of 6 each -> 0 / 5 (6 rounds to 5), 0 %. age: 14-15 0 of 5 -> 0 / 5; 16-17 0 of 7 -> 0 / 5.
    //   region: south 0 of 4 (4 outside: too few) suppressed; north 0 of 8 would give south away as
    //   total minus north, so it is suppressed too (complementary).
    for (const sex of ['female', 'male']) {
      expect(cell(k.pre_sentence_diversion.shareBreakdowns.sex, sex)).toEqual({
        group: sex,
        numerator: 0,
        denominator: 5,
        percent: 0,
        suppressed: false,
      });
    }
    for (const g of ['14-15', '16-17']) {
      expect(cell(k.pre_sentence_diversion.shareBreakdowns.ageGroup, g)).toMatchObject({
        numerator: 0,
        denominator: 5,
        suppressed: false,
      });
    }
    expect(cell(k.pre_sentence_diversion.shareBreakdowns.region, 'south')).toEqual({
      group: 'south',
      ...hidden,
    });
    expect(cell(k.pre_sentence_diversion.shareBreakdowns.region, 'north')).toEqual({
      group: 'north',
      ...hidden,
    });
    // Legal aid coverage by age: 16-17 has 1 of 7 (suppressed), so 14-15 (5 of 5) is suppressed with it.
    expect(cell(k.legal_aid_coverage.shareBreakdowns.ageGroup, '16-17')).toMatchObject({ suppressed: true });
    expect(cell(k.legal_aid_coverage.shareBreakdowns.ageGroup, '14-15')).toMatchObject({ suppressed: true });
    // 4 pre-trial duration: 2, 4, 6, 8, 10 days, all aged 16 -> 16-17: median 6, q1 4, q3 8 over 5.
    //   north (2, 4) and south (6, 8, 10), female (2, 6, 10) and male (4, 8): fewer than 5, suppressed.
    const days = k.duration_of_pre_sentence_detention.durationBreakdowns;
    expect(cell(days.ageGroup, '16-17')).toEqual({
      group: '16-17',
      children: 5,
      median: 6,
      q1: 4,
      q3: 8,
      suppressed: false,
    });
    expect(cell(days.ageGroup, '14-15')).toMatchObject({ children: 0, median: null, suppressed: false });
    for (const c of [...days.region, ...days.sex])
      expect(c).toMatchObject({ suppressed: true, median: null });
    // Every share and duration indicator has its breakdowns; count indicators keep theirs.
    for (const i of res.json().indicators) {
      if (i.kind === 'duration')
        expect(Object.keys(i.durationBreakdowns).sort()).toEqual(['ageGroup', 'region', 'sex']);
      if (i.kind === 'share' && i.key !== 'specialised_juvenile_justice')
        expect(Object.keys(i.shareBreakdowns).sort()).toEqual(['ageGroup', 'region', 'sex']);
    }
    // In CSV too, one row per number.
    const csv = await analyst.get('/v1/statistics/indicators?from=2026-10-01&to=2026-11-01', {
      accept: 'text/csv',
    });
    expect(csv.body).toContain('10,pre_sentence_diversion,sex,female,percent,0\r\n');
    expect(csv.body).toContain('4,duration_of_pre_sentence_detention,ageGroup,16-17,median,6\r\n');
    expect(csv.body).toContain('11,aftercare,region,north,percent,suppressed\r\n');
  });

  it('draws every breakdown on the report page: a chart and a table per dimension, suppressed cells marked and empty', async () => {
    const json = (await analyst.get('/v1/statistics/indicators?from=2026-10-01&to=2026-11-01')).json();
    const res = await analyst.get('/v1/statistics/report?from=2026-10-01&to=2026-11-01', {
      accept: 'text/html',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    const html = res.body;

    // Every breakdown in the JSON is drawn, and its table says exactly what the JSON says: a
    // published figure as a number, a suppressed one as "suppressed" across the row (no number).
    const GROUPS: Record<string, string> = {
      female: 'Female',
      male: 'Male',
      '14-15': '14–15',
      '16-17': '16–17',
    };
    Object.assign(GROUPS, { under_14: 'Under 14', '18_plus': '18 and over', unknown: 'Not recorded' });
    let drawn = 0;
    for (const i of json.indicators) {
      const dims = i.breakdowns ?? i.shareBreakdowns ?? i.durationBreakdowns;
      if (!dims) continue;
      const measures = i.breakdowns
        ? ['count', 'ratePer100k']
        : i.shareBreakdowns
          ? ['numerator', 'denominator', 'percent']
          : ['children', 'q1', 'median', 'q3'];
      const size = (c: any) => c.count ?? c.denominator ?? c.children ?? 0;
      const empty = !Object.values(dims).some((cells: any) =>
        cells.some((c: any) => c.suppressed || size(c) > 0),
      );
      const section = sectionOf(html, i.key);
      if (empty) {
        expect(section, i.key).toContain('No children counted: nothing to break down.');
        expect(section, i.key).not.toContain('<svg');
        continue;
      }
      for (const dim of ['region', 'sex', 'ageGroup']) {
        const { svg, rows } = figureOf(html, i.key, dim);
        expect(svg, `${i.key} ${dim}`).toContain('role="img"');
        for (const c of dims[dim]) {
          const row = rows.get(GROUPS[c.group] ?? c.group);
          expect(row, `${i.key} ${dim} ${c.group}`).toBeDefined();
          if (c.suppressed) {
            expect(row).toEqual([`suppressed/${measures.length}`]);
          } else {
            expect(row).toEqual(measures.map((m) => (c[m] === null ? '–' : String(c[m]))));
          }
        }
        // One mark per group plus the total; suppressed groups get the dashed mark and no value.
        const suppressed = dims[dim].filter((c: any) => c.suppressed).length;
        expect((svg.match(/data-suppressed="true"/g) ?? []).length, `${i.key} ${dim}`).toBe(
          suppressed + (i.count?.suppressed || i.share?.suppressed || i.duration?.suppressed ? 1 : 0),
        );
        drawn++;
      }
    }
    // 1, 2, 3 (counts), 4 and time to legal aid (durations), 7, 8, 10, 11, legal aid coverage,
    // heard within the limit (shares): 11 indicators of 3 dimensions each.
    expect(drawn).toBe(33);

    // By hand. Aftercare by age: 16-17 is 5 of 5, 100 %; by region north (2 of 2) and south (3 of 3)
    // are suppressed: neither their counts nor their 100 % appear, and they are not drawn as zero.
    expect(figureOf(html, 'aftercare', 'ageGroup').rows.get('16–17')).toEqual(['5', '5', '100']);
    const aftercare = figureOf(html, 'aftercare', 'region');
    expect(aftercare.rows.get('north')).toEqual(['suppressed/3']);
    expect(aftercare.rows.get('south')).toEqual(['suppressed/3']);
    for (const g of ['north', 'south']) {
      const mark = rowOfChart(aftercare.svg, g);
      expect(mark).toContain('data-suppressed="true"');
      expect(mark).toContain('>suppressed</text>');
      expect(mark).not.toMatch(/data-value|\d+ %/);
    }
    // Pre-sentence detention by region: north (2, 4 days: median 3) and south (6, 8, 10: median 8)
    // both suppressed; only the total (median 6, quartiles 4 and 8) is drawn with values.
    const days = figureOf(html, 'duration_of_pre_sentence_detention', 'region');
    expect(days.rows.get('north')).toEqual(['suppressed/4']);
    expect(days.rows.get('south')).toEqual(['suppressed/4']);
    expect(days.svg.match(/data-value="[^"]*"/g)).toEqual(['data-value="6"']);
    expect(rowOfChart(days.svg, 'north')).not.toMatch(/data-value|data-q1|\bdays\b/);
    expect(days.foot).toEqual(['All', '5', '4', '6', '8']);
    expect(figureOf(html, 'duration_of_pre_sentence_detention', 'ageGroup').rows.get('16–17')).toEqual([
      '5',
      '4',
      '6',
      '8',
    ]);
    // Arrests: both regions suppressed; sex 5 and 5 at 66.7 per 100,000.
    expect(figureOf(html, 'children_arrested', 'region').rows.get('south')).toEqual(['suppressed/2']);
    expect(figureOf(html, 'children_arrested', 'sex').rows.get('Female')).toEqual(['5', '66.7']);
    // Diversion: 0 of 5 for each sex is a published zero, drawn as a zero bar, not as suppressed.
    const diversion = figureOf(html, 'pre_sentence_diversion', 'sex');
    expect(diversion.rows.get('Male')).toEqual(['0', '5', '0']);
    expect(rowOfChart(diversion.svg, 'Male')).toMatch(/width="0"[^>]*data-value="0"/);
    // Captions, column and row headers, units.
    expect(html).toContain(
      '<caption>11. Children released from detention during the period with aftercare recorded: by region (children, %)</caption>',
    );
    expect(days.table).toContain('<th scope="col"><abbr title="First quartile">Q1</abbr></th>');
    expect(days.table).toContain('(days)</caption>');
    expect(html).toContain('Fewer than 5 children, or hidden together with such a figure');
    // No case id, no script.
    for (const id of caseIds) expect(html).not.toContain(id);
    expect(html).not.toMatch(/<script/i);

    // In Azerbaijani: the same figures with a decimal comma, translated labels.
    const az = (
      await analyst.get('/v1/statistics/report?from=2026-10-01&to=2026-11-01', { 'accept-language': 'az' })
    ).body;
    expect(az).toContain('<html lang="az">');
    expect(figureOf(az, 'children_arrested', 'sex').rows.get('Qız')).toEqual(['5', '66,7']);
    expect(figureOf(az, 'aftercare', 'region').rows.get('north')).toEqual(['gizlədilib/3']);
    for (const word of ['Regionlar üzrə', 'Cinsə görə', 'Yaş qrupları üzrə', 'Birinci kvartil', 'Hamısı'])
      expect(az).toContain(word);
    expect(az).toContain('5 uşaqdan az');
    expect(az).not.toContain('>suppressed<');
  });

  it('overlapping periods cannot reveal a child: whole months only, every count a multiple of 5 or suppressed', async () => {
    for (const q of [
      'from=2026-10-03&to=2026-11-01',
      'from=2026-10-01&to=2026-11-15',
      'from=2026-11-01&to=2026-10-01',
    ]) {
      const res = await analyst.get(`/v1/statistics/indicators?${q}`);
      expect([400, 422]).toContain(res.statusCode);
    }
    // October has 12 arrests, October-November 13: published 10 and 15, never a difference of 1.
    const oct = (await analyst.get('/v1/statistics/indicators?from=2026-10-01&to=2026-11-01')).json();
    const octNov = (await analyst.get('/v1/statistics/indicators?from=2026-10-01&to=2026-12-01')).json();
    expect(byKey(oct).children_arrested.count.count).toBe(10);
    expect(byKey(octNov).children_arrested.count.count).toBe(15);
    const counts = (r: any) =>
      JSON.stringify(r)
        .match(/"(count|numerator|children)":(\d+)/g)!
        .map((m) => Number(m.split(':')[1]));
    // Facility counts (indicators 12, 13) are of facilities, not children.
    const childOnly = (r: any) => ({ indicators: r.indicators.filter((i: any) => i.kind !== 'facilities') });
    for (const n of [...counts(childOnly(oct)), ...counts(childOnly(octNov))]) expect(n % 5).toBe(0);
  });

  it('keeps sealed and expunged cases counted, and answers CSV', async () => {
    // Children 6 and 7 were released after 2 and 4 days: without them the duration of pre-sentence
    // detention would rest on 3 children and be suppressed, and its median would move to 8.
    const sealed = await clerk.post(`/v1/cases/${caseIds[6]}/seal`, { orderReference: uid('order') });
    expect(sealed.statusCode, sealed.body).toBe(200);
    const expunged = await clerk.post(`/v1/cases/${caseIds[7]}/expunge`, { orderReference: uid('EXP') });
    expect(expunged.statusCode, expunged.body).toBe(200);
    const report = (await analyst.get('/v1/statistics/indicators?from=2026-10-01&to=2026-11-01')).json();
    expect(byKey(report).duration_of_pre_sentence_detention.duration).toEqual({
      children: 5,
      median: 6,
      q1: 4,
      q3: 8,
      suppressed: false,
    });
    expect(byKey(report).children_arrested.count.count).toBe(10);

    const csv = await analyst.get('/v1/statistics/indicators?from=2026-10-01&to=2026-11-01', {
      accept: 'text/csv',
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('indicator,key,breakdown,group,measure,value');
    expect(lines).toContain('1,children_arrested,total,,count,10');
    expect(lines).toContain('1,children_arrested,region,south,count,suppressed');
    expect(lines).toContain('8,contact_with_parents_and_family,total,,percent,suppressed');
  });

  it('escapes region names on the report page, in the charts and the tables', async () => {
    // Five children of a region whose name is markup, arrested in September 2026 (outside every other
    // query here): their count (5) is published, so the name is drawn and written.
    const region = `Nord <script>alert("x")</script> & 'Co'`;
    for (let i = 0; i < 5; i++) {
      const person = await createPerson(clerk, { sex: 'female', dateOfBirth: '2010-05-01', region });
      const intakeAt = new Date(Date.UTC(2026, 8, 2 + i, 9)).toISOString();
      await createCase(clerk, person.id, {
        detained: false,
        offenceDate: plusHours(intakeAt, -1),
        intakeAt,
        guardiansNotifiedAt: intakeAt,
      });
    }
    const json = (await analyst.get('/v1/statistics/indicators?from=2026-09-01&to=2026-10-01')).json();
    expect(cell(byKey(json).children_arrested.breakdowns.region, region)).toMatchObject({ count: 5 });
    const html = (await analyst.get('/v1/statistics/report?from=2026-09-01&to=2026-10-01')).body;
    const escaped = 'Nord &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;';
    expect(figureOf(html, 'children_arrested', 'region').rows.get(escaped)).toEqual(['5', '–']);
    // In the chart: its tooltip in full, its label cut to fit, both escaped.
    const svg = figureOf(html, 'children_arrested', 'region').svg;
    expect(rowOfChart(svg, escaped)).toContain('data-value="5"');
    expect(svg).toContain('<tspan x="96" dy="0">Nord</tspan>');
    expect(html).not.toMatch(/<script|alert\("x"\)|& 'Co'/);
  });

  it('is read by analysts and auditors only; an analyst reads no case; every query is audited', async () => {
    const auditor = await h.as({ sub: uid('auditor'), roles: ['auditor'], org: 'oversight' });
    await expectAudited(
      h,
      await auditor.get('/v1/statistics/indicators?from=2026-10-01&to=2026-11-01'),
      200,
      1,
    );
    for (const roles of [['court_clerk'], ['judge'], ['admin'], ['prosecutor'], ['legal_aid_lawyer']]) {
      const c = await h.as({ sub: uid('x'), roles, org: 'court-x' });
      await expectAudited(h, await c.get('/v1/statistics/indicators?from=2026-10-01&to=2026-11-01'), 403, 1);
    }
    await expectAudited(h, await clerk.put('/v1/statistics/population', { year: 2026, figures: [] }), 403, 1);
    await expectAudited(h, await analyst.get('/v1/cases'), 403, 1);
    await expectAudited(h, await analyst.get(`/v1/cases/${caseIds[0]}`), 403, 1);
  });
});
