import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

/**
 * The indicator report opened in a real browser (Debian's chromium driven by playwright-core):
 * every chart is drawn, and a screenshot is written to test-output/report.png.
 * Heavy (a browser): PostgreSQL only, skipped on PGlite; skipped when /usr/bin/chromium is absent
 * (.ci/run installs it with apt-get when it can).
 */
const CHROMIUM = '/usr/bin/chromium';
const skip = !process.env.TEST_DATABASE_URL || process.env.TEST_BACKEND === 'pglite' || !existsSync(CHROMIUM);
if (!existsSync(CHROMIUM)) console.warn(`report-browser.test.ts skipped: ${CHROMIUM} is not installed`);

let h: Harness;
let base: string;
let analystToken: string;

describe.skipIf(skip)('the indicator report in a browser', () => {
  beforeAll(async () => {
    h = await createHarness();
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    // Eleven arrests in October 2026 across two regions, six still detained on the census date.
    for (let i = 0; i < 11; i++) {
      const person = await createPerson(clerk, {
        sex: i % 2 ? 'male' : 'female',
        region: i < 6 ? 'north' : 'south',
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
    try {
      for (const lang of ['en', 'az'] as const) {
        const context = await browser.newContext({
          extraHTTPHeaders: { authorization: `Bearer ${analystToken}`, 'accept-language': lang },
          viewport: { width: 900, height: 1200 },
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
              tableAfter: next?.tagName === 'TABLE',
            };
          }),
        );
        expect(charts.map((c) => c.id)).toEqual([
          'chart-region',
          'chart-sex',
          'chart-age',
          'chart-counts',
          'chart-shares',
          'chart-durations',
        ]);
        for (const c of charts) {
          expect(c.width, c.id).toBeGreaterThan(100);
          expect(c.height, c.id).toBeGreaterThan(10);
          expect(c.tableAfter, c.id).toBe(true);
        }
        // Bars are drawn where figures are published: 11 arrests -> 10, two regions, six detained -> 5.
        expect(charts.find((c) => c.id === 'chart-region')!.marks).toBeGreaterThan(0);
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
        if (lang === 'en') {
          mkdirSync('test-output', { recursive: true });
          await page.screenshot({ path: 'test-output/report.png', fullPage: true });
          expect(existsSync('test-output/report.png')).toBe(true);
        }
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
