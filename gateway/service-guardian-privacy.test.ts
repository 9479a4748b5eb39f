/**
 * Personal data stays minimal: a guardian sensor's raw reports (door
 * openings, motion, idle seconds) never reach the cloud broker. They are kept
 * in the gateway's own SQLite table; the cloud hears the resident's welfare
 * state and since when, and the sensor's status heartbeat (device health).
 */
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../common/log.js";
import { deframeAll } from "../protocol/framing.js";
import type { ResidentState } from "../protocol/uplink.js";
import {
  freePort,
  type Mosquitto,
  startMosquitto,
  tmpDir,
  waitFor,
} from "../tests/support/services.js";
import { InstallAuth } from "./http/auth.js";
import { GatewayService } from "./service.js";
import { guardianReports } from "./storage/guardian-activity.js";
import { framed, keyOf, statusMsg } from "./testing/frames.js";
import { testSite } from "./testing/site.js";

const GUARDIAN = 0x00a0d101;
const KEY = keyOf(77);

describe("guardian reports stay on the gateway", () => {
  const dir = tmpDir("haitang-guardian-privacy-");
  let mosq: Mosquitto;
  let gw: GatewayService;
  let sub: mqtt.MqttClient;
  const received: Array<{ topic: string; text: string }> = [];

  beforeAll(async () => {
    mosq = await startMosquitto();
    sub = await mqtt.connectAsync(mosq.url, { protocolVersion: 5 });
    sub.on("message", (topic, payload) => received.push({ topic, text: payload.toString() }));
    await sub.subscribeAsync("#", { qos: 1 });
    const config = testSite({
      dir: dir.path,
      httpPort: await freePort(),
      mqttPort: await freePort(),
      extra: [
        `cloud: { url: "${mosq.url}", reconnectMinMs: 20, reconnectMaxMs: 100, keepaliveS: 5 }`,
        "devices:",
        `  - { id: "${GUARDIAN.toString(16).padStart(8, "0")}", kind: guardian, key: "${Buffer.from(KEY).toString("hex")}", building: b1, location: "101" }`,
        "rules:",
        '  - { id: welfare, kind: welfare, window: { from: "00:00", to: "23:59" }, maxIdleS: 10800, learn: { days: 0 } }',
      ].join("\n"),
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
    await mosq?.stop();
    dir.remove();
  });

  const inject = (c: number, msg: Parameters<typeof framed>[2]) =>
    gw.injectFrame(deframeAll(framed(GUARDIAN, c, msg, KEY)).frames[0]!, { receiver: "mqtt" });

  it("uplinks the resident's state and the heartbeat, never a door or motion report", async () => {
    await waitFor(
      () => (gw.health().uplinkState === "connected" ? true : undefined),
      "uplink connected",
    );
    const t0 = Date.now();
    inject(1, statusMsg(5));
    for (let i = 0; i < 12; i++)
      inject(2 + i, {
        type: "guardian-activity",
        doorOpens: i % 3 === 0 ? 1 : 0,
        motionCount: 3 + i,
        idleS: 20 + i,
        batteryMv: 2950,
      });
    await waitFor(
      () => (gw.running().outbox.depth() === 0 ? true : undefined),
      "outbox drained",
      60_000,
    );
    // The heartbeat went up; every frame of the device after it was committed before the drain.
    await waitFor(
      () => received.find((r) => r.topic.endsWith("/telemetry") || r.topic.endsWith("/batch")),
      "the heartbeat in the cloud",
    );
    const resident = await waitFor(
      () => received.find((r) => r.topic.endsWith(`/dev/00a0d101/resident`)),
      "the resident's state in the cloud",
    );
    const state = JSON.parse(resident.text) as ResidentState;
    expect(state.state).toBe("active");
    expect(Object.keys(state)).not.toContain("motionCount");
    // Nothing on any topic carries the raw report, alone or inside a batch.
    const raw = received.filter(
      (r) =>
        r.text.includes("guardian-activity") ||
        r.text.includes("motionCount") ||
        r.text.includes("doorOpens"),
    );
    expect(raw).toEqual([]);
    // ... and the gateway kept every one of them locally.
    const local = guardianReports(gw.running().db, GUARDIAN, t0 - 1000);
    expect(local.map((r) => r.counter)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(local[4]).toMatchObject({ doorOpens: 0, motionCount: 7, idleS: 24, batteryMv: 2950 });
  });
});
