/**
 * The district cockpit at district scale: a real cloud bridge (Mosquitto and
 * VictoriaMetrics spawned for it) whose live state is filled with generated
 * data — 1,000 sites, each one gateway, 50 sheds (one 8-port charger each)
 * and 100 smoke detectors (100,000 in all), alarms raised, acknowledged and
 * cleared over the last two weeks (response times), a few fires, welfare
 * alarms and overloaded sheds — fed straight into the bridge's LiveState (the
 * MQTT ingest path has its own bench).
 *
 *  - API: GET /api/cockpit (100 rows, totals over all 1,000 sites) over HTTP,
 *    with 500 telemetry updates spread over random sites between requests so
 *    the per-site cache is partly invalidated as in real life; p50 and p95.
 *  - first paint: a fresh Chromium context opens #/cockpit; first contentful
 *    paint and the time until the site rows are on screen (seen from the
 *    bench, and on the page's own clock with when /api/cockpit was sent and
 *    answered); medians. Page loads are LOAD_GAP_MS apart (default 6 s, longer
 *    than the row cache's 5 s), as people arrive, not back to back.
 *
 *   npm run build && node dist/bench/cockpit.js [requests] [page loads]
 */
import { join } from "node:path";
import { CloudBridge } from "../cloud-bridge/bridge.js";
import { parseConfig } from "../cloud-bridge/config/load.js";
import { memoryLogger } from "../common/log.js";
import { repoRoot } from "../common/paths.js";
import type { AlarmTransition, UplinkEnvelope } from "../protocol/uplink.js";
import { launchBrowser, newContext } from "../tests/browser/support/browser.js";
import { startMosquitto, startVictoriaMetrics } from "../tests/support/services.js";

const SITES = 1000;
const SHEDS = 50;
const DETECTORS = 100;
const REQUESTS = Number(process.argv[2] ?? 200);
const LOADS = Number(process.argv[3] ?? 7);
const LOAD_GAP_MS = Number(process.env.LOAD_GAP_MS ?? 6000);
const TOKEN = "district-cockpit-bench-token-01";
const KEY = "000102030405060708090a0b0c0d0e0f";
const DAY = 86_400_000;

/** A small deterministic generator, so every run has the same district. */
let seed = 42;
function rand(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}

const hex = (n: number) => n.toString(16).padStart(8, "0");
const siteId = (i: number) => `site-${String(i).padStart(4, "0")}`;

function telemetry(i: number, shed: number, now: number): UplinkEnvelope {
  const load = rand() < 0.02 ? 1250 : 200 + Math.floor(rand() * 600);
  return {
    v: 1,
    site: siteId(i),
    gateway: `gw-${i}`,
    deviceId: hex(0xc0000000 + i * 100 + shed),
    deviceKind: "charger",
    ts: now,
    historical: false,
    receivers: [{ gateway: `gw-${i}`, rssi: -60 }],
    shed: `shed-${shed}`,
    building: `b${shed % 10}`,
    body: {
      type: "charger-telemetry",
      tempDeciC: 300,
      ports: Array.from({ length: 8 }, () => ({
        powerW: load,
        energyWh: 100,
        state: 1,
        relayOn: true,
      })),
    },
  } as unknown as UplinkEnvelope;
}

function detector(i: number, d: number, now: number): UplinkEnvelope {
  return {
    v: 1,
    site: siteId(i),
    gateway: `gw-${i}`,
    deviceId: hex(0xd0000000 + i * 1000 + d),
    deviceKind: "smoke",
    // A few detectors have not been heard for two days: offline.
    ts: rand() < 0.01 ? now - 2 * DAY : now - Math.floor(rand() * 3600_000),
    historical: false,
    receivers: [{ gateway: `gw-${i}`, rssi: -70 }],
    building: `b${d % 10}`,
    location: `b${d % 10} flat ${100 * (1 + (d % 6)) + (d % 4)}`,
    body: { type: "heartbeat", batteryMv: 2900, smokeLevel: 10 },
  } as unknown as UplinkEnvelope;
}

