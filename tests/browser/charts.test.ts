/**
 * Charts on both pages in a real headless Chromium against the real chain
 * (charger on a serial pty -> gateway -> Mosquitto -> bridge -> VictoriaMetrics):
 * the read-out under the pointer is the data point the chart's own API gives
 * for that time, an alarm is a flag at its raise time that leads to the alarm,
 * and the 1 h range leaves out what is older. The dashboard reads the
 * time-series database; the gateway page reads the gateway's recent readings.
 */
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/services.js";
import {
  chartSince,
  launchBrowser,
  newContext,
  screenshot,
  watchErrors,
} from "./support/browser.js";
import { POLL, signIn } from "./support/sign-in.js";
import { CHARGER, PASSWORD, SHED_ID, type Stack, startStack, TOKEN_ALL } from "./support/stack.js";

const CHARGER_ID = CHARGER.toString(16).padStart(8, "0");
const PORT = 2;
const HOUR = 3_600_000;
/** Older than an hour: must not be in the 1 h range, must be in the 6 h one. */
const OLD_PEAK_W = 2222;

interface ChartGeometry {
  from: number;
  to: number;
  plotLeft: number;
  plotWidth: number;
  box: { x: number; y: number; width: number; height: number };
  svgWidth: number;
}

async function geometry(chart: Locator): Promise<ChartGeometry> {
  const attr = async (n: string) => Number(await chart.getAttribute(n));
  // A chart the page replaces between the wait and the measure (a re-render) has no box for a
  // moment: measure the one on screen, within a bound for a hung page.
  let box = await chart.boundingBox();
  for (let tries = 0; !box && tries < 20; tries++) {
    await chart.waitFor({ state: "visible", timeout: 60_000 });
    box = await chart.boundingBox();
  }
  if (!box) throw new Error("the chart is not on screen");
  return {
    from: await attr("data-from"),
    to: await attr("data-to"),
    plotLeft: await attr("data-plot-left"),
    plotWidth: await attr("data-plot-width"),
    svgWidth: await attr("width"),
    box,
  };
}

/** Where on the page (CSS px) the chart draws time `ms`. */
function pageX(g: ChartGeometry, ms: number): number {
  const ux = g.plotLeft + ((ms - g.from) / (g.to - g.from)) * g.plotWidth;
  return g.box.x + (ux * g.box.width) / g.svgWidth;
}

/** Moves the mouse over time `ms` and returns the read-out's time, value and text. */
async function hoverAt(page: Page, chart: Locator, ms: number) {
  const g = await geometry(chart);
  await page.mouse.move(pageX(g, ms), g.box.y + g.box.height / 2);
  const tip = page.getByTestId("chart-tip");
  await tip.waitFor({ state: "visible" });
  return {
    t: Number(await tip.getAttribute("data-t")),
    v: Number(await tip.getAttribute("data-v")),
    text: (await tip.textContent()) ?? "",
  };
}

/**
 * Opens a history page and returns the points of the history answer the page itself received
 * (the API the chart reads), with the chart.
 */
async function openHistory(page: Page, url: string) {
  const answer = page.waitForResponse((r) => r.url().includes("/history?"));
  const since = Date.now();
  await page.goto(url);
  const body = (await (await answer).json()) as {
    series: Array<{ points: Array<[number, number]> }>;
  };
  const range = new URLSearchParams(url.split("?")[1]).get("range") ?? "6h";
  const chart = await chartSince(page, since, range);
  return { chart, points: body.series.flatMap((x) => x.points) };
}

/** The number of vertices of the drawn line. */
async function drawnPoints(chart: Locator): Promise<number> {
  const d = (await chart.locator("path.line").getAttribute("d")) ?? "";
  return (d.match(/[ML]/g) ?? []).length;
}

