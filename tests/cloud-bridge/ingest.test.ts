/**
 * Ingest against a spawned Mosquitto and VictoriaMetrics: points land and
 * read back, a redelivered message changes nothing, and bad uplinks are
 * rejected, counted and acknowledged.
 */
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloudBridge } from "../../cloud-bridge/bridge.js";
import { topics, type UplinkEnvelope } from "../../protocol/uplink.js";
import {
  type Mosquitto,
  startMosquitto,
  startVictoriaMetrics,
  type VictoriaMetrics,
  waitFor,
} from "../support/services.js";
import {
  alarm,
  chargerTelemetry,
  gatewayClient,
  health,
  makeBridge,
  publishAlarm,
  publishEnvelope,
  SITE_A,
  smokeStatus,
  status,
  testConfig,
} from "./support.js";

let broker: Mosquitto;
let vm: VictoriaMetrics;
let bridge: CloudBridge;
let gw: MqttClient;
const T0 = Date.now() - 60_000;

async function samples(match: string) {
  await vm.flush();
  return vm.exportSeries(match);
}

async function waitForSamples(match: string, n: number) {
  return waitFor(async () => {
    const s = await samples(match);
    const count = s.reduce((acc, x) => acc + x.values.length, 0);
    return count >= n ? s : undefined;
  }, `${n} samples of ${match}`);
}

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

