/**
 * Screenshots of the dashboard's issue-13 pages — district cockpit, the grid
 * worker's orders, a site's work orders, a resident's report form, an alarm
 * with its work order, the buildings view, a port's power chart (dashboard)
 * and a charger's readings (gateway page), both with a read-out and an alarm
 * flag — in zh and en, desktop and phone,
 * over the real chain (tests/browser/support/stack.ts) with a fire, an
 * overload, a dispatched and escalated work order and a resident's report.
 * Written to test-output/screenshots/pages/ (ignored by git: regenerate them
 * rather than commit them).
 *
 *   npm run build && node dist/bench/page-screenshots.js
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { repoRoot } from "../common/paths.js";
import { SMOKE_ALARM } from "../protocol/constants.js";
import { launchBrowser, newContext } from "../tests/browser/support/browser.js";
import {
  CHARGER,
  GARDEN,
  PASSWORD,
  REPORT_KEY,
  RIVER,
  SHED_ID,
  startStack,
  TOKEN_ALL,
  TOKEN_WORKER,
  WORKER,
} from "../tests/browser/support/stack.js";
import { waitFor } from "../tests/support/services.js";

async function main(): Promise<void> {
  let skipMs = 0;
  const stack = await startStack({ now: () => Date.now() + skipMs });
  const browser = await launchBrowser();
  const dir = join(repoRoot(), "test-output", "screenshots", "pages");
  mkdirSync(dir, { recursive: true });
  const api = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${stack.baseUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    });
  try {
    const g = stack.garden;
    for (const w of [420, 610, 880, 1020])
      await g.send(g.telemetry([w, 900, 1050, 1000, 1100, 1200, 1000, 900]));
    await g.send(g.telemetry([1300, 900, 1050, 1000, 1100, 1200, 1000, 900], [0]));
    await g.send(g.cutEvent(0, 1300));
    await stack.river.smoke(SMOKE_ALARM);
    const fire = await waitFor(async () => {
      const res = await api(`/api/sites/${RIVER.site}/alarms?active=true`, TOKEN_ALL);
      const body = (await res.json()) as { alarms: Array<{ kind: string; alarmId: string }> };
      return body.alarms.find((a) => a.kind === "fire")?.alarmId;
    }, "the fire");
    const overload = await waitFor(async () => {
      const res = await api(`/api/sites/${GARDEN.site}/alarms?active=true`, TOKEN_ALL);
      const body = (await res.json()) as { alarms: Array<{ kind: string; alarmId: string }> };
      return body.alarms.find((a) => a.kind === "port-overload")?.alarmId;
    }, "the overload");
    const order = (await (
      await api(`/api/sites/${GARDEN.site}/work-orders`, TOKEN_ALL, {
        method: "POST",
        body: JSON.stringify({ alarmId: overload, assignee: WORKER, note: "Check port 1" }),
      })
    ).json()) as { id: string };
    await api(`/api/sites/${GARDEN.site}/work-orders/${order.id}/steps`, TOKEN_WORKER, {
      method: "POST",
      body: JSON.stringify({ to: "on-the-way" }),
    });
    await fetch(`${stack.baseUrl}/api/public/sites/${GARDEN.site}/reports`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: REPORT_KEY, place: "3 号楼楼道", text: "楼道里有电动车在充电" }),
    });
    skipMs += 61 * 60_000;
    await stack.bridge.escalateNow();

    const gatewayUi = `http://127.0.0.1:${g.gateway.httpPort()}/ui/`;
    const basic = `Basic ${Buffer.from(`installer:${PASSWORD}`).toString("base64")}`;
    const charger = CHARGER.toString(16).padStart(8, "0");
    const pages: Array<[string, string, string]> = [
      ["chart", `#/history/${GARDEN.site}/${SHED_ID}?device=${charger}&port=0&range=1h`, TOKEN_ALL],
      ["gateway-chart", `${gatewayUi}#/device?id=${charger}&series=power_w%2F0&range=1h`, basic],
      ["cockpit", "#/cockpit", TOKEN_ALL],
      ["orders", "#/orders", TOKEN_WORKER],
      ["work-orders", `#/work-orders/${GARDEN.site}`, TOKEN_ALL],
      ["snap", `#/snap/${GARDEN.site}?k=${REPORT_KEY}`, ""],
      ["alarm-dispatch", `#/alarm/${RIVER.site}/${encodeURIComponent(fire)}`, TOKEN_ALL],
      ["buildings", `#/buildings/${RIVER.site}`, TOKEN_ALL],
    ];
    let n = 0;
    for (const [name, hash, token] of pages)
      for (const lang of ["en", "zh"] as const)
        for (const phone of [false, true]) {
          const ctx = await newContext(browser, { lang, phone });
          const onGateway = hash.startsWith("http");
          const key = onGateway ? "haitang.gateway.auth" : "haitang.token";
          if (token)
            await ctx.addInitScript({
              content: `sessionStorage.setItem(${JSON.stringify(key)}, ${JSON.stringify(token)});`,
            });
          const page = await ctx.newPage();
          await page.goto(onGateway ? hash : `${stack.baseUrl}/${hash}`);
          await page.locator("main h1").first().waitFor();
          // The view's data: no "Loading…" left on the page.
          await page
            .getByTestId("loading")
            .waitFor({ state: "detached", timeout: 15_000 })
            .catch(() => undefined);
          await readOut(page, phone);
          const file = join(dir, `${name}-${phone ? "phone" : "desktop"}-${lang}.png`);
          await page.screenshot({ path: file, fullPage: true, animations: "disabled" });
          n++;
          await ctx.close();
        }
    console.log(`${n} screenshots in ${dir}`);
  } finally {
    await browser.close();
    await stack.stop();
  }
}

/** On a chart, points at (or taps) the middle of the plot, so the read-out shows. */
async function readOut(page: Page, phone: boolean): Promise<void> {
  const chart = page.locator("svg.chart");
  if ((await chart.count()) === 0) return;
  const box = await page.locator("svg.chart .hover-area").boundingBox();
  if (!box) return;
  const x = box.x + box.width * 0.97;
  const y = box.y + box.height / 2;
  if (phone) await page.touchscreen.tap(x, y);
  else await page.mouse.move(x, y);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
