/**
 * Sheds by placement: two chargers that the gateway places in one shed are one
 * shed view with every port and the summed total, against the shed's limit
 * from the bridge config; a charger without placement stays a shed of its own.
 * Devices and alarms carry the placement. Real Mosquitto and VictoriaMetrics.
 */
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloudBridge } from "../../cloud-bridge/bridge.js";
import type { UplinkEnvelope } from "../../protocol/uplink.js";
import {
  type Mosquitto,
  startMosquitto,
  startVictoriaMetrics,
  type VictoriaMetrics,
  waitFor,
} from "../support/services.js";
import {
  alarm,
  api,
  chargerTelemetry,
  gatewayClient,
  KEY_A,
  KEY_B,
  makeBridge,
  publishAlarm,
  publishEnvelope,
  SITE_A,
  SITE_B,
  smokeStatus,
  testConfig,
  VIEWER_A,
} from "./support.js";

let broker: Mosquitto;
let vm: VictoriaMetrics;
let bridge: CloudBridge;
let gw: MqttClient;
let port: number;
const now = Date.now();

function placed(env: UplinkEnvelope, shed: string | undefined, location: string): UplinkEnvelope {
  return { ...env, building: "b1", location, ...(shed ? { shed } : {}) };
}

beforeAll(async () => {
  [broker, vm] = await Promise.all([startMosquitto(), startVictoriaMetrics()]);
  gw = await gatewayClient(broker.url);
  const config = testConfig({
    mqttUrl: broker.url,
    vmUrl: vm.url,
    extra: {
      sites: {
        [SITE_A]: {
          name: "Garden",
          commandKey: KEY_A,
          gateways: ["gw-a1"],
          limits: { portLimitW: 1100 },
          sheds: { "shed-north": { name: "North shed", limitW: 12000 } },
        },
        [SITE_B]: { commandKey: KEY_B, gateways: ["gw-b1"] },
      },
    },
  });
  bridge = makeBridge(config).bridge;
  await bridge.start();
  port = bridge.httpPort;
  await publishEnvelope(
    gw,
    placed(
      chargerTelemetry(SITE_A, "gw-a1", "0000c0d2", 1, now - 3000, [300, 700]),
      "shed-north",
      "yard",
    ),
  );
  await publishEnvelope(
    gw,
    placed(
      chargerTelemetry(SITE_A, "gw-a1", "0000c0d1", 2, now - 2000, [100, 0, 1000]),
      "shed-north",
      "yard",
    ),
  );
  await publishEnvelope(gw, chargerTelemetry(SITE_A, "gw-a1", "0000c0d9", 3, now - 2000, [50]));
  await publishEnvelope(
    gw,
    placed(smokeStatus(SITE_A, "gw-a1", "00005a0c", 4, now - 1000, 2950), undefined, "2-201"),
  );
  await publishAlarm(
    gw,
    alarm({
      site: SITE_A,
      gateway: "gw-a1",
      alarmId: "al-fire",
      seq: 5,
      ts: now - 500,
      kind: "fire",
      severity: "critical",
      deviceId: "00005a0c",
      location: "b1/2-201",
    }),
  );
  await waitFor(
    () =>
      bridge.live.shed(SITE_A, "shed-north")?.chargers.length === 2 &&
      bridge.live.shed(SITE_A, "0000c0d9") &&
      bridge.live.alarm(SITE_A, "al-fire"),
    "live state",
  );
});

afterAll(async () => {
  await gw?.endAsync();
  await bridge?.stop();
  await Promise.all([broker?.stop(), vm?.stop()]);
});

