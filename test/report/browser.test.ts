/**
 * The report in a real browser: Debian's Chromium driven by playwright-core, every request that is
 * not the file itself aborted (and recorded). Every chart must render through vega-embed, with no
 * console error and no blocked request; the tables sort; with JavaScript off the static charts show.
 * The screenshot goes to the test's temp dir (removed after), or to $FLOWSIFT_REPORT_SCREENSHOT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, watchedPage, type WatchedPage } from '../browser.ts';
import { demoAnalysis, type DemoAnalysis } from './fixture.ts';
import { CHARTS } from '../../src/report/charts/index.ts';

let demo: DemoAnalysis;
let browser: Browser;
let file: string;

beforeAll(async () => {
  demo = await demoAnalysis('flowsift-report-browser-');
  file = join(demo.dir, 'report.html');
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  demo?.cleanup();
});

async function open(js: boolean): Promise<WatchedPage> {
  const w = await watchedPage(browser, { viewport: { width: 1400, height: 1000 }, javaScriptEnabled: js }, (url) => url.startsWith('file://') || url.startsWith('data:'));
  const { page } = w;
  await page.goto(`file://${file}`);
  return w;
}

describe('the report in Chromium', () => {
  it('renders every chart interactively, offline, without a console error', async () => {
    const { page, errors, blocked } = await open(true);
    await page.waitForFunction("document.body.hasAttribute('data-charts-rendered')", null, { timeout: 60_000 });
    expect(await page.getAttribute('body', 'data-charts-failed')).toBeNull();
    expect(Number(await page.getAttribute('body', 'data-charts-rendered'))).toBe(CHARTS.length);
    for (const c of CHARTS) {
      const el = page.locator(`[data-chart="${c.id}"]`);
      expect(await el.getAttribute('class'), c.id).toContain('live');
      // vega-embed replaced the static view with its own (canvas for the scatter, SVG elsewhere)
      const drawn = await el.evaluate((e: any) => {
        const v = e.querySelector('.vega-embed canvas, .vega-embed svg.marks');
        if (!v) return 0;
        const r = v.getBoundingClientRect();
        return r.width * r.height;
      });
      expect(drawn, c.id).toBeGreaterThan(100 * 100);
    }
    // chart text is real text in the page (axis title of the elbow chart)
    expect(await page.locator('[data-chart="elbow"] svg.marks text', { hasText: 'k (clusters)' }).count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    const shot = join(demo.tmp, 'report.png');
    await page.screenshot({ path: shot, fullPage: false });
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    if (process.env.FLOWSIFT_REPORT_SCREENSHOT) {
      await page.screenshot({ path: join(demo.tmp, 'full.png'), fullPage: true });
      copyFileSync(join(demo.tmp, 'full.png'), process.env.FLOWSIFT_REPORT_SCREENSHOT);
    }
    await page.context().close();
  });

  it('a tooltip appears over a bar, and the anomaly table sorts by a clicked column', async () => {
    const { page, errors } = await open(true);
    await page.waitForFunction("document.body.hasAttribute('data-charts-rendered')", null, { timeout: 60_000 });
    const scores = async (): Promise<number[]> => page.$$eval('#table-anomalies tbody tr', (rows: any[]) => rows.map((r) => Number(r.cells[7].getAttribute('data-v'))));
    const before = await scores();
    const anomalies = readFileSync(join(demo.dir, 'anomalies.jsonl'), 'utf8').trim().split('\n').length;
    expect(before.length).toBe(anomalies);
    expect(before).toEqual([...before].sort((a, b) => b - a));
    await page.locator('#table-anomalies th', { hasText: 'anomaly_score' }).click();
    const asc = await scores();
    expect(asc).toEqual([...before].sort((a, b) => a - b));
    // hover over the busiest bar of the cluster-size chart: vega-tooltip shows its numbers
    const bar = page.locator('[data-chart="cluster-sizes"] svg.marks .mark-rect path[aria-label*="cluster: 0;"]').first();
    await bar.scrollIntoViewIfNeeded();
    await bar.hover({ force: true });
    await page.waitForSelector('#vg-tooltip-element.visible', { timeout: 5_000 });
    expect(await page.locator('#vg-tooltip-element').innerText()).toContain('flows');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('without JavaScript, every chart still shows as its static image', async () => {
    const { page, blocked } = await open(false);
    for (const c of CHARTS) {
      const area = await page.locator(`[data-chart="${c.id}"] > svg, [data-chart="${c.id}"] > img`).evaluate((e: any) => {
        const r = e.getBoundingClientRect();
        return r.width * r.height;
      });
      expect(area, c.id).toBeGreaterThan(100 * 100);
    }
    expect(blocked).toEqual([]);
    await page.context().close();
  });
});
