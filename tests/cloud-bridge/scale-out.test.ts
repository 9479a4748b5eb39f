/**
 * Two bridge instances on one shared subscription split the stream and write
 * every message once; killing one mid-stream, with messages received but not
 * yet written, loses nothing once it comes back with its session.
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
  chargerTelemetry,
  gatewayClient,
  makeBridge,
  publishEnvelope,
  SITE_A,
  testConfig,
} from "./support.js";

let broker: Mosquitto;
let vm: VictoriaMetrics;
let gw: MqttClient;
const running: CloudBridge[] = [];

async function start(
  instance: string,
  extra: Record<string, unknown> = {},
  mqttExtra: Record<string, unknown> = {},
) {
  const cfg = testConfig({ mqttUrl: broker.url, vmUrl: vm.url, instance });
  Object.assign(cfg.influx, extra);
  Object.assign(cfg.mqtt, mqttExtra);
  const { bridge } = makeBridge(cfg);
  await bridge.start();
  running.push(bridge);
  return bridge;
}

async function timestampsOf(device: string): Promise<number[]> {
  await vm.flush();
  const series = await vm.exportSeries(`charger_port_power_w{device="${device}"}`);
  return series.flatMap((s) => s.timestamps);
}

async function publishRun(device: string, from: number, to: number, t0: number) {
  for (let i = from; i < to; i++) {
    await publishEnvelope(gw, chargerTelemetry(SITE_A, "gw-a1", device, 10_000 + i, t0 + i, [i]));
  }
}

beforeAll(async () => {
  [broker, vm] = await Promise.all([startMosquitto(), startVictoriaMetrics()]);
  gw = await gatewayClient(broker.url);
});

afterAll(async () => {
  await gw?.endAsync();
  for (const b of running) await b.stop().catch(() => undefined);
  await Promise.all([broker?.stop(), vm?.stop()]);
});

describe("cloud-bridge scale-out", () => {
  it("two instances on one shared subscription write every message exactly once", async () => {
    const a = await start("share-a");
    const b = await start("share-b");
    const n = 400;
    const t0 = Date.now() - 3600_000;
    await publishRun("00000001", 0, n, t0);
    const ts = await waitFor(async () => {
      const t = await timestampsOf("00000001");
      return t.length >= n ? t : undefined;
    }, `${n} points`);
    expect(ts).toHaveLength(n);
    expect(new Set(ts).size).toBe(n);
    const got = (x: CloudBridge) =>
      x.metrics.value("haitang_bridge_messages_received_total", { qos: "1" });
    // The broker really split the stream between the two.
    expect(got(a)).toBeGreaterThan(0);
    expect(got(b)).toBeGreaterThan(0);
    expect(got(a) + got(b)).toBe(n);
    await a.stop();
    await b.stop();
    running.length = 0;
  });

  it("loses nothing when an instance is killed with messages unwritten, once it returns", async () => {
    // Instance "kill-a" holds what it receives (a long flush interval) so the kill finds it unacknowledged.
    const a = await start("kill-a", { flushIntervalMs: 60_000, batchSize: 100_000 });
    await start("kill-b");
    const n = 300;
    const t0 = Date.now() - 7200_000;
    await publishRun("00000002", 0, n / 2, t0);
    await waitFor(
      () => (a.metrics.value("haitang_bridge_unacked_messages") > 0 ? true : undefined),
      "kill-a holding messages",
    );
    const held = a.metrics.value("haitang_bridge_unacked_messages");
    await a.abort();
    await publishRun("00000002", n / 2, n, t0);
    // B's share is written while A is down; A's share waits in its session on the broker.
    const beforeReturn = await waitFor(async () => {
      const t = await timestampsOf("00000002");
      return t.length > 0 ? t : undefined;
    }, "B's points");
    expect(new Set(beforeReturn).size).toBeLessThan(n);

    const a2 = await start("kill-a");
    const ts = await waitFor(async () => {
      const t = await timestampsOf("00000002");
      return new Set(t).size >= n ? t : undefined;
    }, `${n} distinct points`);
    expect(held).toBeGreaterThan(0);
    expect(new Set(ts).size).toBe(n);
    // Each distinct point carries its own value: nothing was mixed up on the way.
    await vm.flush();
    const series = await vm.exportSeries('charger_port_power_w{device="00000002"}');
    for (const s of series) {
      s.timestamps.forEach((t, i) => {
        expect(s.values[i]).toBe(t - t0);
      });
    }
    expect(
      a2.metrics.value("haitang_bridge_messages_received_total", { qos: "1" }),
    ).toBeGreaterThanOrEqual(held);
  });

  it("drains and ends a crashed instance's session from a survivor when it does not return", async () => {
    const fast = { adoptCrashedPeersAfterS: 0.2 };
    const a = await start("adopt-a", { flushIntervalMs: 60_000, batchSize: 100_000 }, fast);
    const b = await start("adopt-b", {}, fast);
    const n = 300;
    const t0 = Date.now() - 10_800_000;
    await publishRun("00000003", 0, n / 2, t0);
    await waitFor(
      () => (a.metrics.value("haitang_bridge_unacked_messages") > 0 ? true : undefined),
      "adopt-a holding messages",
    );
    await a.abort();
    await publishRun("00000003", n / 2, n, t0);
    const ts = await waitFor(async () => {
      const t = await timestampsOf("00000003");
      return new Set(t).size >= n ? t : undefined;
    }, `${n} distinct points without adopt-a`);
    expect(new Set(ts).size).toBe(n);
    await waitFor(
      () => (b.metrics.value("haitang_bridge_sessions_adopted_total") === 1 ? true : undefined),
      "adoption recorded",
    );
    // The ended session takes no more of the stream: later messages all reach B.
    await publishRun("00000003", n, n + 20, t0);
    await waitFor(
      async () => (new Set(await timestampsOf("00000003")).size >= n + 20 ? true : undefined),
      "later messages",
    );
  });
});