describe("cloud-bridge ingest", () => {
  it("writes charger telemetry per port and per shed, with the envelope's timestamp", async () => {
    await publishEnvelope(
      gw,
      chargerTelemetry(SITE_A, "gw-a1", "0000c0de", 101, T0, [180, 0, 1050]),
    );
    const ports = await waitForSamples('charger_port_power_w{site="site-a",device="0000c0de"}', 3);
    const byPort = new Map(ports.map((s) => [s.metric.port, s]));
    expect(byPort.get("0")?.values).toEqual([180]);
    expect(byPort.get("2")?.values).toEqual([1050]);
    expect(byPort.get("2")?.timestamps).toEqual([T0]);
    expect(byPort.get("2")?.metric).toMatchObject({ gateway: "gw-a1", kind: "charger" });
    const shed = await waitForSamples('charger_shed_total_power_w{device="0000c0de"}', 1);
    expect(shed[0]!.values).toEqual([1230]);
    const temp = await samples('charger_shed_temp_c{device="0000c0de"}');
    expect(temp[0]!.values).toEqual([24.5]);
  });

  it("writes device status, alarms, gateway status and health", async () => {
    await publishEnvelope(gw, smokeStatus(SITE_A, "gw-a1", "00005a0c", 102, T0 + 1, 2950));
    await publishAlarm(
      gw,
      alarm({ site: SITE_A, gateway: "gw-a1", alarmId: "al-1", seq: 103, ts: T0 + 2 }),
    );
    await gw.publishAsync(
      topics.status(SITE_A, "gw-a1"),
      JSON.stringify(status(SITE_A, "gw-a1", true, T0 + 3)),
      { qos: 1, retain: true },
    );
    await gw.publishAsync(
      topics.health(SITE_A, "gw-a1"),
      JSON.stringify(health(SITE_A, "gw-a1", T0 + 4)),
      { qos: 1 },
    );

    const battery = await waitForSamples('device_status_battery_mv{device="00005a0c"}', 1);
    expect(battery[0]!.values).toEqual([2950]);
    const rssi = await waitForSamples('uplink_rssi_dbm{device="00005a0c"}', 1);
    expect(rssi[0]!.values).toEqual([-67]);
    const level = await waitForSamples('alarm_active{alarm_id="al-1"}', 1);
    expect(level[0]!.metric).toMatchObject({
      kind: "port-overload",
      severity: "major",
      transition: "raised",
      port: "2",
    });
    expect(level[0]!.timestamps).toEqual([T0 + 2]);
    const online = await waitForSamples('gateway_status_online{gateway="gw-a1"}', 1);
    expect(online[0]!.values).toEqual([1]);
    const counter = await waitForSamples('gateway_counter_value{counter="bad-mac"}', 1);
    expect(counter[0]!.values).toEqual([2]);
  });

  it("writes the same points again when a message is delivered twice (same series, same timestamps)", async () => {
    const env = chargerTelemetry(SITE_A, "gw-a1", "0000d0d0", 104, T0 + 10, [300, 400]);
    await publishEnvelope(gw, env);
    await publishEnvelope(gw, env);
    const s = await waitForSamples('charger_port_power_w{device="0000d0d0"}', 4);
    expect(s).toHaveLength(2);
    for (const series of s) expect(new Set(series.timestamps)).toEqual(new Set([T0 + 10]));
  });

  it("keeps the historical flag of backlog messages", async () => {
    await publishEnvelope(
      gw,
      chargerTelemetry(SITE_A, "gw-a1", "0000babe", 105, T0 - 3600_000, [90], true),
    );
    const s = await waitForSamples('charger_port_historical{device="0000babe"}', 1);
    expect(s[0]!.values).toEqual([1]);
  });

  it("stores and counts a command-ack and a body type it does not know yet, rejecting neither", async () => {
    const rejectedBefore = bridge.metrics.total("haitang_bridge_rejected_total");
    const base = smokeStatus(SITE_A, "gw-a1", "0000f00d", 106, T0 + 20, 3000);
    const ack = { ...base, body: { type: "command-ack", ackedCounter: 9, result: 0 } };
    await publishEnvelope(gw, ack as UplinkEnvelope, "event");
    const future = { ...base, seq: 107, ts: T0 + 21, body: { type: "ota-progress", chunk: 4 } };
    await publishEnvelope(gw, future as unknown as UplinkEnvelope);
    const stored = await waitForSamples('uplink_seq{device="0000f00d"}', 2);
    expect(new Set(stored.map((x) => x.metric.type))).toEqual(
      new Set(["command-ack", "ota-progress"]),
    );
    const m = bridge.metrics;
    expect(m.value("haitang_bridge_unknown_body_total", { type: "ota-progress" })).toBe(1);
    expect(m.value("haitang_bridge_accepted_total", { kind: "unknown-body" })).toBe(1);
    expect(m.total("haitang_bridge_rejected_total")).toBe(rejectedBefore);
  });

  it("rejects malformed, unknown-gateway and inconsistent uplinks, counts them and keeps going", async () => {
    const before = bridge.metrics.total("haitang_bridge_rejected_total");
    await gw.publishAsync(topics.telemetry(SITE_A, "gw-a1", "0000c0de"), "{not json", { qos: 1 });
    await gw.publishAsync(
      topics.telemetry(SITE_A, "gw-a1", "0000c0de"),
      JSON.stringify({ v: 1, site: SITE_A }),
      { qos: 1 },
    );
    await publishEnvelope(gw, chargerTelemetry(SITE_A, "gw-intruder", "0000c0de", 1, T0, [1]));
    await publishEnvelope(gw, chargerTelemetry("site-unknown", "gw-x", "0000c0de", 1, T0, [1]));
    // Claims another gateway in its payload.
    await gw.publishAsync(
      topics.telemetry(SITE_A, "gw-a1", "0000c0de"),
      JSON.stringify(chargerTelemetry(SITE_A, "gw-b1", "0000c0de", 1, T0, [1])),
      { qos: 1 },
    );
    await publishEnvelope(gw, chargerTelemetry(SITE_A, "gw-a1", "0000f00d", 106, T0 + 20, [77]));

    await waitForSamples('charger_port_power_w{device="0000f00d"}', 1);
    const m = bridge.metrics;
    await waitFor(
      () => (m.total("haitang_bridge_rejected_total") - before >= 5 ? true : undefined),
      "5 rejections",
    );
    const rejected = (reason: string) => m.value("haitang_bridge_rejected_total", { reason });
    expect(rejected("malformed-json")).toBe(1);
    expect(rejected("invalid-payload")).toBe(1);
    expect(rejected("unknown-gateway")).toBe(1);
    expect(rejected("unknown-site")).toBe(1);
    expect(rejected("topic-mismatch")).toBe(1);
    // Nothing from the intruder was stored, and every message was acknowledged.
    expect(await samples('charger_port_power_w{gateway="gw-intruder"}')).toEqual([]);
    await waitFor(
      () => (m.value("haitang_bridge_unacked_messages") === 0 ? true : undefined),
      "all acked",
    );
    expect(m.value("haitang_bridge_messages_acked_total")).toBe(
      m.value("haitang_bridge_messages_received_total", { qos: "1" }),
    );
    const text = m.render();
    expect(text).toContain('haitang_bridge_rejected_total{reason="unknown-gateway"}');
  });

  it("writes each envelope of a batch once, as if it had come alone, and rejects only a bad one", async () => {
    const accepted = () =>
      bridge.metrics.value("haitang_bridge_accepted_total", { kind: "device" }) ?? 0;
    const before = accepted();
    const rejectedBefore =
      bridge.metrics.value("haitang_bridge_rejected_total", { reason: "topic-mismatch" }) ?? 0;
    const envelopes = [
      chargerTelemetry(SITE_A, "gw-a1", "0000b001", 201, T0 + 30, [11, 12]),
      smokeStatus(SITE_A, "gw-a1", "0000b002", 202, T0 + 31, 2800),
      // Claims another gateway: rejected alone, the others are kept.
      chargerTelemetry(SITE_A, "gw-b1", "0000b003", 203, T0 + 32, [13]),
      chargerTelemetry(SITE_A, "gw-a1", "0000b001", 204, T0 + 33, [21, 22]),
    ];
    await gw.publishAsync(
      topics.batch(SITE_A, "gw-a1"),
      JSON.stringify({ v: 1, site: SITE_A, gateway: "gw-a1", historical: false, envelopes }),
      { qos: 1 },
    );
    const port0 = await waitForSamples('charger_port_power_w{device="0000b001",port="0"}', 2);
    expect(port0[0]!.values).toEqual([11, 21]);
    expect(port0[0]!.timestamps).toEqual([T0 + 30, T0 + 33]);
    const battery = await waitForSamples('device_status_battery_mv{device="0000b002"}', 1);
    expect(battery[0]!.values).toEqual([2800]);
    expect(await samples('charger_port_power_w{device="0000b003"}')).toEqual([]);
    expect(accepted() - before).toBe(3);
    expect(
      bridge.metrics.value("haitang_bridge_rejected_total", { reason: "topic-mismatch" }),
    ).toBe(rejectedBefore + 1);
    await waitFor(
      () => (bridge.metrics.value("haitang_bridge_unacked_messages") === 0 ? true : undefined),
      "batch acked",
    );
  });

  it("rebuilds devices and alarms from the database when an instance starts", async () => {
    await waitFor(
      () => (bridge.metrics.value("haitang_bridge_unacked_messages") === 0 ? true : undefined),
      "all written",
    );
    await vm.flush();
    const cfg = testConfig({
      mqttUrl: broker.url,
      vmUrl: vm.url,
      instance: "rebuilt",
      extra: { rebuild: { fromHistory: true, lookbackHours: 24 } },
    });
    const { bridge: fresh } = makeBridge(cfg);
    await fresh.start();
    try {
      const smoke = fresh.live.devices(SITE_A, Date.now()).find((d) => d.deviceId === "00005a0c");
      expect(smoke).toMatchObject({
        gateway: "gw-a1",
        kind: "smoke",
        batteryMv: 2950,
        rssiDbm: -67,
        firmware: "1.2.3",
        lastSeen: T0 + 1,
      });
      const a = fresh.live.alarm(SITE_A, "al-1");
      expect(a).toMatchObject({
        kind: "port-overload",
        severity: "major",
        active: true,
        port: 2,
        raisedAt: T0 + 2,
        seq: 103,
      });
      expect(a?.timeline.map((t) => t.what)).toEqual(["raised"]);
    } finally {
      await fresh.stop();
    }
  });
});