describe("sheds by placement", () => {
  it("groups two chargers of one shed into one view with every port and the summed total", async () => {
    const r = await api(port, `/api/sites/${SITE_A}/sheds/shed-north`, VIEWER_A);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      shed: "shed-north",
      name: "North shed",
      building: "b1",
      location: "yard",
      totalPowerW: 2100,
      ts: now - 2000,
      limits: { portLimitW: 1100, shedLimitW: 12000 },
    });
    expect((r.body.chargers as Array<{ deviceId: string }>).map((c) => c.deviceId)).toEqual([
      "0000c0d1",
      "0000c0d2",
    ]);
    const ports = r.body.ports as Array<Record<string, unknown>>;
    expect(
      ports.map((p) => [p.port, p.deviceId, p.devicePort, p.chargerNo, p.portNo, p.powerW]),
    ).toEqual([
      [0, "0000c0d1", 0, 1, 1, 100],
      [1, "0000c0d1", 1, 1, 2, 0],
      [2, "0000c0d1", 2, 1, 3, 1000],
      [3, "0000c0d2", 0, 2, 1, 300],
      [4, "0000c0d2", 1, 2, 2, 700],
    ]);
  });

  it("keeps a charger without placement as its own shed at the default limit", async () => {
    const list = await api(port, `/api/sites/${SITE_A}/sheds`, VIEWER_A);
    expect(list.body.sheds).toEqual([
      expect.objectContaining({ shed: "0000c0d9", ports: 1, chargers: ["0000c0d9"] }),
      expect.objectContaining({
        shed: "shed-north",
        name: "North shed",
        ports: 5,
        totalPowerW: 2100,
        chargers: ["0000c0d1", "0000c0d2"],
      }),
    ]);
    const alone = await api(port, `/api/sites/${SITE_A}/sheds/0000c0d9`, VIEWER_A);
    expect(alone.body).toMatchObject({ shed: "0000c0d9", totalPowerW: 50 });
    // One charger: people read "port 1", no charger number.
    expect((alone.body.ports as Array<Record<string, unknown>>)[0]).toMatchObject({ portNo: 1 });
    expect((alone.body.ports as Array<Record<string, unknown>>)[0]?.chargerNo).toBeUndefined();
    expect((alone.body.limits as Record<string, unknown>).shedLimitW).toBe(8700);
    expect(alone.body.name).toBeUndefined();
  });

  it("moves a charger to the shed its newer telemetry names", async () => {
    await publishEnvelope(
      gw,
      placed(
        chargerTelemetry(SITE_A, "gw-a1", "0000c0d9", 6, now - 100, [40]),
        "shed-north",
        "yard",
      ),
    );
    await waitFor(
      () => (bridge.live.shed(SITE_A, "shed-north")?.chargers.length === 3 ? true : undefined),
      "charger moved",
    );
    expect(bridge.live.shed(SITE_A, "0000c0d9")).toBeUndefined();
    expect(bridge.live.shed(SITE_A, "shed-north")?.totalPowerW).toBe(2140);
  });

  it("lists devices and alarms with their placement", async () => {
    const devices = (await api(port, `/api/sites/${SITE_A}/devices`, VIEWER_A)).body
      .devices as Array<Record<string, unknown>>;
    expect(devices.find((d) => d.deviceId === "00005a0c")).toMatchObject({
      building: "b1",
      location: "2-201",
    });
    expect(devices.find((d) => d.deviceId === "0000c0d1")).toMatchObject({
      building: "b1",
      shed: "shed-north",
      location: "yard",
    });
    const fire = await api(port, `/api/sites/${SITE_A}/alarms/al-fire`, VIEWER_A);
    expect(fire.body).toMatchObject({ location: "b1/2-201", building: "b1" });
  });
});

