/**
 * Browser tests' shared set-up: Debian's Chromium through playwright-core (never a downloaded
 * browser), with the flags that keep it off the network, and pages that record console errors and
 * abort (and record) every request the test does not allow.
 */
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

const LAUNCH = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: LAUNCH });
}

export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught page errors. */
  errors: string[];
  /** Requests aborted because `allow` refused them. */
  blocked: string[];
}

/** A new page in its own context; requests whose URL `allow` refuses are aborted and listed. */
export async function watchedPage(browser: Browser, options: BrowserContextOptions, allow: (url: string) => boolean): Promise<WatchedPage> {
  const ctx = await browser.newContext(options);
  const page = await ctx.newPage();
  const errors: string[] = [];
  const blocked: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (allow(url)) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  return { page, errors, blocked };
}
