import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { expect } from 'vitest';
import { createTestApp, type TestApp } from './app';
import { DESKTOP, PHONE, launchBrowser, newContext, screenshotAt, serve, watchConsole, type PageAudit, type Served } from './browser';

/** A browser journey's world: an app on a fresh database served on loopback, and one page of a fresh chromium. */
export interface Journey {
  t: TestApp;
  served: Served;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and failed requests of the page (a journey ends by expecting none). */
  consoleErrors: string[];
  /** Closes everything it opened, in reverse order; safe after a failed start. */
  close(): Promise<void>;
}

/**
 * The setup the browser journeys share: the app (seeded as asked) and chromium start together,
 * then one context (desktop by default; `context` sets locale, viewport, JavaScript) and its page.
 */
export async function startJourney(options: { seed: 'base' | 'demo'; context?: BrowserContextOptions }): Promise<Journey> {
  const [t, browser] = await Promise.all([createTestApp({ seed: options.seed }), launchBrowser()]);
  const served = await serve(t.app);
  const context = await newContext(browser, { viewport: { ...DESKTOP }, ...options.context });
  const page = await context.newPage();
  const consoleErrors = watchConsole(page);
  return {
    t,
    served,
    browser,
    context,
    page,
    consoleErrors,
    async close() {
      await context.close();
      await browser.close();
      await served.close();
      await t.close();
    },
  };
}

/**
 * A journey's page once it is shown: it has a heading, screenshots at both sizes are kept
 * (`<prefix>-<name>-<width>.png` in test-results/), it does not scroll sideways on a phone, and
 * axe-core runs at phone width (where more regions scroll, so it finds what the desktop would and
 * more). The page is left at desktop width.
 */
export async function visitedPage(page: Page, audit: PageAudit, prefix: string, name: string): Promise<void> {
  expect(await page.locator('h1').count(), `${name} has a heading`).toBeGreaterThan(0);
  await screenshotAt(page, DESKTOP, `${prefix}-${name}-${DESKTOP.width}.png`);
  await screenshotAt(page, PHONE, `${prefix}-${name}-${PHONE.width}.png`);
  await audit.checkNoSidewaysScroll(page, name);
  await audit.check(page, name);
  await page.setViewportSize(DESKTOP);
}