describe("charts: hover values, alarm markers, ranges from 1 h", () => {
  let stack: Stack;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let errors: string[];
  let alarm: { alarmId: string; raisedAt: number };
  const auth = { authorization: `Bearer ${TOKEN_ALL}` };

  const history = async (from: number, to: number) => {
    const q = new URLSearchParams({
      device: CHARGER_ID,
      port: String(PORT),
      metric: "power_w",
      agg: "max",
      from: String(from),
      to: String(to),
      step: String(Math.max(10, Math.round((to - from) / 1000 / 300))),
    });
    const res = await fetch(`${stack.baseUrl}/api/sites/hz-garden/history?${q}`, {
      headers: auth,
    });
    const body = (await res.json()) as { series: Array<{ points: Array<[number, number]> }> };
    return body.series.flatMap((s) => s.points);
  };

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
    const now = Date.now();
    // Earlier readings of port 3 (index 2), written into the time-series database as the
    // bridge writes them: one three hours ago and four within the last hour.
    const earlier: Array<[number, number]> = [
      [now - 3 * HOUR, OLD_PEAK_W],
      [now - 50 * 60_000, 512],
      [now - 35 * 60_000, 777],
      [now - 20 * 60_000, 905],
      [now - 8 * 60_000, 333],
    ];
    const lines = earlier
      .map(
        ([t, w]) =>
          `charger_port,device=${CHARGER_ID},gateway=gw-garden,kind=charger,port=${PORT},site=hz-garden power_w=${w}i,energy_wh=10i,state=1i,relay=1i,historical=0i ${t}`,
      )
      .join("\n");
    const res = await fetch(`${stack.vm.url}/api/v2/write?org=o&bucket=b&precision=ms`, {
      method: "POST",
      body: lines,
    });
    if (res.status !== 204) throw new Error(`VictoriaMetrics refused the points: ${res.status}`);
    // The charger reports now (the shed appears), then cuts port 3 for overload (an alarm).
    await stack.garden.send(stack.garden.telemetry([180, 0, 640, 90, 0, 0, 0, 0]));
    await stack.garden.send(stack.garden.telemetry([180, 0, 655, 90, 0, 0, 0, 0]));
    await stack.garden.send(stack.garden.cutEvent(PORT, 1350));
    alarm = await waitFor(async () => {
      const r = await fetch(`${stack.baseUrl}/api/sites/hz-garden/alarms`, { headers: auth });
      const body = (await r.json()) as {
        alarms: Array<{ alarmId: string; raisedAt: number; kind: string }>;
      };
      return body.alarms.find((a) => a.kind === "port-overload");
    }, "the port-overload alarm in the bridge");
    await waitFor(
      async () => {
        await stack.vm.flush();
        const pts = await history(Date.now() - 6 * HOUR, Date.now());
        // The newest reading (655 W) is the step's peak whether or not 640 W shares its step.
        return pts.some((p) => p[1] === OLD_PEAK_W) && pts.some((p) => p[1] === 655)
          ? true
          : undefined;
      },
      "the readings in VictoriaMetrics",
      60_000,
    );
    ctx = await newContext(browser, { lang: "en" });
    page = await ctx.newPage();
    errors = watchErrors(page).errors;
  }, 180_000);

  afterAll(async () => {
    await ctx?.close();
    await browser?.close();
    await stack?.stop();
  });

  it("shows the exact reading under the pointer, as the history API gives it", async () => {
    await signIn(page, stack.baseUrl, TOKEN_ALL);
    const { chart, points } = await openHistory(
      page,
      `${stack.baseUrl}/#/history/hz-garden/${SHED_ID}?device=${CHARGER_ID}&port=${PORT}&range=6h`,
    );
    const target = points.find((p) => p[1] === 777);
    if (!target) throw new Error(`no 777 W point in ${JSON.stringify(points)}`);
    const read = await hoverAt(page, chart, target[0]);
    expect(read.t).toBe(target[0]);
    expect(read.v).toBe(target[1]);
    expect(read.text).toContain("777 W");
    // The 3-hour-old peak is in this range: the chart draws every point the API gives.
    expect(points.some((p) => p[1] === OLD_PEAK_W)).toBe(true);
    expect(await drawnPoints(chart)).toBe(points.length);
    await screenshot(page, "chart-hover-6h-en");
  });

  it("puts the alarm on the time axis at its raise time and leads to it", async () => {
    // The 6 h chart of the test before stays on the page until the new hash reaches it.
    const since = Date.now();
    await page.goto(
      `${stack.baseUrl}/#/history/hz-garden/${SHED_ID}?device=${CHARGER_ID}&port=${PORT}&range=1h`,
    );
    const chart = await chartSince(page, since, "1h");
    const marker = chart.locator(`a.marker[data-alarm="${alarm.alarmId}"]`);
    await marker.waitFor();
    expect(Number(await marker.getAttribute("data-t"))).toBe(alarm.raisedAt);
    expect(await marker.getAttribute("aria-label")).toContain("Port overload");
    const g = await geometry(chart);
    const flag = await marker.locator("path").boundingBox();
    if (!flag) throw new Error("the flag is not on screen");
    // The flag is a triangle centred on the alarm's time, on the time axis.
    expect(Math.abs(flag.x + flag.width / 2 - pageX(g, alarm.raisedAt))).toBeLessThan(1.5);
    await screenshot(page, "chart-marker-1h-en");
    await marker.click();
    await page.waitForURL(new RegExp(`#/alarm/hz-garden/${encodeURIComponent(alarm.alarmId)}$`));
    await expect.poll(() => page.locator("main").textContent(), POLL).toContain("Port overload");
  });

  it("shows only the last hour's points in the 1 h range", async () => {
    const { chart, points } = await openHistory(
      page,
      `${stack.baseUrl}/#/history/hz-garden/${SHED_ID}?device=${CHARGER_ID}&port=${PORT}&range=1h`,
    );
    const g = await geometry(chart);
    expect(g.to - g.from).toBe(HOUR);
    expect(points.length).toBeGreaterThan(0);
    expect(points.every((p) => p[0] >= g.from)).toBe(true);
    expect(points.some((p) => p[1] === OLD_PEAK_W)).toBe(false);
    expect(await drawnPoints(chart)).toBe(points.length);
    // The peak is this hour's, not the older 2,222 W.
    expect(await page.getByTestId("peak").textContent()).toBe("Peak 905 W");
    // Pointing at the left edge reads the hour's oldest point, never an older one.
    const first = await hoverAt(page, chart, g.from);
    expect(first.t).toBe(points[0]?.[0]);
    expect(first.t).toBeGreaterThanOrEqual(g.from);
  });

  it("reads a value with a finger on a phone, with axis text kept readable", async () => {
    const phone = await newContext(browser, { lang: "zh", phone: true });
    try {
      const p = await phone.newPage();
      const phoneErrors = watchErrors(p).errors;
      await signIn(p, stack.baseUrl, TOKEN_ALL);
      const { chart, points } = await openHistory(
        p,
        `${stack.baseUrl}/#/history/hz-garden/${SHED_ID}?device=${CHARGER_ID}&port=${PORT}&range=6h`,
      );
      // Drawn at the phone's width: one SVG unit is one CSS pixel, so 12 px text stays 12 px.
      await expect.poll(async () => (await geometry(chart)).svgWidth, POLL).toBeLessThan(400);
      const g = await geometry(chart);
      expect(Math.abs(g.box.width - g.svgWidth)).toBeLessThan(1);
      // A string, not a function: this file is type-checked without the DOM library.
      const fontPx = Number(
        await p.evaluate(
          'parseFloat(getComputedStyle(document.querySelector("svg.chart .tick text")).fontSize)',
        ),
      );
      expect(fontPx).toBeGreaterThanOrEqual(12);
      expect(await chart.locator("g.tick text[text-anchor=middle]").count()).toBeLessThanOrEqual(4);
      const target = points.find((x) => x[1] === 905);
      if (!target) throw new Error("no 905 W point");
      await p.touchscreen.tap(pageX(g, target[0]), g.box.y + g.box.height / 2);
      const tip = p.getByTestId("chart-tip");
      await tip.waitFor({ state: "visible" });
      expect(Number(await tip.getAttribute("data-v"))).toBe(905);
      expect(Number(await tip.getAttribute("data-t"))).toBe(target[0]);
      await screenshot(p, "chart-touch-phone-zh");
      expect(phoneErrors).toEqual([]);
    } finally {
      await phone.close();
    }
  });

  it("draws the gateway's own recent readings on the installer page, with the alarm", async () => {
    const gw = stack.garden.gateway;
    const base = `http://127.0.0.1:${gw.httpPort()}`;
    const basic = `Basic ${Buffer.from(`installer:${PASSWORD}`).toString("base64")}`;
    const gp = await ctx.newPage();
    const gpErrors = watchErrors(gp).errors;
    await gp.goto(`${base}/ui/`);
    await gp.locator("#password").fill(PASSWORD);
    await gp.getByRole("button", { name: "Sign in" }).click();
    await gp.waitForURL(/#\/devices$/);
    await gp.locator(`tr[data-device="${CHARGER_ID}"] a`).click();
    await gp.waitForURL(new RegExp(`#/device\\?id=${CHARGER_ID}`));
    await gp.getByTestId("series").waitFor();
    await gp.goto(`${base}/ui/#/device?id=${CHARGER_ID}&series=power_w%2F${PORT}&range=1h`);
    await expect.poll(() => gp.getByTestId("series").inputValue(), POLL).toBe(`power_w/${PORT}`);
    const chart = gp.locator("svg.chart");
    await chart.waitFor();
    const g = await geometry(chart);
    const res = await fetch(
      `${base}/api/devices/${CHARGER_ID}/readings?from=${g.from}&to=${g.to}`,
      { headers: { authorization: basic, "x-requested-with": "haitang-ui" } },
    );
    const body = (await res.json()) as {
      series: Array<{ metric: string; port?: number; points: Array<[number, number]> }>;
      alarms: Array<{ alarmId: string; raisedAt: number; kind: string }>;
    };
    const series = body.series.find((s) => s.metric === "power_w" && s.port === PORT);
    const last = series?.points[series.points.length - 1];
    if (!last) throw new Error(`no port ${PORT + 1} readings: ${JSON.stringify(body)}`);
    expect(last[1]).toBe(655);
    expect(await drawnPoints(chart)).toBe(series?.points.length);
    const read = await hoverAt(gp, chart, g.to);
    expect(read.t).toBe(last[0]);
    expect(read.v).toBe(655);
    expect(read.text).toContain("655 W");
    const gwAlarm = body.alarms.find((a) => a.kind === "port-overload");
    if (!gwAlarm) throw new Error("the gateway's alarm is not in the readings answer");
    const marker = chart.locator(`a.marker[data-alarm="${gwAlarm.alarmId}"]`);
    expect(Number(await marker.getAttribute("data-t"))).toBe(gwAlarm.raisedAt);
    await screenshot(gp, "chart-gateway-device-en");
    await marker.click();
    await gp.waitForURL(new RegExp(`alarm=${encodeURIComponent(gwAlarm.alarmId)}`));
    await expect
      .poll(() => gp.locator(`li.focused[data-alarm="${gwAlarm.alarmId}"]`).count(), POLL)
      .toBe(1);
    expect(await gp.locator("li.focused").textContent()).toContain("Port overload");
    expect(gpErrors).toEqual([]);
    await gp.close();
  });

  it("raised no script errors", () => {
    expect(errors).toEqual([]);
  });
});
