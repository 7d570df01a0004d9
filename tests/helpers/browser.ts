import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Express } from 'express';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { projectRoot } from '../../src/paths';

/** Debian's chromium; the browser tests skip cleanly where it is not installed. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);
export const resultsDir = path.join(projectRoot, 'test-results');
const axePath = path.join(projectRoot, 'node_modules', 'axe-core', 'axe.min.js');

export const DESKTOP = { width: 1280, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;

// Quiet, offline and reproducible: no GPU, no background traffic to Google, no updates.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchBrowser(): Promise<Browser> {
  fs.mkdirSync(resultsDir, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** A new context; bypassCSP only so that axe-core can be injected, the pages themselves run no script. */
export function newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ viewport: { ...PHONE }, deviceScaleFactor: 1, bypassCSP: true, ...options });
}

export interface Served {
  base: string;
  close(): Promise<void>;
}

/** The Express app on an ephemeral loopback port. */
export async function serve(app: Express): Promise<Served> {
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Keep-alive sockets of a closed browser would hold close() open.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/** axe-core on the current page; only serious and critical findings count. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: axePath });
  const violations = (await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (ctx: Document) => Promise<{ violations: AxeViolation[] }> } }).axe.run(document);
    return result.violations;
  })) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export function describeViolations(violations: AxeViolation[]): string {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`).join('\n');
}

/** How far the page scrolls sideways (0 when it fits the viewport). */
export function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Console errors and uncaught page errors, collected from the moment a page is watched. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return errors;
}

/**
 * Everything checked on every page of a journey: axe-core (serious/critical), no sideways
 * scroll on a phone, no raw i18n key (the catalogue's missing-key marker ⟦ns:key⟧).
 * Findings are collected rather than thrown, so one run reports every page at once.
 */
export interface PendingFinding {
  rule: string;
  /** Page names (as passed to check()) the finding may appear on. */
  pages: RegExp;
  /** Every node of the finding must match this selector text. */
  target: RegExp;
  /** Who owns the view and why it is not fixed here. */
  reason: string;
}

export class PageAudit {
  readonly axeFindings: Record<string, AxeViolation[]> = {};
  /** Findings reported to a module that is still being edited, kept apart and printed, not hidden. */
  readonly pendingFindings: Record<string, AxeViolation[]> = {};
  readonly problems: string[] = [];
  pagesChecked = 0;

  constructor(
    private readonly label: string,
    private readonly pending: PendingFinding[] = [],
  ) {}

  private isPending(name: string, v: AxeViolation): boolean {
    return this.pending.some((p) => p.rule === v.id && p.pages.test(name) && v.nodes.every((n) => p.target.test(JSON.stringify(n.target))));
  }

  async check(page: Page, name: string): Promise<void> {
    this.pagesChecked++;
    const violations = await seriousViolations(page);
    const pending = violations.filter((v) => this.isPending(name, v));
    const failing = violations.filter((v) => !pending.includes(v));
    if (failing.length) this.axeFindings[name] = failing;
    if (pending.length) this.pendingFindings[name] = pending;
    const text = await page.evaluate(() => document.documentElement.innerHTML);
    if (text.includes('⟦')) this.problems.push(`${name}: raw i18n key ${/⟦[^⟧]*⟧/.exec(text)?.[0]}`);
  }

  /** The phone check: the page must not scroll sideways at its current (narrow) viewport. */
  async checkNoSidewaysScroll(page: Page, name: string, tolerance = 1): Promise<void> {
    const overflow = await sidewaysOverflow(page);
    if (overflow > tolerance) this.problems.push(`${name}: scrolls sideways by ${overflow}px at ${page.viewportSize()?.width}px`);
  }

  get violationCount(): number {
    return Object.values(this.axeFindings).reduce((n, v) => n + v.length, 0);
  }

  /** One line for the closing note's figures. */
  summary(): string {
    const count = (findings: Record<string, AxeViolation[]>) => Object.values(findings).reduce((n, v) => n + v.length, 0);
    const nodes = (findings: Record<string, AxeViolation[]>) => Object.values(findings).reduce((n, v) => n + v.reduce((m, x) => m + x.nodes.length, 0), 0);
    const pending = count(this.pendingFindings);
    const unused = this.pending.filter((p) => !Object.values(this.pendingFindings).some((v) => v.some((x) => x.id === p.rule)));
    return (
      `[a11y ${this.label}] axe-core on ${this.pagesChecked} page checks: ${this.violationCount} serious/critical violations (${nodes(this.axeFindings)} nodes)` +
      (this.pending.length ? `, ${pending} pending in other modules (${nodes(this.pendingFindings)} nodes)` : '') +
      `, ${this.problems.length} other problems` +
      (unused.length ? `; pending exceptions no longer needed, remove them: ${unused.map((p) => p.rule).join(', ')}` : '')
    );
  }

  /** The pending findings in full, for the log. */
  pendingReport(): string {
    return Object.entries(this.pendingFindings)
      .map(([name, v]) => `${name} (pending: ${this.pending.find((p) => v.some((x) => x.id === p.rule))?.reason}):\n${describeViolations(v)}`)
      .join('\n');
  }

  /** Every failing finding so far ('' when clean). */
  report(): string {
    const axe = Object.entries(this.axeFindings).map(([name, v]) => `${name}:\n${describeViolations(v)}`);
    return [...axe, ...this.problems].join('\n\n');
  }

  private reported = { axe: new Set<string>(), problems: 0 };

  /** The failing findings since the previous call, so that each test of a journey answers for its own pages. */
  newFindings(): string {
    const axe = Object.entries(this.axeFindings)
      .filter(([name]) => !this.reported.axe.has(name))
      .map(([name, v]) => `${name}:\n${describeViolations(v)}`);
    for (const name of Object.keys(this.axeFindings)) this.reported.axe.add(name);
    const problems = this.problems.slice(this.reported.problems);
    this.reported.problems = this.problems.length;
    return [...axe, ...problems].join('\n\n');
  }
}

/** A full-page screenshot at the given viewport, named <prefix>-<name>-<width>.png. */
export async function screenshotAt(page: Page, viewport: { width: number; height: number }, file: string): Promise<void> {
  await page.setViewportSize(viewport);
  await page.screenshot({ path: path.join(resultsDir, file), fullPage: true });
}
