/**
 * A real headless Chromium (Debian package `chromium`) driven by playwright-core,
 * one per test file, plus helpers: screenshots under test-output/screenshots/
 * and a record of page errors so a test can fail on any uncaught script error.
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
} from "playwright-core";
import { repoRoot } from "../../../common/paths.js";

export const CHROMIUM_PATH = "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-quic",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: apt-get install chromium (Debian package "chromium")`,
    );
  }
  // Bounds for a hung browser, not speeds: a niced Chromium at load 15-20 starts and renders
  // many times slower than idle (playwright's own defaults are 30 s).
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 120_000 });
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 860 };

/** A fresh context (own sessionStorage) with a language preset; `phone` gives a small touch screen. */
export async function newContext(
  browser: Browser,
  opts: { lang?: "zh" | "en"; phone?: boolean; baseURL?: string } = {},
): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    viewport: opts.phone ? PHONE : DESKTOP,
    deviceScaleFactor: 1,
    isMobile: opts.phone === true,
    hasTouch: opts.phone === true,
    locale: opts.lang === "zh" ? "zh-CN" : "en-GB",
    timezoneId: "Asia/Shanghai",
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
  });
  ctx.setDefaultTimeout(60_000);
  ctx.setDefaultNavigationTimeout(60_000);
  if (opts.lang) {
    // A string, not a function: this file is type-checked without the DOM library.
    const lang = JSON.stringify(opts.lang);
    await ctx.addInitScript({
      content: `if (!localStorage.getItem("haitang.lang")) localStorage.setItem("haitang.lang", ${lang});`,
    });
  }
  return ctx;
}

/** Collects uncaught page errors and console errors; `errors` should stay empty. */
export function watchErrors(page: Page): { errors: string[] } {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  return { errors };
}

export function screenshotDir(): string {
  const dir = join(repoRoot(), "test-output", "screenshots");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Saves a full-page PNG as test-output/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(screenshotDir(), `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: "disabled" });
  return path;
}

/** Every ES module file under `webRoot`/js, as the page refers to it ("js/views/x.js"). */
export function moduleFiles(webRoot: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(webRoot, rel), { withFileTypes: true })) {
      const path = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith(".js")) out.push(path);
    }
  };
  walk("js");
  return out.sort();
}

/** The ranges the pages' charts offer ("1h", "6h", "24h", "7d"), in ms: web-common/js/chart-scale.js. */
export const CHART_RANGES_MS = (
  (await import(new URL("../../../web-common/js/chart-scale.js", import.meta.url).href)) as {
    CHART_RANGES_MS: Record<string, number>;
  }
).CHART_RANGES_MS;

/** The span of the chart range `key` (throws for a range the pages do not offer). */
export function rangeMs(key: string): number {
  const ms = CHART_RANGES_MS[key];
  if (ms === undefined) throw new Error(`no chart range '${key}'`);
  return ms;
}

/**
 * The chart of the page just opened: waits until `svg.chart` ends at or after `since` (a
 * `Date.now()` taken before the page was asked for) and spans the range `range`. A new hash
 * reaches the page a moment after `goto` returns, so until then the previous page's chart is
 * still in place and a plain wait for `svg.chart` can find it.
 */
export async function chartSince(
  page: Page,
  since: number,
  range: string,
  timeout = 60_000,
): Promise<Locator> {
  const spanMs = rangeMs(range);
  await page.waitForFunction(
    `(() => {
      const c = document.querySelector("svg.chart");
      const from = Number(c?.getAttribute("data-from"));
      const to = Number(c?.getAttribute("data-to"));
      return to >= ${since} && to - from === ${spanMs};
    })()`,
    undefined,
    { timeout },
  );
  return page.locator("svg.chart");
}

/** The hrefs of <link rel="modulepreload"> in an HTML page. */
export function preloadedModules(html: string): string[] {
  return [...html.matchAll(/<link rel="modulepreload" href="([^"]+)"/g)].map((m) => m[1]!).sort();
}
