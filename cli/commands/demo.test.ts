/**
 * `haitang demo` end to end, real servers (Mosquitto, VictoriaMetrics, three
 * gateways with SQLite, the cloud bridge) and the simulated fleets, on the
 * fast pace (every incident kind within the first minute, ports back after
 * 15 s): every compound's gateway reports to the one bridge, and the sites
 * overview page (Chromium) shows each compound with the device count its
 * gateway has; the cockpit lists them; every incident kind reaches the cloud; the demo
 * operator restores a cut port through the signed path, with an audit entry,
 * and the charger confirms. No timing is asserted: the waits are upper bounds.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../common/paths.js";
import { launchBrowser, newContext, screenshot } from "../../tests/browser/support/browser.js";
import { POLL, signIn } from "../../tests/browser/support/sign-in.js";
import { freePort, tmpDir, waitFor } from "../../tests/support/services.js";

const TOKEN = "test-demo-token-0123";
const PASSWORD = "pw-for-test";
const SITES = ["haitang-garden", "yulan-court", "guihua-garden"];
/** Alarm kinds the gateways' rules raise for the ten incident kinds (cooking: a hushed fire). */
const ALARM_KINDS = [
  "port-overload",
  "shed-overload",
  "illegal-load",
  "over-temperature",
  "short-circuit",
  "fire",
  "tamper",
  "welfare",
  "device-lost",
];

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface AuditEntry {
  by: string;
  role: string;
  action: string;
  reason: string;
  outcome: string;
  shed: string;
  deviceId: string;
  devicePort: number;
  cutReason: string;
  transaction?: string;
}

