/**
 * The property firm's dashboard in a real headless Chromium, against the real
 * chain: charger frames on a serial pty -> gateway service (rules, alarm
 * store, outbox) -> uplink -> Mosquitto -> cloud bridge (VictoriaMetrics,
 * fleet API, SSE) -> the page. Nothing is mocked but the charger hardware.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isoWeekOf } from "../../cloud-bridge/api/report.js";
import { repoRoot } from "../../common/paths.js";
import { waitFor } from "../support/services.js";
import {
  launchBrowser,
  moduleFiles,
  newContext,
  preloadedModules,
  screenshot,
  watchErrors,
} from "./support/browser.js";
import { POLL, signIn as signInAs } from "./support/sign-in.js";
import {
  CHARGER,
  DETECTOR,
  RIVER,
  SHED_ID,
  SHED_LOCATION,
  SHED_NAME,
  type Stack,
  startStack,
  TOKEN_ALL,
  TOKEN_GARDEN,
} from "./support/stack.js";

/** Sheds are grouped by the placement the gateway sends; the charger's history is by device id. */
const SHED = SHED_ID;
const CHARGER_ID = CHARGER.toString(16).padStart(8, "0");

describe("property firm dashboard (cloud bridge)", () => {
  let stack: Stack;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let errors: string[];

  const signIn = (p: Page, token: string) => signInAs(p, stack.baseUrl, token);

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
    // The shed reports before anyone looks: port 3 charging, the rest idle or light.
    await stack.garden.send(stack.garden.telemetry([180, 0, 640, 90, 0, 0, 0, 0]));
    await stack.river.send(stack.river.telemetry([300, 0, 0, 0]));
    await waitFor(async () => {
      const res = await fetch(`${stack.baseUrl}/api/sites/hz-garden/sheds`, {
        headers: { authorization: `Bearer ${TOKEN_ALL}` },
      });
      const body = (await res.json()) as { sheds: unknown[] };
      return body.sheds.length > 0 ? true : undefined;
    }, "the garden shed in the bridge");
    ctx = await newContext(browser, { lang: "en" });
    page = await ctx.newPage();
    errors = watchErrors(page).errors;
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("signs in with a fleet token and lists only the sites the token allows", async () => {
    await page.goto(`${stack.baseUrl}/`);
    await page.locator("#token").fill("not-a-token");
    await page.locator("form.login button[type=submit]").click();
    await expect
      .poll(() => page.getByTestId("login-error").textContent(), POLL)
      .toBe("This token was not accepted.");
    await signIn(page, TOKEN_GARDEN);
    const site = page.locator(`section[data-site="hz-garden"]`);
    await site.waitFor();
    await expect.poll(() => site.getByTestId("gateways").textContent(), POLL).toBe("1 / 1");
    expect(await page.locator(`section[data-site="${RIVER.site}"]`).count()).toBe(0);
    await screenshot(page, "dashboard-sites");
    await site.locator("h2 a").click();
    const shedCard = page.locator(`a.shed-card[data-shed="${SHED}"]`);
    await shedCard.waitFor();
    expect(await shedCard.locator("h3").textContent()).toBe(`${SHED_NAME} (${SHED})`);
    expect(await page.getByTestId("gateways").textContent()).toContain("online");
    await screenshot(page, "dashboard-site");
  });

  it("lists the detector registered at the gateway but never heard as installed, not yet heard", async () => {
    const detector = DETECTOR.toString(16).padStart(8, "0");
    // The gateway names it in its health messages (every 2 s here).
    await waitFor(async () => {
      const res = await fetch(`${stack.baseUrl}/api/sites/hz-garden/devices`, {
        headers: { authorization: `Bearer ${TOKEN_ALL}` },
      });
      const body = (await res.json()) as { devices: Array<{ deviceId: string; heard?: boolean }> };
      return body.devices.some((d) => d.deviceId === detector && d.heard === false)
        ? true
        : undefined;
    }, "the unheard detector in the cloud's device list");
    await page.goto(`${stack.baseUrl}/#/site/hz-garden`);
    const row = page.getByTestId("unheard-devices").locator(`li[data-device="${detector}"]`);
    await row.waitFor();
    expect(await row.textContent()).toMatch(/installed \d+ (s|min) ago, not yet heard$/);
    expect(await row.textContent()).toContain("b1");
    // Not yet heard is not offline.
    expect(
      await page.getByTestId("offline-devices").locator(`li[data-device="${detector}"]`).count(),
    ).toBe(0);
    await screenshot(page, "dashboard-site-unheard");
  });

  it("shows a shed's ports against their limits and updates them live without a reload", async () => {
    await page.goto(`${stack.baseUrl}/#/shed/hz-garden/${SHED}`);
    const port3 = page.locator(`section[data-port="2"]`);
    await port3.waitFor();
    expect(await page.getByTestId("shed-title").textContent()).toBe(`${SHED_NAME} (${SHED})`);
    expect(await page.getByTestId("where").textContent()).toContain(SHED_LOCATION);
    expect(await port3.getAttribute("data-device")).toBe(CHARGER_ID);
    expect(await port3.getByTestId("port-state").textContent()).toBe("Charging");
    expect(await port3.getByTestId("port-power").textContent()).toContain("640 W");
    expect(await port3.getByTestId("port-power").textContent()).toContain("limit 1,100 W");
    expect(await page.getByTestId("total").getAttribute("aria-valuenow")).toBe("910");
    // The shed's own limit from the cloud config, not the 8,700 W default.
    expect(await page.getByTestId("total").getAttribute("aria-valuemax")).toBe("9000");
    await page.evaluate(() => {
      (globalThis as { stillTheSamePage?: boolean }).stillTheSamePage = true;
    });
    await stack.garden.send(stack.garden.telemetry([180, 0, 820, 90, 0, 0, 0, 0]));
    await expect.poll(() => port3.getByTestId("port-power").textContent(), POLL).toContain("820 W");
    expect(
      await page.evaluate(() => (globalThis as { stillTheSamePage?: boolean }).stillTheSamePage),
    ).toBe(true);
    await screenshot(page, "dashboard-shed");
  });

  it("shows an overload live, acknowledges it with a comment, and sees it cleared", async () => {
    await page.goto(`${stack.baseUrl}/#/alarms`);
    await page.getByTestId("alarms").waitFor();
    // The charger cuts port 3 at 1,350 W and says why; the gateway's rule raises the alarm.
    await stack.garden.send(stack.garden.telemetry([180, 0, 1350, 90, 0, 0, 0, 0], [2]));
    await stack.garden.send(stack.garden.cutEvent(2, 1350));
    const row = page.locator(`article[data-kind="port-overload"]`);
    await row.waitFor();
    expect(await row.getByTestId("alarm-active").textContent()).toBe("Active");
    expect(await row.getByTestId("alarm-acked").textContent()).toBe("Not acknowledged");
    expect(await row.textContent()).toContain("port 3");
    expect(await row.textContent()).toContain(SHED_LOCATION);
    await screenshot(page, "dashboard-alarm-raised");

    await row.getByTestId("ack").click();
    await row.locator("textarea[name=comment]").fill("Guard on the way, charger unplugged");
    await screenshot(page, "dashboard-alarm-ack-form");
    await row.getByRole("button", { name: "Acknowledge" }).click();
    await expect
      .poll(() => row.getByTestId("alarm-acked").textContent(), POLL)
      .toBe("Acknowledged");

    await stack.garden.send(stack.garden.restoredEvent(2));
    await expect.poll(() => row.getByTestId("alarm-active").textContent(), POLL).toBe("Cleared");
    await screenshot(page, "dashboard-alarm-cleared");

    await row.locator("a.alarm-title").click();
    const timeline = page.getByTestId("timeline");
    await timeline.waitFor();
    const steps = await timeline
      .locator("li")
      .evaluateAll((lis) => lis.map((li) => li.getAttribute("data-transition")));
    expect(steps[0]).toBe("raised");
    expect(steps).toContain("acknowledged");
    expect(steps[steps.length - 1]).toBe("cleared");
    expect(await timeline.textContent()).toContain("Guard on the way, charger unplugged");
    await screenshot(page, "dashboard-alarm-timeline");
  });

  it("never shows another site to a token limited to one", async () => {
    // Riverside's charger overloads too; the garden token's open alarm list must not show it.
    // A property-firm page (every site) is open beside it and must see the alarm arrive.
    const firmCtx = await newContext(browser, { lang: "en" });
    const firm = await firmCtx.newPage();
    await signIn(firm, TOKEN_ALL);
    await firm.goto(`${stack.baseUrl}/#/alarms`);
    await firm.getByTestId("alarms").waitFor();
    await page.goto(`${stack.baseUrl}/#/alarms`);
    await page.getByTestId("alarms").waitFor();
    await stack.river.send(stack.river.telemetry([1400, 0, 0, 0], [0]));
    await stack.river.send(stack.river.cutEvent(0, 1400));
    // Named as people know the site (its name, or its id to a page without the name).
    const riverText = new RegExp(`${RIVER.site}|${RIVER.name}`);
    const riverRow = firm.locator("article.alarm", { hasText: RIVER.name });
    await riverRow.waitFor();
    const riverAlarmId = await riverRow.getAttribute("data-alarm-id");
    expect(riverAlarmId).toBeTruthy();
    // A later garden alarm reaches the garden page: its stream is ordered, so had the riverside
    // alarm been sent to it, it would be on the page by now.
    await stack.garden.send(stack.garden.cutEvent(4, 1200));
    await page.locator(`article[data-kind="port-overload"]`, { hasText: "port 5" }).waitFor();
    expect(await page.locator(`[data-alarm-id="${riverAlarmId}"]`).count()).toBe(0);
    expect(await page.locator("article.alarm", { hasText: riverText }).count()).toBe(0);
    await stack.garden.send(stack.garden.restoredEvent(4));
    await firmCtx.close();

    // Each page's own alert: the site page's alert stays until the shed page's hash reaches
    // the page, so the view's name is part of what is waited for.
    await page.goto(`${stack.baseUrl}/#/site/${RIVER.site}`);
    await expect
      .poll(() => page.locator('#view[data-view="site"] [role=alert]').textContent(), POLL)
      .toContain("forbidden");
    await page.goto(`${stack.baseUrl}/#/shed/${RIVER.site}/${SHED}`);
    await expect
      .poll(() => page.locator('#view[data-view="shed"] [role=alert]').textContent(), POLL)
      .toContain("forbidden");
    await screenshot(page, "dashboard-other-site-forbidden");
  });

  it("draws a port's power history from the time-series database", async () => {
    await waitFor(async () => {
      await stack.vm.flush();
      const res = await fetch(
        `${stack.baseUrl}/api/sites/hz-garden/history?device=${CHARGER_ID}&port=2&metric=power_w`,
        { headers: { authorization: `Bearer ${TOKEN_ALL}` } },
      );
      const body = (await res.json()) as { series: Array<{ points: unknown[] }> };
      return (body.series[0]?.points.length ?? 0) > 0 ? true : undefined;
    }, "port history in VictoriaMetrics");
    await page.goto(
      `${stack.baseUrl}/#/history/hz-garden/${SHED}?device=${CHARGER_ID}&port=2&range=6h`,
    );
    const chart = page.locator("svg.chart");
    await chart.waitFor();
    expect(await chart.locator("path.line, circle.dot").count()).toBeGreaterThan(0);
    expect(await chart.locator("line.limit").count()).toBe(1);
    await screenshot(page, "dashboard-history");
  });

  it("prints the weekly report and downloads it as CSV", async () => {
    // The report counts from the time-series database: wait until the overload is queryable,
    // in the report of the overload's own week (named, not "this week": a run may cross
    // Monday 00:00 between the overload and this test; the garden is at UTC+0).
    const week = await waitFor(async () => {
      await stack.vm.flush();
      const [raised] = await stack.vm.exportSeries(
        'alarm_active{site="hz-garden",kind="port-overload",transition="raised"}',
      );
      const at = raised?.timestamps[0];
      if (at === undefined) return undefined;
      const w = isoWeekOf(at);
      const res = await fetch(`${stack.baseUrl}/api/sites/hz-garden/report?week=${w}`, {
        headers: { authorization: `Bearer ${TOKEN_ALL}` },
      });
      const body = (await res.json()) as { overloads?: { port?: number } };
      return (body.overloads?.port ?? 0) >= 1 ? w : undefined;
    }, "the overload in the weekly report data");
    await page.goto(`${stack.baseUrl}/#/report/hz-garden?week=${week}`);
    const summary = page.getByTestId("summary");
    await summary.waitFor();
    const portRow = summary.locator("tr", { hasText: "Port overloads" });
    expect(Number(await portRow.locator("td.num").textContent())).toBeGreaterThanOrEqual(1);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("csv").click(),
    ]);
    const csv = readFileSync(await download.path(), "utf8");
    expect(csv).toMatch(/^\uFEFFsection,item,value\r\n/);
    expect(csv).toMatch(/summary,port_overloads,[1-9]/);
    await screenshot(page, "dashboard-report");
    await page.emulateMedia({ media: "print" });
    await screenshot(page, "dashboard-report-print");
    await page.emulateMedia({ media: "screen" });
  });

  it("reads well in Chinese on a phone", async () => {
    const phone = await newContext(browser, { lang: "zh", phone: true });
    const p = await phone.newPage();
    const phoneErrors = watchErrors(p).errors;
    await signIn(p, TOKEN_ALL);
    const river = p.locator(`section[data-site="${RIVER.site}"]`);
    await river.waitFor();
    // Riverside's overload is still active: one major alarm on its card.
    await expect.poll(() => river.getByTestId("alarms").textContent(), POLL).toBe("重要 1");
    await screenshot(p, "dashboard-sites-phone-zh");
    await p.goto(`${stack.baseUrl}/#/shed/hz-garden/${SHED}`);
    await p.locator(`section[data-port="2"]`).waitFor();
    expect(await p.locator("h1").textContent()).toBe(`${SHED_NAME}（${SHED}）`);
    expect(await p.locator(".shed-summary h2").textContent()).toBe("棚总功率");
    await screenshot(p, "dashboard-shed-phone-zh");
    await p.goto(`${stack.baseUrl}/#/alarms`);
    await p.locator("article.alarm").first().waitFor();
    // The gateway's English evidence, in Chinese: "充电桩断电 3 号口：过载 功率 1350 W ...".
    const evidence = await p
      .locator(`article[data-kind="port-overload"] p.evidence`)
      .first()
      .textContent();
    expect(evidence).toMatch(/充电桩断电 \d+ 号口: 过载 功率 \d+ W/);
    expect(evidence).not.toMatch(/overload|session/);
    await screenshot(p, "dashboard-alarms-phone-zh");
    await phone.close();
    expect(phoneErrors).toEqual([]);
  });

  it("preloads every module of the page, so they load in one round", async () => {
    const html = await (await fetch(`${stack.baseUrl}/`)).text();
    expect(preloadedModules(html)).toEqual(moduleFiles(join(repoRoot(), "cloud-bridge", "web")));
  });

  it("raised no script error in the page", () => {
    // Refused tokens and forbidden sites are logged by Chromium as failed resources; nothing else.
    expect(errors.filter((e) => !/40[13]/.test(e))).toEqual([]);
  });
});
