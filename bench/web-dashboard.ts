/**
 * The property firm's dashboard on loopback, in headless Chromium, over the
 * real chain (tests/browser/support/stack.ts: charger on a pty -> gateway ->
 * uplink -> Mosquitto -> cloud bridge -> SSE -> page).
 *
 *  - first page load: a fresh browser context (empty cache) opens the sites
 *    overview; time to the DOMContentLoaded event, to the load event, and until
 *    the site cards (first API answer) are on screen;
 *  - alarm latency: an overload cut on a charger port; time from the charger's
 *    frame leaving the pty (so the gateway's decode, rules, commit and publish
 *    are inside it: an upper bound of "published at the gateway -> on screen")
 *    until the alarm row is in the open alarm page (a MutationObserver stamps
 *    it with Date.now, the same clock as the bench).
 *
 *   npm run build && node dist/bench/web-dashboard.js [runs]
 */
import type { Page } from "playwright-core";
import { launchBrowser, newContext } from "../tests/browser/support/browser.js";
import { startStack, TOKEN_ALL } from "../tests/browser/support/stack.js";
import { waitFor } from "../tests/support/services.js";

const RUNS = Number(process.argv[2] ?? 9);
const PORTS = 8;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function line(name: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${name.padEnd(44)} median ${median(xs).toFixed(1).padStart(7)} ms   min ${s[0]!.toFixed(1).padStart(7)}   max ${s[s.length - 1]!.toFixed(1).padStart(7)}   (n=${xs.length})`;
}

async function main(): Promise<void> {
  const stack = await startStack();
  const browser = await launchBrowser();
  const out: string[] = [];
  try {
    await stack.garden.send(stack.garden.telemetry(new Array(PORTS).fill(100)));

    // First page load, cold context each time.
    const dcl: number[] = [];
    const load: number[] = [];
    const cards: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const ctx = await newContext(browser, { lang: "en" });
      await ctx.addInitScript({
        content: `sessionStorage.setItem("haitang.token", ${JSON.stringify(TOKEN_ALL)});`,
      });
      const page = await ctx.newPage();
      const t0 = performance.now();
      await page.goto(`${stack.baseUrl}/#/sites`);
      await page.locator("section[data-site]").first().waitFor();
      const tCards = performance.now() - t0;
      // A string: this file is type-checked without the DOM library.
      const nav = (await page.evaluate(`(() => {
        const n = performance.getEntriesByType("navigation")[0];
        return { dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd };
      })()`)) as { dcl: number; load: number };
      dcl.push(nav.dcl);
      load.push(nav.load);
      cards.push(tCards);
      // The same page again in the same tab: browser process and HTTP cache warm.
      const t1 = performance.now();
      await page.reload();
      await page.locator("section[data-site]").first().waitFor();
      warm.push(performance.now() - t1);
      await ctx.close();
    }
    out.push(line("first load: DOMContentLoaded", dcl));
    out.push(line("first load: load event", load));
    out.push(line("first load: site cards on screen", cards));
    out.push(line("reload (warm): site cards on screen", warm));

    // Alarm latency to an open alarm page.
    const ctx = await newContext(browser, { lang: "en" });
    await ctx.addInitScript({
      content: `sessionStorage.setItem("haitang.token", ${JSON.stringify(TOKEN_ALL)});`,
    });
    const page = await ctx.newPage();
    await page.goto(`${stack.baseUrl}/#/alarms`);
    await page.getByTestId("alarms").waitFor();
    await waitFor(
      async () =>
        ((await page.getByTestId("live").getAttribute("class")) ?? "").includes("live-open")
          ? true
          : undefined,
      "the live stream",
    );
    await installObserver(page);

    const fromFrame: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const port = i % PORTS;
      const before = await seenIds(page);
      const sentAt = Date.now();
      await stack.garden.send(stack.garden.cutEvent(port, 1300));
      const alarmId = await waitFor(
        async () => (await seenIds(page)).find((id) => !before.includes(id)),
        "the alarm row",
      );
      const shownAt = await page.evaluate(
        (id) => (globalThis as { seenAlarms?: Record<string, number> }).seenAlarms?.[id] ?? 0,
        alarmId,
      );
      fromFrame.push(shownAt - sentAt);
      await stack.garden.send(stack.garden.restoredEvent(port));
      await waitFor(
        async () =>
          (await page
            .locator(`[data-alarm-id="${alarmId}"] [data-testid=alarm-active]`)
            .textContent()) === "Cleared"
            ? true
            : undefined,
        "the alarm cleared",
      );
    }
    out.push(line("alarm: charger frame -> on screen", fromFrame));
  } finally {
    await browser.close();
    await stack.stop();
  }
  console.log(`web-dashboard (loopback, headless Chromium, ${RUNS} runs)`);
  for (const l of out) console.log(`  ${l}`);
}

function seenIds(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Object.keys((globalThis as { seenAlarms?: Record<string, number> }).seenAlarms ?? {}),
  );
}

/** Stamps (Date.now) the first moment each alarm row is in the page. */
async function installObserver(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const seen = (globalThis.seenAlarms = {});
    const scan = () => {
      for (const el of document.querySelectorAll("article[data-alarm-id]")) {
        const id = el.getAttribute("data-alarm-id");
        if (id && !(id in seen)) seen[id] = Date.now();
      }
    };
    scan();
    new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
  })()`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