describe("a shed's power history", () => {
  it("sums the chargers per instant before the step's peak: one overload, one peak over every range", async () => {
    // Two chargers of one shed report every 10 s for 20 minutes, 100 W each, except one
    // 3000 W report each, five minutes apart. Per instant the shed never exceeds 3100 W;
    // adding each charger's own per-step maximum would show 6000 W once a step spans both.
    const start = Math.floor((now - 40 * 60_000) / 10_000) * 10_000;
    const peaks: Record<string, number> = {
      "0000c0e1": start + 300_000,
      "0000c0e2": start + 600_000,
    };
    let seq = 100;
    for (let at = start; at < start + 20 * 60_000; at += 10_000) {
      for (const dev of ["0000c0e1", "0000c0e2"]) {
        const w = peaks[dev] === at ? 3000 : 100;
        const env = chargerTelemetry(SITE_A, "gw-a1", dev, seq++, at, [w]);
        await publishEnvelope(gw, placed(env, "shed-south", "gate"));
      }
    }
    const raw = 'charger_shed_total_power_w{device=~"0000c0e1|0000c0e2"}';
    await waitFor(async () => {
      await vm.flush();
      const s = await vm.exportSeries(raw);
      return s.reduce((n, x) => n + x.values.length, 0) >= 240 ? true : undefined;
    }, "240 shed totals stored");
    for (const rangeMs of [6 * 3_600_000, 24 * 3_600_000, 7 * 86_400_000]) {
      const to = now;
      const from = to - rangeMs;
      const step = Math.max(10, Math.round(rangeMs / 1000 / 300));
      const q = `shed=shed-south&metric=power_w&agg=max&from=${from}&to=${to}&step=${step}`;
      const r = await api(port, `/api/sites/${SITE_A}/history?${q}`, VIEWER_A);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const points = (r.body.series as Array<{ points: Array<[number, number]> }>)[0]!.points;
      const peak = Math.max(...points.map(([, v]) => v));
      expect({ rangeMs, peak }).toEqual({ rangeMs, peak: 3100 });
    }
    const bad = await api(port, `/api/sites/${SITE_A}/history?shed=no-such-shed`, VIEWER_A);
    expect(bad.status).toBe(404);
  });

  it("shows a report half a second old in every range, wherever it falls between the grid's instants and the steps' ends", async () => {
    // One charger per shed, one report each, at phases across the 360 s in which the
    // 30 s grid and the 6 h range's 72 s steps come back into line (210.2 s: just after
    // a grid instant and just before a step's end, where the report's instant lies
    // beyond the step VictoriaMetrics ends the range with). Asked half a second later.
    const base = Math.floor((now - 3 * 3_600_000) / 360_000) * 360_000;
    const phasesMs = [
      0, 200, 29_900, 45_000, 66_200, 70_900, 100_000, 143_800, 180_100, 210_200, 215_000, 250_000,
      287_900, 320_000, 359_800,
    ];
    let seq = 1000;
    for (const [i, phase] of phasesMs.entries()) {
      const dev = `0000c1${i.toString(16).padStart(2, "0")}`;
      const env = chargerTelemetry(SITE_A, "gw-a1", dev, seq++, base + phase, [400 + i]);
      await publishEnvelope(gw, placed(env, `shed-phase-${i}`, "gate"));
    }
    await waitFor(async () => {
      await vm.flush();
      const s = await vm.exportSeries('charger_shed_total_power_w{device=~"0000c1.."}');
      return s.length >= phasesMs.length &&
        phasesMs.every((_, i) => bridge.live.shed(SITE_A, `shed-phase-${i}`))
        ? true
        : undefined;
    }, "every phase's report stored");
    const missing: string[] = [];
    for (const [i, phase] of phasesMs.entries()) {
      for (const rangeMs of [6 * 3_600_000, 24 * 3_600_000, 7 * 86_400_000]) {
        const to = base + phase + 500;
        const from = to - rangeMs;
        const step = Math.max(10, Math.round(rangeMs / 1000 / 300));
        const q = `shed=shed-phase-${i}&metric=power_w&agg=max&from=${from}&to=${to}&step=${step}`;
        const r = await api(port, `/api/sites/${SITE_A}/history?${q}`, VIEWER_A);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        const points = (r.body.series as Array<{ points: Array<[number, number]> }>)[0]!.points;
        const peak = Math.max(0, ...points.map(([, v]) => v));
        // No step that begins after the grid instant that `to` counts at.
        const instant = Math.ceil(to / 30_000) * 30_000;
        const late = points.filter(([t]) => t - step * 1000 >= instant);
        if (peak !== 400 + i || late.length > 0)
          missing.push(
            `phase ${phase} ms, range ${rangeMs / 3_600_000} h: peak ${peak}, ${late.length} empty steps after`,
          );
      }
    }
    expect(missing).toEqual([]);
  });
});
