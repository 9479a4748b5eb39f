/**
 * The numbers a property firm reads, checked against the raw points in the
 * time-series database (issue 12, "Done means"): the shed page, the history
 * chart, the alarm list, the weekly report and its CSV, for the same port and
 * the same interval. The real chain (pty charger frames -> gateway -> Mosquitto
 * -> cloud bridge -> VictoriaMetrics -> Chromium); the expected values are read
 * from VictoriaMetrics' raw export, never from the bridge's API.
 *
 * The garden's shed has two chargers, so the port under test is "Charger 2 ·
 * port 1": the second charger (device-id order), its port with index 0.
 */
import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isoWeekOf, isoWeekRange } from "../../cloud-bridge/api/report.js";
import {
  SHED_SUM_LOOKBACK_S,
  SHED_SUM_RESOLUTION_S,
} from "../../cloud-bridge/history/history-store.js";
import { waitFor } from "../support/services.js";
import {
  chartSince,
  launchBrowser,
  newContext,
  rangeMs,
  screenshot,
  watchErrors,
} from "./support/browser.js";
import { POLL, signIn } from "./support/sign-in.js";
import { CHARGER, CHARGER_2, SHED_ID, type Stack, startStack, TOKEN_ALL } from "./support/stack.js";

const SITE = "hz-garden";
const C1 = CHARGER.toString(16).padStart(8, "0");
const C2 = CHARGER_2.toString(16).padStart(8, "0");

interface RawSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/** Every raw sample of the series `selector` matches in [fromMs, toMs], from VictoriaMetrics' export API. */
async function raw(vmUrl: string, selector: string, fromMs: number, toMs: number) {
  const u = new URL("/api/v1/export", vmUrl);
  u.searchParams.append("match[]", selector);
  u.searchParams.set("start", String(Math.floor(fromMs / 1000)));
  u.searchParams.set("end", String(Math.ceil(toMs / 1000)));
  const text = await (await fetch(u)).text();
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as RawSeries);
}

/** The samples of a series taken in [fromMs, toMs). */
function within(s: RawSeries, fromMs: number, toMs: number): RawSeries {
  const keep = s.timestamps.map((t) => t >= fromMs && t < toMs);
  return {
    metric: s.metric,
    values: s.values.filter((_, i) => keep[i]),
    timestamps: s.timestamps.filter((_, i) => keep[i]),
  };
}

/** The newest sample of a series. */
function last(s: RawSeries): number {
  let i = 0;
  for (let k = 1; k < s.timestamps.length; k++) if (s.timestamps[k]! >= s.timestamps[i]!) i = k;
  return s.values[i]!;
}

/** "1,350 W" -> 1350; "2.1 kW" -> 2100. */
function watts(text: string | null): number {
  const m = /([\d.,]+)\s*(k?W)/.exec(text ?? "");
  if (!m) throw new Error(`no power in '${text}'`);
  const n = Number(m[1]!.replace(/,/g, ""));
  return m[2] === "kW" ? n * 1000 : n;
}

/**
 * The shed total's peak by the bridge's documented rule (cloud-bridge/README.md, history):
 * at each instant of a 30 s grid aligned to the clock, each charger's highest report of the
 * window before it (or its last report of the 90 s before it), summed; the peak of those sums.
 */
function shedPeak(series: RawSeries[]): number {
  const res = SHED_SUM_RESOLUTION_S * 1000;
  const instants = new Set<number>();
  for (const s of series)
    for (const t of s.timestamps)
      for (let k = 0; k * res <= SHED_SUM_LOOKBACK_S * 1000; k++)
        instants.add(Math.ceil(t / res) * res + k * res);
  let peak = 0;
  for (const at of instants) {
    let sum = 0;
    for (const s of series) {
      const inWindow = s.values.filter(
        (_, i) => s.timestamps[i]! > at - res && s.timestamps[i]! <= at,
      );
      if (inWindow.length) sum += Math.max(...inWindow);
      else {
        let best = -1;
        for (let i = 0; i < s.timestamps.length; i++) {
          const t = s.timestamps[i]!;
          if (
            t <= at &&
            t > at - SHED_SUM_LOOKBACK_S * 1000 &&
            (best < 0 || t >= s.timestamps[best]!)
          )
            best = i;
        }
        if (best >= 0) sum += s.values[best]!;
      }
    }
    peak = Math.max(peak, sum);
  }
  return peak;
}

