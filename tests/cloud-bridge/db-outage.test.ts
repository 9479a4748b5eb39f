/**
 * The time-series database goes down: the bridge stops acknowledging,
 * retries with back-off, and writes everything once the database is back.
 */
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloudBridge } from "../../cloud-bridge/bridge.js";
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
  makeBridge,
  publishAlarm,
  publishEnvelope,
  SITE_A,
  testConfig,
} from "./support.js";

let broker: Mosquitto;
let vm: VictoriaMetrics;
let gw: MqttClient;
let bridge: CloudBridge;

beforeAll(async () => {
  [broker, vm] = await Promise.all([startMosquitto(), startVictoriaMetrics()]);
  bridge = makeBridge(testConfig({ mqttUrl: broker.url, vmUrl: vm.url })).bridge;
  await bridge.start();
  gw = await gatewayClient(broker.url);
});

afterAll(async () => {
  await gw?.endAsync();
  await bridge?.stop();
  await Promise.all([broker?.stop(), vm?.stop()]);
});

describe("cloud-bridge through outages", () => {
  it("holds acknowledgements while the database is down and loses nothing when it returns", async () => {
    const t0 = Date.now() - 600_000;
    await publishEnvelope(gw, chargerTelemetry(SITE_A, "gw-a1", "0000aaaa", 1, t0, [1]));
    await waitFor(
      () => (bridge.metrics.value("haitang_bridge_points_written_total") > 0 ? true : undefined),
      "first write",
    );

    await vm.stop();
    const n = 200;
    for (let i = 1; i <= n; i++)
      await publishEnvelope(gw, chargerTelemetry(SITE_A, "gw-a1", "0000aaaa", 1 + i, t0 + i, [i]));
    await publishAlarm(
      gw,
      alarm({ site: SITE_A, gateway: "gw-a1", alarmId: "outage-1", seq: 500, ts: t0 + 500 }),
    );
    const m = bridge.metrics;
    await waitFor(
      () => (m.value("haitang_bridge_write_failures_total") >= 2 ? true : undefined),
      "failed writes",
    );
    // Everything received during the outage is still unacknowledged.
    await waitFor(
      () => (m.value("haitang_bridge_unacked_messages") === n + 1 ? true : undefined),
      "all held",
    );
    expect(m.value("haitang_bridge_write_backoff_ms")).toBeGreaterThan(0);

    await vm.start();
    await waitFor(
      () => (m.value("haitang_bridge_unacked_messages") === 0 ? true : undefined),
      "all acknowledged",
      30_000,
    );
    await vm.flush();
    const series = await vm.exportSeries('charger_port_power_w{device="0000aaaa"}');
    const ts = new Set(series.flatMap((s) => s.timestamps));
    expect(ts.size).toBe(n + 1);
    expect(await vm.exportSeries('alarm_level{alarm_id="outage-1"}')).toHaveLength(1);
    expect(m.value("haitang_bridge_write_backoff_ms")).toBe(0);
  });

  it("reconnects and subscribes again after the broker restarts without its sessions", async () => {
    const t0 = Date.now() - 300_000;
    await broker.stop();
    await waitFor(
      () => (bridge.metrics.value("haitang_bridge_unacked_messages") === 0 ? true : undefined),
      "idle",
    );
    await broker.start();
    // The broker lost every session (no persistence): the bridge must subscribe anew.
    await waitFor(
      async () => {
        const probe = await gatewayClient(broker.url);
        await publishEnvelope(probe, chargerTelemetry(SITE_A, "gw-a1", "0000bbbb", 1, t0, [5]));
        await probe.endAsync();
        await vm.flush();
        return (await vm.exportSeries('charger_port_power_w{device="0000bbbb"}')).length > 0
          ? true
          : undefined;
      },
      "a point written after the broker restart",
      30_000,
    );
    expect((await api(bridge.httpPort, "/healthz", undefined)).body).toMatchObject({
      ok: true,
      mqtt: "connected",
    });
  });
});
