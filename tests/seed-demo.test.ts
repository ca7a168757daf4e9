import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { DEMO_ANALYST, type SeedDemoResult, seedDemo } from '../src/demo/seed.js';
import { ALERT_RULES, RULE_DECLARATIONS } from '../src/modules/alerts/rules.js';
import { type Client, type Harness, createHarness } from './helpers/app.js';

/**
 * `npm run seed:demo` (issue 11): the seed's function run on this file's fresh database, through
 * the same application the tests drive. Then: every alert rule the rules module declares fires
 * (so a new rule with no seeded situation fails here), shown to each role that acts on it; the
 * indicators of the seeded year are all published (not suppressed, not empty) and the report page
 * draws every chart; and a second run adds nothing.
 */
let h: Harness;
let first: SeedDemoResult;
beforeAll(async () => {
  // The sealer chains audit rows once a second rather than ten times: on PGlite its passes share
  // the one connection with the seed's thousands of requests (a quarter of the CPU at 100 ms).
  h = await createHarness({ LOG_LEVEL: 'error', AUDIT_SEAL_INTERVAL_MS: '1000' });
  first = await seedDemo({
    app: h.app,
    config: h.config,
    sign: (c) => h.issuer.sign({ ...c, expiresIn: 1800 }),
    concurrency: h.testDb.backend === 'pglite' ? 1 : 4,
  });
}, 600_000);
afterAll(async () => h?.close());

const REGIONS = ['capital', 'north', 'south', 'west'];
/** The professionals of the demo jurisdiction who can be shown alerts, by role. */
const PEOPLE: Record<string, { sub: string; org: string }[]> = {
  court_clerk: REGIONS.map((r) => ({ sub: `demo-clerk-${r}`, org: `demo-court-${r}` })),
  judge: REGIONS.map((r) => ({ sub: `demo-judge-${r}`, org: `demo-court-${r}` })),
  prosecutor: REGIONS.map((r) => ({ sub: `demo-prosecutor-${r}`, org: `demo-prosecution-${r}` })),
  legal_aid_lawyer: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({
    sub: `demo-lawyer-${n}`,
    org: n % 2 ? 'demo-legal-aid-bar' : 'demo-legal-aid-centre',
  })),
  probation_officer: REGIONS.flatMap((r) =>
    [1, 2].map((n) => ({ sub: `demo-officer-${r}-${n}`, org: `demo-probation-${r}` })),
  ),
  social_worker: [1, 2].map((n) => ({ sub: `demo-social-worker-${n}`, org: 'demo-social-services' })),
};

const count = async (query: string) =>
  Number(rowsOf<{ n: number }>(await h.testDb.database.db.execute(sql.raw(query)))[0].n);

/** Rows of the domain tables the seed fills (a second run must leave every one unchanged). */
const TABLES = [
  'organizations',
  'staff',
  'facilities',
  'population_figures',
  'persons',
  'cases',
  'charges',
  'hearings',
  'dispositions',
  'custody_episodes',
  'family_visits',
  'custody_incidents',
  'facility_inspections',
  'legal_aid_assignments',
  'diversions',
  'diversion_conditions',
  'supervisions',
  'supervision_entries',
  'social_work_assignments',
  'consents',
  'corrections',
  'case_events',
];
async function tableCounts() {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = await count(`select count(*)::int as n from ${t}`);
  return out;
}