function transition(
  i: number,
  n: number,
  kind: string,
  severity: string,
  raisedAt: number,
  step: "raised" | "acknowledged" | "cleared",
  seq: number,
  ackAt?: number,
  clearAt?: number,
): AlarmTransition {
  return {
    v: 1,
    site: siteId(i),
    gateway: `gw-${i}`,
    alarmId: `a-${i}-${n}`,
    kind,
    severity,
    deviceId: hex(0xd0000000 + i * 1000 + (n % DETECTORS)),
    rule: kind,
    transition: step,
    active: step !== "cleared",
    acknowledged: ackAt !== undefined,
    raisedAt,
    level: 0,
    ts: clearAt ?? ackAt ?? raisedAt,
    seq,
    historical: false,
    ...(ackAt !== undefined ? { acknowledgedAt: ackAt, acknowledgedBy: "guard" } : {}),
    ...(clearAt !== undefined ? { clearedAt: clearAt } : {}),
  } as unknown as AlarmTransition;
}

function fill(bridge: CloudBridge, now: number): void {
  const live = bridge.live;
  for (let i = 0; i < SITES; i++) {
    live.applyStatus({
      v: 1,
      site: siteId(i),
      gateway: `gw-${i}`,
      online: rand() > 0.01,
      ts: now,
    } as never);
    for (let s = 0; s < SHEDS; s++) live.applyEnvelope(telemetry(i, s, now));
    for (let d = 0; d < DETECTORS; d++) live.applyEnvelope(detector(i, d, now));
    // Two weeks of incidents: raised, acknowledged after 1–20 min, cleared after 5–60 min.
    for (let n = 0; n < 20; n++) {
      const raisedAt = now - Math.floor(rand() * 14 * DAY);
      const ackAt = raisedAt + 60_000 + Math.floor(rand() * 19 * 60_000);
      const clearAt = ackAt + 4 * 60_000 + Math.floor(rand() * 40 * 60_000);
      const kind = rand() < 0.5 ? "port-overload" : "low-battery";
      live.applyAlarm(transition(i, n, kind, "major", raisedAt, "raised", 1));
      live.applyAlarm(transition(i, n, kind, "major", raisedAt, "acknowledged", 2, ackAt));
      live.applyAlarm(transition(i, n, kind, "major", raisedAt, "cleared", 3, ackAt, clearAt));
    }
    // Open now: a fire at 2 % of sites, welfare at 5 %, an overload at 20 %.
    if (rand() < 0.02)
      live.applyAlarm(transition(i, 100, "fire", "critical", now - 60_000, "raised", 1));
    if (rand() < 0.05)
      live.applyAlarm(transition(i, 101, "welfare", "major", now - 600_000, "raised", 1));
    if (rand() < 0.2)
      live.applyAlarm(transition(i, 102, "port-overload", "major", now - 120_000, "raised", 1));
  }
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function main(): Promise<void> {
  const [mosquitto, vm] = await Promise.all([startMosquitto(), startVictoriaMetrics()]);
  const sites = Object.fromEntries(
    Array.from({ length: SITES }, (_, i) => [
      siteId(i),
      { name: `Compound ${i + 1}`, commandKey: KEY, gateways: [`gw-${i}`] },
    ]),
  );
  const parsed = parseConfig(
    {
      mqtt: { url: mosquitto.url },
      influx: { url: vm.url, org: "haitang", bucket: "haitang", token: "unused" },
      http: { host: "127.0.0.1", port: 0, webRoot: join(repoRoot(), "cloud-bridge", "web") },
      tokens: [{ name: "district", token: TOKEN, sites: ["*"], role: "viewer" }],
      sites,
      rebuild: { fromHistory: false },
    },
    {},
  );
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const bridge = new CloudBridge(parsed.config, { logger: memoryLogger("bridge") });
  await bridge.start();
  const base = `http://127.0.0.1:${bridge.httpPort}`;
  const out: string[] = [];
  try {
    const t0 = performance.now();
    fill(bridge, Date.now());
    out.push(
      `generated ${SITES} sites, ${SITES * SHEDS} sheds, ${SITES * DETECTORS} detectors in ${((performance.now() - t0) / 1000).toFixed(1)} s; heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`,
    );

    const get = async () => {
      const s = performance.now();
      const res = await fetch(`${base}/api/cockpit?limit=100`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`cockpit: ${res.status} ${text}`);
      return { ms: performance.now() - s, bytes: text.length };
    };
    const cold = await get();
    const times: number[] = [];
    let bytes = 0;
    for (let r = 0; r < REQUESTS; r++) {
      const now = Date.now();
      for (let u = 0; u < 500; u++)
        bridge.live.applyEnvelope(
          telemetry(Math.floor(rand() * SITES), Math.floor(rand() * SHEDS), now),
        );
      const x = await get();
      times.push(x.ms);
      bytes = x.bytes;
    }
    out.push(`cockpit API first request (every row computed)  ${cold.ms.toFixed(1)} ms`);
    out.push(
      `cockpit API, 500 telemetry updates between requests: p50 ${pct(times, 50).toFixed(1)} ms   p95 ${pct(times, 95).toFixed(1)} ms   max ${pct(times, 100).toFixed(1)} ms   (n=${times.length}, ${(bytes / 1024).toFixed(0)} KiB)`,
    );

    const browser = await launchBrowser();
    try {
      const fcp: number[] = [];
      const rows: number[] = [];
      const rowsInPage: number[] = [];
      const apiSent: number[] = [];
      const apiAnswered: number[] = [];
      for (let i = 0; i < LOADS; i++) {
        // People arrive one by one: the district keeps reporting while nobody looks.
        const until = Date.now() + LOAD_GAP_MS;
        while (Date.now() < until) {
          const now = Date.now();
          for (let u = 0; u < 100; u++)
            bridge.live.applyEnvelope(
              telemetry(Math.floor(rand() * SITES), Math.floor(rand() * SHEDS), now),
            );
          await new Promise((r) => setTimeout(r, 100));
        }
        const ctx = await newContext(browser, { lang: "en" });
        await ctx.addInitScript({
          content: `sessionStorage.setItem("haitang.token", ${JSON.stringify(TOKEN)});`,
        });
        // The page's own clock (0 = navigation start) when the first site row is in the DOM.
        await ctx.addInitScript({
          content: `new MutationObserver((_, o) => {
            if (document.querySelector("table.cockpit tbody tr")) { window.__rowsAt = performance.now(); o.disconnect(); }
          }).observe(document, { childList: true, subtree: true });`,
        });
        const page = await ctx.newPage();
        const s = performance.now();
        await page.goto(`${base}/#/cockpit`);
        await page.locator("table.cockpit tbody tr").first().waitFor({ timeout: 60_000 });
        rows.push(performance.now() - s);
        // A string: this file is type-checked without the DOM library.
        const paint = (await page.evaluate(
          `(performance.getEntriesByName("first-contentful-paint")[0] || {}).startTime`,
        )) as number | undefined;
        if (paint !== undefined) fcp.push(paint);
        const inPage = (await page.evaluate(`({
          rowsAt: window.__rowsAt,
          api: performance.getEntriesByType("resource")
            .filter((e) => e.name.includes("/api/cockpit"))
            .map((e) => [e.startTime, e.responseEnd])[0],
        })`)) as { rowsAt?: number; api?: [number, number] };
        if (inPage.rowsAt !== undefined) rowsInPage.push(inPage.rowsAt);
        if (inPage.api) {
          apiSent.push(inPage.api[0]);
          apiAnswered.push(inPage.api[1]);
        }
        await ctx.close();
      }
      out.push(
        `first contentful paint (Chromium, cold context)  median ${pct(fcp, 50).toFixed(0)} ms   max ${pct(fcp, 100).toFixed(0)} ms   (n=${fcp.length})`,
      );
      out.push(
        `cockpit rows on screen after navigation          median ${pct(rows, 50).toFixed(0)} ms   max ${pct(rows, 100).toFixed(0)} ms   (n=${rows.length}, seen from the bench)`,
      );
      out.push(
        `first row in the page's DOM (page clock)         median ${pct(rowsInPage, 50).toFixed(0)} ms   max ${pct(rowsInPage, 100).toFixed(0)} ms   (n=${rowsInPage.length})`,
      );
      out.push(
        `  of which: /api/cockpit sent at median ${pct(apiSent, 50).toFixed(0)} ms, answered at median ${pct(apiAnswered, 50).toFixed(0)} ms`,
      );
    } finally {
      await browser.close();
    }
    out.push(
      `rows computed ${bridge.cockpitStats().computed}, served from cache ${bridge.cockpitStats().cached}`,
    );
  } finally {
    await bridge.stop();
    await Promise.all([mosquitto.stop(), vm.stop()]);
  }
  console.log(out.join("\n"));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
