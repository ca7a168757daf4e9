import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { createStaff } from './helpers/case-path.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

/**
 * The indicator report opened in a real browser (Debian's chromium driven by playwright-core):
 * every chart is drawn, the breakdowns by region, sex and age group included, and screenshots are
 * written to test-output/report.png (English) and test-output/report-az.png (Azerbaijani).
 * Heavy (a browser): PostgreSQL only, skipped on PGlite; skipped when /usr/bin/chromium is absent
 * (.ci/run installs it with apt-get when it can).
 */
const CHROMIUM = '/usr/bin/chromium';
const skip = !process.env.TEST_DATABASE_URL || process.env.TEST_BACKEND === 'pglite' || !existsSync(CHROMIUM);
if (!existsSync(CHROMIUM)) console.warn(`report-browser.test.ts skipped: ${CHROMIUM} is not installed`);

let h: Harness;
let base: string;
let analystToken: string;
/** A region whose name is markup: it must show as text, in the chart and in the table. */
const SOUTH = 'South <script>alert(1)</script> & Co';

describe.skipIf(skip)('the indicator report in a browser', () => {
  beforeAll(async () => {
    h = await createHarness();
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    // Eleven arrests in October 2026 across two regions, six still detained on the census date,
    // each with a lawyer assigned i + 1 hours after the arrest.
    for (let i = 0; i < 11; i++) {
      const person = await createPerson(clerk, {
        sex: i % 2 ? 'male' : 'female',
        region: i < 6 ? 'north' : SOUTH,
        dateOfBirth: '2010-05-01',
      });
      const intakeAt = new Date(Date.UTC(2026, 9, 3 + i, 9)).toISOString();
      const kase = await createCase(clerk, person.id, {
        detained: i < 6,
        offenceDate: new Date(Date.UTC(2026, 9, 3 + i, 8)).toISOString(),
        intakeAt,
        guardiansNotifiedAt: intakeAt,
      });
      if (i < 6) {
        await clerk.post(`/v1/cases/${kase.id}/custody-episodes`, {
          kind: 'pre_trial',
          facility: 'North centre',
          startedAt: intakeAt,
        });
      }
      const assigned = await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, {
        lawyerSub: lawyer.sub,
        assignedAt: new Date(Date.parse(intakeAt) + (i + 1) * 3_600_000).toISOString(),
      });
      expect(assigned.statusCode, assigned.body).toBe(201);
    }
    const analyst = await h.as({ sub: uid('analyst'), roles: ['analyst'], org: 'statistics' });
    analystToken = analyst.token;
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  }, 300_000);
  afterAll(async () => h?.close());

  it('renders every chart with a table under it, in English and Azerbaijani, and is screenshotted', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    // Which breakdowns have children in them, from the figures themselves.
    const figures = await fetch(`${base}/v1/statistics/indicators?from=2026-10-01&to=2026-11-01`, {
      headers: { authorization: `Bearer ${analystToken}` },
    }).then((r) => r.json());
    const breakdownCharts: string[] = [];
    for (const i of figures.indicators) {
      const dims = i.breakdowns ?? i.shareBreakdowns ?? i.durationBreakdowns;
      if (!dims) continue;
      const size = (c: any) => c.count ?? c.denominator ?? c.children ?? 0;
      if (Object.values(dims).some((cells: any) => cells.some((c: any) => c.suppressed || size(c) > 0)))
        for (const dim of ['region', 'sex', 'ageGroup']) breakdownCharts.push(`chart-${i.key}-${dim}`);
    }
    try {
      for (const lang of ['en', 'az'] as const) {
        const context = await browser.newContext({
          extraHTTPHeaders: { authorization: `Bearer ${analystToken}`, 'accept-language': lang },
          viewport: { width: 1024, height: 1200 },
        });
        const page = await context.newPage();
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        const res = await page.goto(`${base}/v1/statistics/report?from=2026-10-01&to=2026-11-01`);
        expect(res?.status()).toBe(200);
        expect(res?.headers()['content-type']).toMatch(/text\/html/);
        const charts = await page.$$eval('svg.chart', (els) =>
          els.map((e) => {
            const box = e.getBoundingClientRect();
            const next = e.nextElementSibling;
            return {
              id: e.id,
              width: box.width,
              height: box.height,
              marks: e.querySelectorAll('rect, circle').length,
              rows: e.querySelectorAll('g').length,
              // Rows with nothing to draw say so ("–") instead of a mark.
              dashes: [...e.querySelectorAll('g')].filter((g) => g.lastElementChild?.textContent === '–')
                .length,
              tableAfter: next?.tagName === 'TABLE',
            };
          }),
        );
        // The overview charts, then one per dimension of every indicator with children to break down.
        expect(charts.map((c) => c.id)).toEqual([
          'chart-counts',
          'chart-shares',
          'chart-durations-days',
          'chart-durations-hours',
          ...breakdownCharts,
        ]);
        for (const id of [
          'chart-children_arrested-region',
          'chart-children_in_detention-sex',
          'chart-legal_aid_coverage-ageGroup',
          'chart-time_to_legal_aid-region',
        ])
          expect(breakdownCharts).toContain(id);
        for (const c of charts) {
          expect(c.width, c.id).toBeGreaterThan(100);
          expect(c.height, c.id).toBeGreaterThan(10);
          expect(c.rows, c.id).toBeGreaterThan(0);
          expect(c.marks + c.dashes, c.id).toBe(c.rows);
          expect(c.tableAfter, c.id).toBe(true);
        }
        // Suppressed figures (detained girls and boys: 3 and 3) are drawn as visible marks.
        const suppressed = await page.$$eval('#chart-children_in_detention-sex rect.suppressed', (els) =>
          els.map((e) => e.getBoundingClientRect().width),
        );
        expect(suppressed).toHaveLength(2);
        for (const w of suppressed) expect(w).toBeGreaterThan(5);
        // Durations by region as quartile boxes: north (1 to 6 hours), south (7 to 11 hours).
        const boxes = await page.$$eval('#chart-time_to_legal_aid-region rect.mark', (els) =>
          els.map((e) => e.getBoundingClientRect().width),
        );
        expect(boxes).toHaveLength(3);
        for (const w of boxes) expect(w).toBeGreaterThan(5);
        // A region named with markup is text, in the table and in the chart's tooltip.
        const rowHeads = await page.$$eval('#chart-children_arrested-region + table tbody th', (els) =>
          els.map((e) => e.textContent),
        );
        expect(rowHeads.sort()).toEqual([SOUTH, 'north'].sort());
        expect(
          await page.$$eval('#chart-children_arrested-region g > title', (els) =>
            els.map((e) => e.textContent),
          ),
        ).toContain(`${SOUTH}: 5`);
        // Bars are drawn where figures are published: 11 arrests -> 10, six detained -> 5.
        expect(charts.find((c) => c.id === 'chart-counts')!.marks).toBe(4);
        const widths = await page.$$eval('#chart-counts rect', (els) =>
          els.map((e) => Number(e.getAttribute('width'))),
        );
        expect(widths[0]).toBeGreaterThan(0);
        // No script, no outside request: only the page itself was fetched.
        expect(await page.$$('script')).toHaveLength(0);
        expect(requests).toEqual([`${base}/v1/statistics/report?from=2026-10-01&to=2026-11-01`]);
        const heading = await page.textContent('h1');
        expect(heading).toBe(
          lang === 'az'
            ? 'Yetkinlik yaşına çatmayanlar üzrə ədalət mühakiməsi göstəriciləri'
            : 'Juvenile justice indicators',
        );
        mkdirSync('test-output', { recursive: true });
        const shot = lang === 'en' ? 'test-output/report.png' : 'test-output/report-az.png';
        await page.screenshot({ path: shot, fullPage: true });
        expect(existsSync(shot)).toBe(true);
        await context.close();
      }
    } finally {
      await browser.close();
    }
    // A clerk may not open it.
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: 'court-x' });
    expect((await clerk.get('/v1/statistics/report?from=2026-10-01&to=2026-11-01')).statusCode).toBe(403);
  });
});