describe("numbers on the pages match the raw points in VictoriaMetrics", () => {
  let stack: Stack;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let errors: string[];
  let t0: number;
  /**
   * The report week under test: the week of the cut (the garden is at UTC+0), named to the API
   * and the page rather than taken as "this week", so a run across Monday 00:00 still compares
   * one week's report with that week's raw points.
   */
  let week: string;

  const api = async (path: string) =>
    (await fetch(`${stack.baseUrl}/api/sites/${SITE}${path}`, {
      headers: { authorization: `Bearer ${TOKEN_ALL}` },
    }).then((r) => r.json())) as Record<string, unknown>;

  /** Waits until the bridge holds a charger's telemetry with this power on its first port. */
  const held = (deviceId: string, powerW: number) =>
    waitFor(async () => {
      const shed = await api(`/sheds/${SHED_ID}`);
      const ports = (shed.ports ?? []) as Array<{
        deviceId: string;
        devicePort: number;
        powerW: number;
      }>;
      return ports.some((p) => p.deviceId === deviceId && p.devicePort === 0 && p.powerW === powerW)
        ? true
        : undefined;
    }, `telemetry of ${deviceId} at ${powerW} W`);

  beforeAll(async () => {
    t0 = Date.now() - 1000;
    [stack, browser] = await Promise.all([startStack({ secondCharger: true }), launchBrowser()]);
    const g = stack.garden;
    // Both chargers report, loads change, and charger 2's port 1 overloads and is cut.
    await g.send(g.telemetry([180, 0, 640, 90]));
    await held(C1, 180);
    await g.sendSecond(g.telemetry([300, 0, 0, 0]));
    await held(C2, 300);
    await g.sendSecond(g.telemetry([900, 120, 0, 0]));
    await held(C2, 900);
    await g.send(g.telemetry([220, 0, 700, 90]));
    await held(C1, 220);
    await g.sendSecond(g.telemetry([1350, 120, 0, 0], [0]));
    await held(C2, 1350);
    await g.sendSecond(g.cutEvent(0, 1350));
    await g.sendSecond(g.telemetry([0, 130, 0, 0], [0]));
    await held(C2, 0);
    // Everything queryable: the report of the cut's week lists the cut port once VictoriaMetrics
    // has the points.
    week = await waitFor(async () => {
      await stack.vm.flush();
      const [cut] = await raw(
        stack.vm.url,
        `charger_event_power_w{site="${SITE}",device="${C2}",port="0",event="cut"}`,
        t0,
        Date.now() + 1000,
      );
      const at = cut?.timestamps[0];
      if (at === undefined) return undefined;
      const w = isoWeekOf(at);
      const r = await api(`/report?week=${w}`);
      const ports = (r.ports ?? []) as Array<{
        deviceId: string;
        cuts: number;
        overloadAlarms: number;
      }>;
      return ports.some((p) => p.deviceId === C2 && p.cuts >= 1 && p.overloadAlarms >= 1)
        ? w
        : undefined;
    }, "the cut and its alarm in the weekly report");
    ctx = await newContext(browser, { lang: "en" });
    page = await ctx.newPage();
    errors = watchErrors(page).errors;
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("shows each port's power and the shed total as the last raw points, ports numbered per charger", async () => {
    const series = await raw(
      stack.vm.url,
      `charger_port_power_w{site="${SITE}"}`,
      t0,
      Date.now() + 1000,
    );
    expect(series.length).toBe(8);
    await signIn(page, stack.baseUrl, TOKEN_ALL);
    await page.goto(`${stack.baseUrl}/#/shed/${SITE}/${SHED_ID}`);
    await page.locator(`section[data-device="${C2}"]`).first().waitFor();
    for (const s of series) {
      const device = s.metric.device!;
      const index = Number(s.metric.port);
      const card = page.locator(`section.port[data-device="${device}"]`).nth(index);
      const name =
        device === C1 ? `Charger 1 · port ${index + 1}` : `Charger 2 · port ${index + 1}`;
      expect(await card.getByTestId("port-name").textContent()).toBe(name);
      expect(watts(await card.getByTestId("port-power").textContent())).toBe(last(s));
    }
    const total = series.reduce((sum, s) => sum + last(s), 0);
    expect(Number(await page.getByTestId("total").getAttribute("aria-valuenow"))).toBe(total);
    await screenshot(page, "numbers-shed");
  });

  it("draws charger 2 port 1's history with the raw peak, the same over 6 h, 24 h and 7 d", async () => {
    for (const range of ["6h", "24h", "7d"]) {
      const to = Date.now();
      const from = to - rangeMs(range);
      const [s] = await raw(
        stack.vm.url,
        `charger_port_power_w{site="${SITE}",device="${C2}",port="0"}`,
        from,
        to,
      );
      const since = Date.now();
      await page.goto(
        `${stack.baseUrl}/#/history/${SITE}/${SHED_ID}?device=${C2}&port=0&range=${range}`,
      );
      await chartSince(page, since, range);
      expect(await page.locator("select option:checked").textContent()).toBe("Charger 2 · port 1");
      expect(watts(await page.getByTestId("peak").textContent())).toBe(Math.max(...s!.values));
      expect(Math.max(...s!.values)).toBe(1350);
    }
    await screenshot(page, "numbers-history-port");
  });

  it("draws the shed's history with the peak of the per-instant sums of the raw reports", async () => {
    const series = await raw(
      stack.vm.url,
      `charger_shed_total_power_w{site="${SITE}"}`,
      t0,
      Date.now() + 1000,
    );
    expect(series.map((s) => s.metric.device).sort()).toEqual([C1, C2]);
    const expected = shedPeak(series);
    for (const range of ["6h", "7d"]) {
      const since = Date.now();
      await page.goto(`${stack.baseUrl}/#/history/${SITE}/${SHED_ID}?range=${range}`);
      await chartSince(page, since, range);
      expect(await page.locator("select option:checked").textContent()).toBe("Whole shed");
      expect(watts(await page.getByTestId("peak").textContent())).toBe(expected);
    }
  });

  it("lists the overload alarm at the raw alarm's device, charger position and port, numbered from 1", async () => {
    const raised = await raw(
      stack.vm.url,
      `alarm_active{site="${SITE}",kind="port-overload",transition="raised"}`,
      t0,
      Date.now() + 1000,
    );
    expect(raised.length).toBeGreaterThan(0);
    await page.goto(`${stack.baseUrl}/#/alarms`);
    await page.getByTestId("alarms").waitFor();
    const rows = page.locator(`article[data-kind="port-overload"]`);
    await expect
      .poll(() => rows.count(), POLL)
      .toBe(new Set(raised.map((r) => r.metric.alarm_id)).size);
    for (const r of raised) {
      const row = page.locator(`article[data-alarm-id="${r.metric.alarm_id}"]`);
      const text = await row.textContent();
      // Two chargers share the shed: the Where line names the charger's position, as the shed page.
      const charger = [C1, C2].sort().indexOf(r.metric.device ?? "") + 1;
      expect(charger).toBeGreaterThan(0);
      expect(text).toContain(
        `Device ${r.metric.device} · charger ${charger} · port ${Number(r.metric.port) + 1}`,
      );
      // The evidence names the same port the same way.
      expect(await row.locator("p.evidence").textContent()).toContain(
        `port ${Number(r.metric.port) + 1}`,
      );
    }
    await screenshot(page, "numbers-alarms");
  });

  it("reports the week's cuts, overload alarms and peak of charger 2 port 1 as the raw points count them, on the page and in the CSV", async () => {
    const to = Date.now() + 1000;
    const [cuts, raised, power] = await Promise.all([
      raw(
        stack.vm.url,
        `charger_event_power_w{site="${SITE}",device="${C2}",port="0",event="cut"}`,
        t0,
        to,
      ),
      raw(
        stack.vm.url,
        `alarm_active{site="${SITE}",device="${C2}",port="0",kind="port-overload",transition="raised"}`,
        t0,
        to,
      ),
      raw(stack.vm.url, `charger_port_power_w{site="${SITE}",device="${C2}",port="0"}`, t0, to),
    ]);
    // What was sent: one cut, one alarm, a peak of 1350 W.
    expect(Math.max(...power[0]!.values)).toBe(1350);
    // What the week's report must show: the raw points of that week.
    const { from, to: end } = isoWeekRange(week)!;
    const inWeek = (list: RawSeries[]) => list.map((x) => within(x, from, end));
    const nCuts = inWeek(cuts).reduce((n, s) => n + s.values.length, 0);
    const nRaised = inWeek(raised).reduce((n, s) => n + s.values.length, 0);
    const peak = Math.max(...inWeek(power)[0]!.values);
    expect([nCuts, nRaised]).toEqual([1, 1]);

    await page.goto(`${stack.baseUrl}/#/report/${SITE}?week=${week}`);
    const row = page.locator(`[data-testid="ports"] tr[data-device="${C2}"][data-port-no="1"]`);
    await row.waitFor();
    expect(await row.getByTestId("port-where").textContent()).toBe(
      `${SHED_ID} · Charger 2 · port 1`,
    );
    expect(Number(await row.getByTestId("port-cuts").textContent())).toBe(nCuts);
    expect(Number(await row.getByTestId("port-overloads").textContent())).toBe(nRaised);
    expect(watts(await row.getByTestId("port-peak").textContent())).toBe(peak);
    const summary = page.getByTestId("summary").locator("tr", { hasText: "Port overloads" });
    expect(Number(await summary.locator("td.num").textContent())).toBe(nRaised);

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("csv").click(),
    ]);
    const csv = readFileSync(await download.path(), "utf8");
    const where = `${SHED_ID} charger 2 port 1`;
    expect(csv).toContain(`\r\nport_cuts,${where},${nCuts}\r\n`);
    expect(csv).toContain(`\r\nport_overload_alarms,${where},${nRaised}\r\n`);
    expect(csv).toContain(`\r\nport_peak_w,${where},${peak}\r\n`);
    expect(csv).toContain(`\r\nsummary,port_overloads,${nRaised}\r\n`);
    await screenshot(page, "numbers-report");
  });

  it("raised no script error in the page", () => {
    expect(errors).toEqual([]);
  });
});
