/**
 * The cloud broker (a spawned Mosquitto behind a cuttable proxy) is away while
 * detectors alarm and clear: when it is back, every alarm transition arrives,
 * in order per device, flagged historical, alarms before the telemetry
 * backlog; and the retained status says the gateway is online.
 */
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../common/log.js";
import { SMOKE_CLEAR } from "../protocol/constants.js";
import { deframeAll } from "../protocol/framing.js";
import type {
  AlarmTransition,
  GatewayStatus,
  UplinkBatch,
  UplinkEnvelope,
} from "../protocol/uplink.js";
import {
  freePort,
  type Mosquitto,
  startMosquitto,
  tmpDir,
  waitFor,
} from "../tests/support/services.js";
import { InstallAuth } from "./http/auth.js";
import { GatewayService } from "./service.js";
import { framed, keyOf, smokeAlarmMsg, statusMsg } from "./testing/frames.js";
import { testSite } from "./testing/site.js";
import { startTestProxy, type TestProxy } from "./uplink/test-proxy.js";

const DETECTORS = [0x00f00001, 0x00f00002, 0x00f00003];
const CHARGER = 0x00f10001;
const KEYS = new Map([...DETECTORS, CHARGER].map((d, i) => [d, keyOf(50 + i)]));

describe("gateway uplink across a cloud outage", () => {
  const dir = tmpDir("haitang-uplink-");
  let mosq: Mosquitto;
  let proxy: TestProxy;
  let gw: GatewayService;
  let sub: mqtt.MqttClient;
  const received: Array<{ topic: string; body: Record<string, unknown>; retain: boolean }> = [];

  beforeAll(async () => {
    mosq = await startMosquitto();
    proxy = await startTestProxy(mosq.port);
    sub = await mqtt.connectAsync(mosq.url, { protocolVersion: 5 });
    sub.on("message", (topic, payload, packet) =>
      received.push({ topic, body: JSON.parse(payload.toString()), retain: packet.retain }),
    );
    await sub.subscribeAsync("haitang/v1/#", { qos: 1 });
    const devices = [...KEYS]
      .map(([d, k]) =>
        d === CHARGER
          ? `  - { id: "${d.toString(16).padStart(8, "0")}", kind: charger, key: "${Buffer.from(k).toString("hex")}", shed: shed-a }`
          : `  - { id: "${d.toString(16).padStart(8, "0")}", kind: smoke, key: "${Buffer.from(k).toString("hex")}", building: b1, location: "101" }`,
      )
      .join("\n");
    const config = testSite({
      dir: dir.path,
      httpPort: await freePort(),
      mqttPort: await freePort(),
      extra: `cloud: { url: "${proxy.url}", reconnectMinMs: 20, reconnectMaxMs: 100, keepaliveS: 5 }\ndevices:\n${devices}`,
    });
    gw = new GatewayService({
      config,
      auth: new InstallAuth(() => false),
      log: memoryLogger(),
      tuning: { mergeWindowMs: 5 },
    });
    await gw.start();
  });

  afterAll(async () => {
    await gw?.stop();
    sub?.end(true);
    await proxy?.close();
    await mosq?.stop();
    dir.remove();
  });

  const inject = (d: number, c: number, msg: Parameters<typeof framed>[2]) =>
    gw.injectFrame(deframeAll(framed(d, c, msg, KEYS.get(d)!)).frames[0]!, { receiver: "mqtt" });

  it("delivers every alarm after the outage, in order per device, marked historical, before telemetry", async () => {
    await waitFor(
      () => (gw.health().uplinkState === "connected" ? true : undefined),
      "uplink connected",
    );
    await waitFor(
      () =>
        received.find(
          (r) => r.topic.endsWith("/status") && (r.body as unknown as GatewayStatus).online,
        ),
      "birth message",
    );
    proxy.block(true);
    proxy.cut();
    await waitFor(
      () => (gw.health().uplinkState === "disconnected" ? true : undefined),
      "uplink down",
    );
    const before = received.length;

    let c = 1;
    for (let i = 0; i < 20; i++) inject(CHARGER, c++, statusMsg(i)); // a telemetry backlog first
    for (const d of DETECTORS) {
      inject(d, 1, smokeAlarmMsg(1));
      inject(d, 2, {
        type: "smoke-event",
        event: SMOKE_CLEAR,
        smokeLevel: 10,
        batteryMv: 2900,
        eventId: 2,
      });
      inject(d, 3, smokeAlarmMsg(3));
    }
    await waitFor(
      () => (gw.running().outbox.depth() >= 20 + 9 + 9 ? true : undefined),
      "backlog committed",
    );
    expect(received.length).toBe(before);

    proxy.block(false);
    await waitFor(
      () => (gw.running().outbox.depth() === 0 ? true : undefined),
      "backlog drained",
      60_000,
    );
    // Mosquitto may PUBACK the gateway before it has passed the last message on to
    // the subscriber: wait until every alarm and envelope (loose or in a batch) is here.
    type Got = (typeof received)[number];
    const isTelemetry = (r: { topic: string }) =>
      r.topic.endsWith("/telemetry") || r.topic.endsWith("/batch");
    const alarmsIn = (rs: Got[]) =>
      rs.filter((r) => r.topic.endsWith("/alarm")).map((r) => r.body as unknown as AlarmTransition);
    const envelopesIn = (rs: Got[]) =>
      rs
        .filter(isTelemetry)
        .flatMap((r) =>
          r.topic.endsWith("/batch")
            ? (r.body as unknown as UplinkBatch).envelopes
            : [r.body as unknown as UplinkEnvelope],
        );
    const backlog = await waitFor(() => {
      const got = received
        .slice(before)
        .filter((r) => !r.topic.endsWith("/status") && !r.topic.endsWith("/health"));
      return alarmsIn(got).length >= 9 && envelopesIn(got).length >= 20 ? got : undefined;
    }, "every alarm and envelope at the subscriber");
    const alarms = alarmsIn(backlog);
    expect(alarms).toHaveLength(9);
    expect(alarms.every((a) => a.historical)).toBe(true);
    for (const d of DETECTORS) {
      const mine = alarms.filter((a) => a.deviceId === d.toString(16).padStart(8, "0"));
      expect(mine.map((a) => a.transition)).toEqual(["raised", "cleared", "raised"]);
      expect(mine.map((a) => a.seq)).toEqual([...mine.map((a) => a.seq)].sort((x, y) => x - y));
    }
    // The telemetry backlog goes in batch envelopes (several per message), flagged historical.
    const batches = backlog.filter((r) => r.topic.endsWith("/batch"));
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((r) => (r.body as unknown as UplinkBatch).historical)).toBe(true);
    const telemetry = envelopesIn(backlog);
    expect(telemetry).toHaveLength(20);
    expect(telemetry.map((t) => t.counter)).toEqual([...Array(20).keys()].map((i) => i + 1));
    expect(telemetry.every((t) => t.historical)).toBe(true);
    const lastAlarm = backlog.findLastIndex((r) => r.topic.endsWith("/alarm"));
    const firstTelemetry = backlog.findIndex(isTelemetry);
    expect(lastAlarm).toBeLessThan(firstTelemetry);
  });
});