describe("haitang demo", () => {
  const dir = tmpDir("haitang-demo-");
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill("SIGKILL");
    dir.remove();
  });

  it("runs three compounds into one bridge, every incident kind on its schedule, restores its cut ports, and stops on SIGINT", {
    timeout: 420_000,
  }, async () => {
    const dashboardPort = await freePort();
    child = spawn(
      process.execPath,
      [
        join(repoRoot(), "bin/haitang.js"),
        "demo",
        "--pace",
        "fast",
        "--gateway-port",
        "0",
        "--dashboard-port",
        String(dashboardPort),
        "--data",
        dir.path,
        "--token",
        TOKEN,
        "--password",
        PASSWORD,
        "--stats-every",
        "0",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await waitFor(
      () => (out.includes("Press Ctrl-C") ? true : undefined),
      `demo start: ${out}`,
      90_000,
    );
    const bridge = `http://127.0.0.1:${dashboardPort}`;
    const installers = new Map<string, string>();
    for (const m of out.matchAll(/\(([a-z-]+)\): (http:\/\/127\.0\.0\.1:\d+)\/ui\//g))
      installers.set(m[1]!, m[2]!);
    expect([...installers.keys()]).toEqual(SITES);
    const tsdb = /Time series *: (\S+)/.exec(out)?.[1];
    expect(tsdb).toMatch(/^http:/);

    const get = async <T>(url: string, auth: string): Promise<T | undefined> => {
      const res = await fetch(url, { headers: { authorization: auth } });
      return res.status === 200 ? ((await res.json()) as T) : undefined;
    };
    const basic = `Basic ${Buffer.from(`installer:${PASSWORD}`).toString("base64")}`;
    const bearer = `Bearer ${TOKEN}`;

    // Every compound's gateway is online at the bridge, and the device count the sites
    // overview shows is the number of devices its gateway has (all of them heard).
    type Summary = {
      site: string;
      name: string;
      gateways: { online: number; total: number };
      devices: { total: number; unheard: number };
    };
    const counts = await waitFor(
      async () => {
        await pause(1000);
        const body = await get<{ sites: Summary[] }>(`${bridge}/api/sites`, bearer);
        if (!body || body.sites.length !== SITES.length) return undefined;
        const out: Array<{ summary: Summary; gateway: number }> = [];
        for (const s of body.sites) {
          const h = await get<{ devices: number; unheard: unknown[] }>(
            `${installers.get(s.site)}/api/health`,
            basic,
          );
          if (!h || s.gateways.online !== 1 || h.unheard.length > 0) return undefined;
          if (s.devices.total !== h.devices || s.devices.unheard !== 0) return undefined;
          out.push({ summary: s, gateway: h.devices });
        }
        return out;
      },
      "every compound online at the bridge with all its gateway's devices",
      120_000,
    );
    expect(counts.map((c) => c.summary.site).sort()).toEqual([...SITES].sort());
    for (const c of counts) {
      expect(c.summary.gateways.total).toBe(1);
      expect(c.gateway).toBeGreaterThan(10);
    }
    expect(counts.find((c) => c.summary.site === "haitang-garden")?.summary.name).toBe(
      "海棠苑 Haitang Garden",
    );

    // The sites overview a person reads shows each compound by name with its gateway online
    // and the device count its gateway has.
    const browser = await launchBrowser();
    try {
      const ctx = await newContext(browser, { lang: "zh" });
      const page = await ctx.newPage();
      await signIn(page, bridge, TOKEN);
      for (const c of counts) {
        const card = page.locator(`[data-site="${c.summary.site}"]`);
        await expect.poll(() => card.locator("h2").textContent(), POLL).toBe(c.summary.name);
        expect(await card.getByTestId("gateways").textContent()).toBe("1 / 1");
        await expect
          .poll(
            async () => (await card.getByTestId("offline").textContent())?.split(" / ")[1],
            POLL,
          )
          .toBe(String(c.gateway));
      }
      await screenshot(page, "demo-sites-zh");
      await page.goto(`${bridge}/#/cockpit`);
      await expect.poll(() => page.locator("[data-site]").count(), POLL).toBeGreaterThanOrEqual(3);
      await screenshot(page, "demo-cockpit-zh");
      await ctx.close();
    } finally {
      await browser.close();
    }

    // Every incident kind reaches the cloud as its alarm; the cooking smoke is hushed.
    type Alarm = { site: string; kind: string; active: boolean };
    const alarms = await waitFor(
      async () => {
        await pause(2000);
        const body = await get<{ alarms: Alarm[] }>(`${bridge}/api/alarms`, bearer);
        const kinds = new Set(body?.alarms.map((a) => a.kind));
        return ALARM_KINDS.every((k) => kinds.has(k)) ? body!.alarms : undefined;
      },
      `every alarm kind at the bridge (${ALARM_KINDS.join(", ")})`,
      300_000,
    );
    expect(new Set(alarms.map((a) => a.site))).toEqual(new Set(SITES));
    const hush = await waitFor(
      async () => {
        await pause(2000);
        const q = encodeURIComponent('{__name__="smoke_event_battery_mv",event="hush"}');
        const body = await get<{ data: Array<{ site: string }> }>(
          `${tsdb}/api/v1/series?match[]=${q}`,
          "",
        );
        return body && body.data.length > 0 ? body.data : undefined;
      },
      "a hushed cooking alarm in the time series",
      240_000,
    );
    expect(SITES).toContain(hush[0]!.site);

    // The demo operator restored a cut port: signed command sent, audit entry with a
    // reason, and the charger's telemetry shows the port on again.
    const restored = await waitFor(
      async () => {
        await pause(1000);
        for (const site of SITES) {
          const body = await get<{ entries: AuditEntry[] }>(
            `${bridge}/api/sites/${site}/audit`,
            bearer,
          );
          const e = body?.entries.find(
            (x) => x.action === "port-restore" && x.by === "demo-operator" && x.outcome === "sent",
          );
          if (e) return { site, entry: e };
        }
        return undefined;
      },
      "a port restored by the demo operator",
      240_000,
    );
    expect(restored.entry.role).toBe("operator");
    expect(restored.entry.reason).toMatch(
      /^Demo operator: .+; port checked, switching it back on\.$/,
    );
    expect(restored.entry.transaction).toBeTruthy();
    expect(restored.entry.cutReason).toBeTruthy();
    await waitFor(
      async () => {
        await pause(1000);
        const shed = await get<{
          ports: Array<{ deviceId: string; devicePort: number; relayOn: boolean }>;
        }>(`${bridge}/api/sites/${restored.site}/sheds/${restored.entry.shed}`, bearer);
        const p = shed?.ports.find(
          (x) =>
            x.deviceId === restored.entry.deviceId && x.devicePort === restored.entry.devicePort,
        );
        return p?.relayOn ? p : undefined;
      },
      "the restored port on in the charger's telemetry",
      120_000,
    );
    expect(out).toMatch(/\] restore [a-z-]+ [a-z-]+ charger [0-9a-f]{8} port \d: Demo operator/);

    const wrong = await fetch(`${bridge}/api/sites`, {
      headers: { authorization: "Bearer not-the-demo-token-at-all" },
    });
    expect(wrong.status).toBe(401);

    const exited = new Promise<number | null>((resolve) =>
      child?.once("exit", (code) => resolve(code)),
    );
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });
});
