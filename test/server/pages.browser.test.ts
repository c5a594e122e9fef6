/**
 * The dashboard in a real browser: `flowsift serve`'s app over a real socket on loopback, Debian's
 * Chromium driven by playwright-core, every request to another origin aborted and recorded. The
 * overview's charts draw under the strict CSP without a console error; a click on a value filters
 * the explorer; a flow's pcap downloads and holds the flow's packets (flowsift info); a triage click
 * persists; the demo capture uploads and lands on its incidents; a corrupt one shows flowsift's
 * one-line error; a token-protected server takes the token at /login. Screenshots go to the test's
 * temp dir, and to $FLOWSIFT_SERVE_SCREENSHOTS (a directory) when set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, watchedPage, type WatchedPage } from '../browser.ts';
import { cli, jsonl } from '../cli/model-helpers.ts';
import { createContext, type ServerContext } from '../../src/server/context.ts';
import { createApp } from '../../src/server/app.ts';

const SAMPLE = new URL('../../samples/demo.pcap', import.meta.url).pathname;
const BASELINE = new URL('../../samples/baseline.pcap', import.meta.url).pathname;
const TOKEN = 'correct horse battery staple';

interface Running {
  ctx: ServerContext;
  server: ServerType;
  base: string;
}

let tmp: string;
let dir: string;
let browser: Browser;
let open: Running;
let locked: Running;
let scores: Record<string, any>[];
let incidents: Record<string, any>[];

async function start(opts: { token?: string }): Promise<Running> {
  const ctx = await createContext({ dirs: [dir], token: opts.token, jobsDir: mkdtempSync(join(tmp, 'jobs-')) });
  const app = createApp(ctx);
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return { ctx, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stop(r: Running | undefined): Promise<void> {
  if (!r) return;
  await new Promise<void>((resolve) => r.server.close(() => resolve()));
  await r.ctx.close();
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'flowsift-serve-browser-'));
  dir = join(tmp, 'demo');
  const a = await cli(['analyze', SAMPLE, '--baseline', BASELINE, '--out-dir', dir, '-q']);
  if (a.code !== 0) throw new Error(`analyze failed: ${a.err}`);
  scores = jsonl(readFileSync(join(dir, 'scores.jsonl'), 'utf8'));
  incidents = jsonl(readFileSync(join(dir, 'incidents.jsonl'), 'utf8'));
  open = await start({});
  locked = await start({ token: TOKEN });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stop(open);
  await stop(locked);
  rmSync(tmp, { recursive: true, force: true });
});

function tab(base: string, width = 1280): Promise<WatchedPage> {
  return watchedPage(browser, { viewport: { width, height: 800 }, acceptDownloads: true }, (url) => url.startsWith(base) || url.startsWith('data:') || url.startsWith('blob:'));
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  const path = join(tmp, `serve-ui-${name}.png`);
  await page.screenshot({ path, fullPage });
  expect(statSync(path).size).toBeGreaterThan(10_000);
  if (process.env.FLOWSIFT_SERVE_SCREENSHOTS) copyFileSync(path, join(process.env.FLOWSIFT_SERVE_SCREENSHOTS, `serve-ui-${name}.png`));
}

const charts = (page: Page): Promise<unknown> => page.waitForFunction("document.body.hasAttribute('data-charts-rendered')", null, { timeout: 60_000 });

describe('the dashboard in Chromium', () => {
  it('the overview draws its timeline under the CSP, offline, without a console error', async () => {
    const { page, errors, blocked } = await tab(open.base);
    await page.goto(`${open.base}/`);
    await charts(page);
    expect(await page.getAttribute('body', 'data-charts-failed')).toBeNull();
    expect(await page.getAttribute('body', 'data-charts-rendered')).toBe('1');
    const drawn = await page.locator('[data-chart="timeline"] svg.marks').evaluate((e: any) => e.getBoundingClientRect().width);
    expect(drawn).toBeGreaterThan(800);
    expect(await page.locator('.kpi b').first().innerText()).toBe(String(scores.length));
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    await shot(page, 'overview', true);
    // a click on the timeline opens the explorer on that second, with its flows
    const box = (await page.locator('[data-chart="timeline"] svg.marks').boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.4, box.y + box.height * 0.5);
    await page.waitForURL(/\/flows\?from=/);
    const u = new URL(page.url()).searchParams;
    const from = Date.parse(u.get('from')!) / 1000;
    const to = Date.parse(u.get('to')!) / 1000;
    expect(to - from).toBe(1);
    const inSecond = scores.filter((r) => r.ts >= from && r.ts < to).length;
    expect(await page.locator('.toolbar b').first().innerText()).toBe(String(inSecond));
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a click on a value filters the explorer to it, ⊖ excludes one, and the chips undo them', async () => {
    const { page, errors } = await tab(open.base);
    await page.goto(`${open.base}/flows`);
    const svc = (await page.locator('table.flows tbody tr').first().getAttribute('data-uid'))!;
    const first = scores.find((r) => r.uid === svc)!;
    await page.locator('table.flows tbody tr').first().locator(`.pv a[title="only service ${first.service}"]`).click();
    await page.waitForURL(/service=/);
    expect(new URL(page.url()).searchParams.getAll('service')).toEqual([first.service]);
    const want = scores.filter((r) => r.service === first.service).length;
    expect(await page.locator('.toolbar b').first().innerText()).toBe(String(want));
    const services = await page.$$eval('table.flows tbody tr', (rows: any[]) => rows.map((r) => r.querySelector('td:nth-child(6)').innerText.replace('⊖', '').trim()));
    expect(new Set(services)).toEqual(new Set([first.service]));
    // exclude the first row's flag
    const row = page.locator('table.flows tbody tr').first();
    await row.hover();
    const flag = first.flag as string;
    await row.locator(`.pv a.ex[title="exclude flag ${flag}"]`).click();
    await page.waitForURL(/flag=%21/);
    const left = scores.filter((r) => r.service === first.service && r.flag !== flag).length;
    expect(await page.locator('.toolbar b').first().innerText()).toBe(String(left));
    await shot(page, 'explorer');
    // remove the service chip: only the flag exclusion stays
    await page.locator('.chip', { hasText: 'service' }).locator('a').click();
    await page.waitForURL((u) => !u.searchParams.has('service'));
    expect(new URL(page.url()).searchParams.getAll('flag')).toEqual([`!${flag}`]);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a flow page downloads the flow\'s packets as a pcap with the packets the flow counted', async () => {
    const { page, errors } = await tab(open.base);
    const top = scores.filter((r) => r.protocol_type === 'tcp' && r.src_pkts + r.dst_pkts > 3).sort((a, b) => b.anomaly_score - a.anomaly_score)[0]!;
    await page.goto(`${open.base}/flows/${top.uid}`);
    expect(await page.locator('#community-id').innerText()).toBe(top.community_id);
    await shot(page, 'flow', true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#pcap-link').click()]);
    const file = join(tmp, `${top.uid}.pcap`);
    await download.saveAs(file);
    const info = await cli(['info', file, '--json']);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.out.trim().split('\n')[0]!).packets).toBe(top.src_pkts + top.dst_pkts);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('acknowledging an incident is saved beside the analysis', async () => {
    const { page, errors } = await tab(open.base);
    await page.goto(`${open.base}/incidents`);
    const id = incidents[0]!.incident_id as string;
    const inc = page.locator(`tbody[data-incident="${id}"]`);
    await inc.locator('a.toggle').click();
    await inc.locator('button.triage[data-set="acknowledged"]').click();
    await page.waitForFunction((i: string) => (globalThis as any).document.querySelector(`tbody[data-incident="${i}"] .status`)?.textContent === 'acknowledged', id);
    const saved = JSON.parse(readFileSync(join(dir, 'triage.json'), 'utf8'));
    expect(saved.incidents[id].status).toBe('acknowledged');
    await shot(page, 'incidents');
    // a reload reads the saved state
    await page.reload();
    expect(await page.locator(`tbody[data-incident="${id}"] .status`).innerText()).toBe('acknowledged');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('the model page draws the report charts', async () => {
    const { page, errors } = await tab(open.base);
    await page.goto(`${open.base}/model`);
    await charts(page);
    expect(await page.getAttribute('body', 'data-charts-failed')).toBeNull();
    expect(Number(await page.getAttribute('body', 'data-charts-rendered'))).toBeGreaterThanOrEqual(4);
    expect(errors).toEqual([]);
    await shot(page, 'model', true);
    await page.context().close();
  });

  it('uploading the demo capture shows progress and lands on its incidents; a corrupt one shows the one-line error', async () => {
    const { page, errors } = await tab(open.base);
    await page.goto(`${open.base}/analyze`);
    await page.setInputFiles('#capture', SAMPLE);
    await page.click('#analyze-start');
    await page.waitForURL(/\/incidents\?analysis=/, { timeout: 120_000 });
    // the upload is its own analysis (trained on itself): the page lists every incident it found
    const name = new URL(page.url()).searchParams.get('analysis')!;
    const made = open.ctx.analyses.get(name);
    const n = Number((await made.store.query('SELECT count(*)::INTEGER AS n FROM incidents')).rows[0]!.n);
    expect(n).toBeGreaterThan(0);
    expect(await page.locator('tbody.inc').count()).toBe(n);
    await shot(page, 'uploaded');
    // a capture corrupt after its first 400 kB: flowsift keeps what it read and names the fault
    const bad = join(tmp, 'broken.pcap');
    const pcap = readFileSync(SAMPLE);
    writeFileSync(bad, Buffer.concat([pcap.subarray(0, 400_000), Buffer.alloc(64, 0xff), pcap.subarray(400_000, 500_000)]));
    await page.goto(`${open.base}/analyze`);
    await page.setInputFiles('#capture', bad);
    await page.click('#analyze-start');
    await page.waitForSelector('#analyze-error:not([hidden])', { timeout: 120_000 });
    // flowsift's one line naming the file, the byte and the fault, as the job reports it
    const msg = await page.locator('#analyze-error').innerText();
    expect(msg.split('\n')).toHaveLength(1);
    expect(msg).toMatch(/^flowsift: broken\.pcap: byte 400\d+: record \d+: .*corrupt record header/);
    const jobId = (await page.getAttribute('body', 'data-job'))!;
    expect(open.ctx.jobs.get(jobId)!.error).toBe(msg);
    expect(await page.locator('#progress-log li', { hasText: msg }).count()).toBeGreaterThanOrEqual(1);
    // what was read before the fault is served, and the page links it
    const kept = await page.locator('#analyze-kept a').getAttribute('href');
    expect(kept).toMatch(/^\/incidents\?analysis=broken/);
    await shot(page, 'analyze-error');
    expect(errors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
    await page.context().close();
  });

  it('a server with a token sends pages to the login form, and the token opens them', async () => {
    const { page } = await tab(locked.base);
    await page.goto(`${locked.base}/flows?service=http`);
    await page.waitForURL(/\/login\?next=/);
    await page.fill('#token', 'wrong');
    await page.click('#login-form button');
    await page.waitForSelector('.error');
    await shot(page, 'login');
    await page.fill('#token', TOKEN);
    await page.click('#login-form button');
    await page.waitForURL(`${locked.base}/flows?service=http`);
    expect(await page.locator('table.flows tbody tr').count()).toBeGreaterThan(0);
    await page.context().close();
  });

  it('is readable in a narrow window', async () => {
    const { page, errors } = await tab(open.base, 420);
    await page.goto(`${open.base}/flows?anomaly=1`);
    const overflow = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth - (globalThis as any).innerWidth);
    // the table scrolls inside its own box; the page itself does not
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, 'narrow');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