describe('npm run seed:demo', () => {
  it('raises every alert rule of the rules module, shown to every role that acts on it', async () => {
    expect(first.alreadySeeded).toBe(false);
    for (const rule of ALERT_RULES) {
      expect(first.alerts[rule], rule).toBeGreaterThan(0);
      for (const role of RULE_DECLARATIONS[rule].actors) {
        let seen = 0;
        for (const p of PEOPLE[role] ?? []) {
          const client: Client = await h.as({ sub: p.sub, roles: [role], org: p.org });
          const res = await client.get(`/v1/alerts?rule=${rule}&limit=100`);
          expect(res.statusCode, res.body).toBe(200);
          seen += res.json().items.length;
        }
        expect(seen, `${rule} as ${role}`).toBeGreaterThan(0);
      }
    }
  });

  it('fills every path of the case path, through the API (audited), with synthetic names', async () => {
    const checks: Record<string, string> = {
      children: 'select count(*)::int as n from persons',
      'diversions completed': "select count(*)::int as n from diversions where status = 'completed'",
      'diversions failed': "select count(*)::int as n from diversions where status = 'failed'",
      'legal aid requested, no one assigned yet':
        "select count(*)::int as n from legal_aid_assignments where status in ('requested')",
      'legal aid assigned, not accepted':
        "select count(*)::int as n from legal_aid_assignments where status = 'assigned'",
      'legal aid accepted or completed':
        "select count(*)::int as n from legal_aid_assignments where status in ('accepted', 'completed')",
      'hearings held': "select count(*)::int as n from hearings where status = 'held'",
      'hearings adjourned': "select count(*)::int as n from hearings where status = 'adjourned'",
      'custodial dispositions': "select count(*)::int as n from dispositions where outcome = 'custodial'",
      'probation dispositions': "select count(*)::int as n from dispositions where outcome = 'probation'",
      dismissals: "select count(*)::int as n from dispositions where outcome = 'dismissed'",
      'supervision contacts': "select count(*)::int as n from supervision_entries where kind = 'contact'",
      'supervision violations': "select count(*)::int as n from supervision_entries where kind = 'violation'",
      'revoked supervisions': "select count(*)::int as n from supervisions where status = 'revoked'",
      'family visits': 'select count(*)::int as n from family_visits',
      incidents: "select count(*)::int as n from custody_incidents where kind <> 'death'",
      'independent inspections': 'select count(*)::int as n from facility_inspections where independent',
      'aftercare at release': 'select count(*)::int as n from custody_episodes where aftercare_provided',
      'sealed cases': 'select count(*)::int as n from cases where sealed_at is not null',
      're-offending children':
        'select count(*)::int as n from (select person_id from cases group by person_id having count(*) > 1) x',
      'Azerbaijani family names':
        "select count(*)::int as n from persons where family_name similar to '%(ə|ı|ü)%'",
      'facilities not separated from adults':
        'select count(*)::int as n from facilities where not separated_from_adults',
      'facilities without a complaints mechanism':
        'select count(*)::int as n from facilities where not complaints_mechanism',
    };
    for (const [what, query] of Object.entries(checks)) expect(await count(query), what).toBeGreaterThan(0);
    expect(await count("select count(*)::int as n from custody_incidents where kind = 'death'")).toBe(1);
    expect(await count('select count(distinct region)::int as n from cases')).toBeGreaterThanOrEqual(3);
    expect(
      await count("select count(*)::int as n from organizations where kind = 'court'"),
    ).toBeGreaterThanOrEqual(3);
    // A year of history: cases opened in at least ten of the last twelve months.
    expect(
      await count(
        "select count(distinct date_trunc('month', intake_at))::int as n from cases where intake_at > now() - interval '12 months'",
      ),
    ).toBeGreaterThanOrEqual(10);
    // Every seeded case was opened by a demo court clerk through the API, and its creation audited.
    expect(
      await count(
        "select count(*)::int as n from audit_events where action = 'create' and resource_type = 'case' and outcome = 'allowed' and actor_sub like 'demo-clerk-%'",
      ),
    ).toBe(await count('select count(*)::int as n from cases'));
    // Every name is one of the made-up family names.
    expect(
      await count(
        "select count(*)::int as n from persons where family_name not in ('Nümunəzadə','Sınaqov','Sınaqova','Uydurmalı','Saxtalı','Demoyev','Demoyeva','Testov','Testova','Example','Placeholder','Sampleton','Fictitious')",
      ),
    ).toBe(0);
  });

  it('publishes every indicator for the seeded year, and the report page draws every chart', async () => {
    const analyst = await h.as({ sub: DEMO_ANALYST.sub, roles: DEMO_ANALYST.roles, org: DEMO_ANALYST.org });
    const q = `from=${first.period.from}&to=${first.period.to}`;
    const res = await analyst.get(`/v1/statistics/indicators?${q}`);
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report.populationLoaded).toBe(true);
    expect(report.indicators.length).toBeGreaterThanOrEqual(20);
    for (const i of report.indicators) {
      if (i.kind === 'not_computable') {
        expect(i.note, i.key).toBeTruthy();
      } else if (i.key === 'deaths_in_detention') {
        // One death in custody: published as suppressed (a count of 1 to 4), which the page says.
        expect(i.count, i.key).toMatchObject({ count: null, suppressed: true });
      } else if (i.kind === 'count') {
        expect(i.count.suppressed, i.key).toBe(false);
        expect(i.count.count, i.key).toBeGreaterThan(0);
        expect(i.count.ratePer100k, i.key).toBeGreaterThan(0);
      } else if (i.kind === 'duration') {
        expect(i.duration.suppressed, i.key).toBe(false);
        expect(i.duration.median, i.key).toBeGreaterThan(0);
      } else {
        // Shares (children, assignments, facilities): both sides present, so neither 0 nor 100 %.
        expect(i.share.suppressed, i.key).toBe(false);
        expect(i.share.percent, i.key).toBeGreaterThan(0);
        expect(i.share.percent, i.key).toBeLessThan(100);
      }
    }
    const arrested = report.indicators.find((i: any) => i.key === 'children_arrested');
    for (const cell of arrested.breakdowns.region) {
      expect(cell.count, `arrests in ${cell.group}`).toBeGreaterThan(0);
    }
    expect(arrested.breakdowns.region.map((c: any) => c.group)).toEqual(expect.arrayContaining(REGIONS));

    const page = await analyst.get(`/v1/statistics/report?${q}`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const html = page.body;
    const charts = new Map(
      [...html.matchAll(/<svg id="([^"]+)"[\s\S]*?<\/svg>/g)].map((m) => [m[1], m[0]] as const),
    );
    // The overview charts (counts, shares, durations), each drawing at least one value...
    const drawn = (id: string) => /data-value="[0-9.]+"/.test(charts.get(id) ?? '');
    expect([...charts.keys()]).toEqual(expect.arrayContaining(['chart-counts', 'chart-shares']));
    const overview = [...charts.keys()].filter(
      (id) => !report.indicators.some((i: any) => id.startsWith(`chart-${i.key}-`)),
    );
    expect(overview.some((id) => id.startsWith('chart-durations'))).toBe(true);
    for (const id of overview) expect(drawn(id), id).toBe(true);
    // ...then one chart per dimension of every indicator broken down, each with its marks, and each
    // indicator with a value drawn in at least one dimension (a cell of fewer than five children is
    // suppressed: the page draws it as such).
    const brokenDown = report.indicators.filter(
      (i: any) => i.breakdowns ?? i.shareBreakdowns ?? i.durationBreakdowns,
    );
    expect(brokenDown.length).toBeGreaterThanOrEqual(10);
    for (const i of brokenDown) {
      const ids = ['region', 'sex', 'ageGroup'].map((dim) => `chart-${i.key}-${dim}`);
      for (const id of ids) expect(charts.get(id), id).toMatch(/<rect class="mark/);
      expect(ids.some(drawn), i.key).toBe(true);
    }
    const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
    for (const i of report.indicators) expect(html, i.key).toContain(esc(i.label));
  });

  it('a second run finds the jurisdiction and adds nothing', async () => {
    const before = await tableCounts();
    const second = await seedDemo({
      app: h.app,
      config: h.config,
      sign: (c) => h.issuer.sign({ ...c, expiresIn: 600 }),
    });
    expect(second.alreadySeeded).toBe(true);
    expect(second.counts).toEqual({});
    expect(await tableCounts()).toEqual(before);
    expect(second.alerts).toEqual(first.alerts);
  });
});
