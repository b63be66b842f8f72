import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export { BIN, startServe, type ServeProcess } from '../../support/serve.ts';
export const SCREENSHOT_DIR = path.resolve('docs/screenshots');

/** Debian's chromium, headless; a missing browser fails the test with the install step. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser tests need Debian's chromium (apt-get install chromium)`,
    );
  }
  // Playwright gives every launch a fresh, temporary --user-data-dir.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function newPage(
  browser: Browser,
  locale: string,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    locale,
    viewport: { width: 1360, height: 900 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[134]/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return { context, page, errors };
}

/**
 * Screenshots of the main pages go to docs/screenshots when ESCUCHA_UPDATE_SCREENSHOTS=1 (the README shows them),
 * elsewhere to the test's temporary folder, so a test run does not change tracked files.
 */
export async function screenshot(page: Page, name: string, tmpDir: string): Promise<string> {
  const dir =
    process.env.ESCUCHA_UPDATE_SCREENSHOTS === '1' ? SCREENSHOT_DIR : path.join(tmpDir, 'screenshots');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

export async function signIn(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.locator('header nav').waitFor({ timeout: 15_000 });
}

/** Where the browser tests leave what they saw (screenshots of every page): ignored by git, kept after the run. */
export const OUTPUT_DIR = path.resolve(process.env.ESCUCHA_TEST_OUTPUT ?? 'test-results/browser');

/** The sizes every page is looked at: a laptop and a common desktop screen. */
export const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 1440, height: 900 },
] as const;

const AXE = path.resolve('node_modules/axe-core/axe.min.js');
let axeText: Promise<string> | undefined;
const axeSource = () => (axeText ??= readFile(AXE, 'utf8'));

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.1 A and AA rules). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the UI's Content-Security-Policy (script-src 'self') forbids an
  // injected <script>, and rightly so.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(await axeSource());
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<AxeResults> } })
      .axe;
    interface AxeResults {
      passes: unknown[];
      violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
    }
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
    if (result.passes.length + result.violations.length === 0) throw new Error('axe-core checked no rule');
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => n.target.join(' ')),
      }));
  });
}

/**
 * What a user should never see on a page: raw JSON, a message key or a parameter name in the UI's own words
 * (labels, headings, buttons, options, legends, column heads), and a page or a table wider than the window.
 */
export async function pageProblems(page: Page, keys: readonly string[]): Promise<string[]> {
  return page.evaluate((keys) => {
    const problems: string[] = [];
    const text = document.body.innerText;
    const json = /[{[]\s*"[A-Za-z_][\w.]*"\s*:/.exec(text);
    if (json) problems.push(`raw JSON: …${text.slice(json.index, json.index + 60)}…`);
    const known = new Set(keys);
    const chrome = document.querySelectorAll(
      'h1, h2, h3, label, legend, summary, button, option, th[scope=col], nav a, .badge, p.muted, .hbar-value',
    );
    for (const el of Array.from(chrome)) {
      const words = (el as HTMLElement).innerText ?? el.textContent ?? '';
      for (const w of words.match(/\b[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*|_[a-z0-9]+)+\b/g) ?? []) {
        problems.push(`${known.has(w) ? 'message key' : 'raw name'} "${w}" in <${el.tagName.toLowerCase()}>`);
      }
    }
    for (const w of text.match(/\b[a-z]+_[a-zA-Z_]+\b/g) ?? []) {
      if (known.has(w)) problems.push(`message key "${w}" on the page`);
    }
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1) {
      problems.push(`the page is ${root.scrollWidth - root.clientWidth}px wider than the window`);
    }
    for (const wrap of Array.from(document.querySelectorAll('.table-wrap'))) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        const table = wrap.querySelector('table');
        problems.push(
          `table ${table?.className || ''} overflows by ${wrap.scrollWidth - wrap.clientWidth}px`.replace(
            '  ',
            ' ',
          ),
        );
      }
    }
    return [...new Set(problems)];
  }, keys);
}

/** Waits until a page has loaded what it asked for: no request in flight, nothing marked busy or loading. */
export async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(
    () =>
      !document.querySelector('[aria-busy=true], .loading') &&
      !/Loading…|Cargando…/.test(document.body.innerText),
    undefined,
    { timeout: 15_000 },
  );
}

/**
 * A screenshot of the page under OUTPUT_DIR/screenshots: the window, or the whole page with ESCUCHA_FULL_PAGE=1
 * (to read what lies below the fold).
 */
export async function pageShot(page: Page, name: string): Promise<string> {
  const dir = path.join(OUTPUT_DIR, 'screenshots');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: process.env.ESCUCHA_FULL_PAGE === '1' });
  return file;
}
