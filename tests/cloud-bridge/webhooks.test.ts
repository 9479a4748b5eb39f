/**
 * Alarm webhooks from a running bridge to a local receiver: signed, retried
 * with back-off, one per transition however often the message arrives,
 * routed by site and severity, escalated when nobody acknowledges.
 */
import { createHmac } from "node:crypto";
import type { Server } from "node:http";
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
  gatewayClient,
  makeBridge,
  publishAlarm,
  SITE_A,
  SITE_B,
  startWebhookReceiver,
  testConfig,
} from "./support.js";

interface Call {
  hook: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: Record<string, unknown> & {
    idempotencyKey: string;
    alarm: { alarmId: string; transition: string };
  };
}

const SECRETS = {
  duty: "duty-secret-0123456789",
  maint: "maint-secret-0123456789",
  manager: "manager-secret-012345678",
};
let broker: Mosquitto;
let vm: VictoriaMetrics;
let receiver: Server;
let bridge: CloudBridge;
let gw: MqttClient;
let clock = Date.now();
let cfgExtra: Record<string, unknown> = {};
let calls: Call[] = [];
/** Per idempotency key: how many attempts to fail with 500 before accepting. */
const failFirst = new Map<string, number>();
let seq = 1;

function callsFor(alarmId: string, hook?: string) {
  return calls.filter((c) => c.body.alarm.alarmId === alarmId && (!hook || c.hook === hook));
}

async function settle(bridgeAcks: number) {
  await waitFor(
    () =>
      bridge.metrics.value("haitang_bridge_messages_acked_total") >= bridgeAcks ? true : undefined,
    `${bridgeAcks} acks`,
  );
}

beforeAll(async () => {
  [broker, vm] = await Promise.all([startMosquitto(), startVictoriaMetrics()]);
  const started = await startWebhookReceiver<Call["body"]>(({ body }) => {
    const left = failFirst.get(body.idempotencyKey) ?? 0;
    if (left === 0) return 204;
    failFirst.set(body.idempotencyKey, left - 1);
    return 500;
  });
  receiver = started.server;
  calls = started.calls;
  const url = started.url;
  const retry = { initialBackoffMs: 20, maxBackoffMs: 100, maxAttempts: 5 };
  cfgExtra = {
    webhooks: [
      { name: "duty", url: `${url}/duty`, secret: SECRETS.duty, minSeverity: "major", ...retry },
      {
        name: "maint",
        url: `${url}/maint`,
        secret: SECRETS.maint,
        sites: [SITE_B],
        transitions: ["raised"],
        ...retry,
      },
      {
        name: "manager",
        url: `${url}/manager`,
        secret: SECRETS.manager,
        escalationOnly: true,
        ...retry,
      },
    ],
    escalation: {
      minSeverity: "major",
      checkIntervalS: 3600,
      levels: [
        { afterS: 60, webhooks: ["manager"] },
        { afterS: 300, webhooks: ["manager", "duty"] },
      ],
    },
  };
  bridge = makeBridge(
    testConfig({ mqttUrl: broker.url, vmUrl: vm.url, extra: cfgExtra }),
    () => clock,
  ).bridge;
  await bridge.start();
  gw = await gatewayClient(broker.url);
});

afterAll(async () => {
  await gw?.endAsync();
  await bridge?.stop();
  await new Promise((r) => receiver?.close(r));
  await Promise.all([broker?.stop(), vm?.stop()]);
});

describe("alarm webhooks", () => {
  it("signs the body with the webhook's secret and carries timestamp and idempotency key", async () => {
    await publishAlarm(
      gw,
      alarm({ site: SITE_A, gateway: "gw-a1", alarmId: "w-1", seq: seq++, ts: clock }),
    );
    const [call] = await waitFor(
      () => (callsFor("w-1").length ? callsFor("w-1") : undefined),
      "webhook call",
    );
    expect(call!.hook).toBe("duty");
    const expected = `sha256=${createHmac("sha256", SECRETS.duty).update(call!.raw).digest("hex")}`;
    expect(call!.headers["x-haitang-signature"]).toBe(expected);
    expect(call!.headers["x-haitang-timestamp"]).toBe(String(call!.body.sentAt));
    expect(call!.headers["x-haitang-idempotency-key"]).toBe(`${SITE_A}/w-1/raised/0`);
    expect(call!.body).toMatchObject({
      idempotencyKey: `${SITE_A}/w-1/raised/0`,
      event: "alarm.raised",
      webhook: "duty",
      site: { id: SITE_A, name: "Garden" },
      alarm: {
        alarmId: "w-1",
        kind: "port-overload",
        severity: "major",
        evidence: "1350 W for 5 s",
      },
    });
    // A different secret would not verify.
    const forged = `sha256=${createHmac("sha256", SECRETS.maint).update(call!.raw).digest("hex")}`;
    expect(call!.headers["x-haitang-signature"]).not.toBe(forged);
  });

  it("retries a failing webhook with back-off until it accepts, keeping the idempotency key", async () => {
    failFirst.set(`${SITE_A}/w-2/raised/0`, 2);
    await publishAlarm(
      gw,
      alarm({ site: SITE_A, gateway: "gw-a1", alarmId: "w-2", seq: seq++, ts: clock }),
    );
    await waitFor(() => (callsFor("w-2").length >= 3 ? true : undefined), "three attempts");
    const attempts = callsFor("w-2");
    expect(attempts.map((c) => c.body.attempt)).toEqual([1, 2, 3]);
    expect(new Set(attempts.map((c) => c.body.idempotencyKey)).size).toBe(1);
    expect(
      bridge.metrics.value("haitang_bridge_webhook_attempts_total", {
        webhook: "duty",
        result: "retry",
      }),
    ).toBe(2);
    // The alarm's timeline records the delivery.
    await waitFor(
      () => bridge.live.alarm(SITE_A, "w-2")?.timeline.find((t) => t.what === "notified"),
      "notified in timeline",
    );
  });

  it("notifies once per transition however many times the transition is delivered", async () => {
    const raised = alarm({ site: SITE_A, gateway: "gw-a1", alarmId: "w-3", seq: seq++, ts: clock });
    const acksBefore = bridge.metrics.value("haitang_bridge_messages_acked_total");
    for (let i = 0; i < 3; i++) await publishAlarm(gw, raised);
    const cleared = {
      ...raised,
      seq: seq++,
      transition: "cleared" as const,
      active: false,
      clearedAt: clock + 1000,
    };
    await publishAlarm(gw, cleared);
    await publishAlarm(gw, cleared);
    await settle(acksBefore + 5);
    await waitFor(() => (callsFor("w-3").length >= 2 ? true : undefined), "two calls");
    expect(callsFor("w-3").map((c) => c.body.alarm.transition)).toEqual(["raised", "cleared"]);
    expect(bridge.metrics.value("haitang_bridge_alarm_duplicates_total")).toBe(3);
  });

  it("routes by site and minimum severity", async () => {
    const acksBefore = bridge.metrics.value("haitang_bridge_messages_acked_total");
    await publishAlarm(
      gw,
      alarm({
        site: SITE_A,
        gateway: "gw-a1",
        alarmId: "w-4",
        seq: seq++,
        ts: clock,
        severity: "minor",
      }),
    );
    await publishAlarm(
      gw,
      alarm({
        site: SITE_B,
        gateway: "gw-b1",
        alarmId: "w-5",
        seq: seq++,
        ts: clock,
        severity: "maintenance",
        kind: "low-battery",
      }),
    );
    await publishAlarm(
      gw,
      alarm({
        site: SITE_B,
        gateway: "gw-b1",
        alarmId: "w-6",
        seq: seq++,
        ts: clock,
        severity: "critical",
        kind: "fire",
      }),
    );
    await settle(acksBefore + 3);
    await waitFor(() => (callsFor("w-6").length >= 2 ? true : undefined), "fire to both");
    expect(callsFor("w-4")).toEqual([]);
    expect(callsFor("w-5").map((c) => c.hook)).toEqual(["maint"]);
    expect(
      callsFor("w-6")
        .map((c) => c.hook)
        .sort(),
    ).toEqual(["duty", "maint"]);
  });

  it("escalates an unacknowledged alarm level by level, and not an acknowledged one", async () => {
    const t0 = clock;
    await publishAlarm(
      gw,
      alarm({ site: SITE_A, gateway: "gw-a1", alarmId: "w-7", seq: seq++, ts: t0 }),
    );
    const w8 = alarm({ site: SITE_A, gateway: "gw-a1", alarmId: "w-8", seq: seq++, ts: t0 });
    await publishAlarm(gw, w8);
    await waitFor(() => bridge.live.alarm(SITE_A, "w-8"), "w-8 in live state");
    await waitFor(() => (callsFor("w-8").length >= 1 ? true : undefined), "w-8 raised");

    clock = t0 + 30_000;
    await bridge.escalateNow();
    expect(callsFor("w-7", "manager")).toEqual([]);

    clock = t0 + 61_000;
    await bridge.escalateNow();
    await bridge.escalateNow();
    const level1 = callsFor("w-7", "manager");
    expect(level1).toHaveLength(1);
    expect(level1[0]!.body).toMatchObject({
      event: "alarm.escalated",
      escalation: { level: 1, afterS: 60, source: "cloud" },
    });
    expect(level1[0]!.body.idempotencyKey).toBe(`${SITE_A}/w-7/escalated/1`);

    // w-8 is acknowledged at the gateway; w-7 is not.
    await publishAlarm(gw, {
      ...w8,
      seq: seq++,
      ts: t0 + 62_000,
      transition: "acknowledged",
      acknowledged: true,
      acknowledgedBy: "guard",
    });
    await waitFor(
      () => bridge.live.alarm(SITE_A, "w-8")?.acknowledged || undefined,
      "w-8 acknowledged",
    );
    clock = t0 + 301_000;
    await bridge.escalateNow();
    expect(
      callsFor("w-7", "manager").map((c) => (c.body.escalation as { level: number }).level),
    ).toEqual([1, 2]);
    expect(callsFor("w-7", "duty").filter((c) => c.body.event === "alarm.escalated")).toHaveLength(
      1,
    );
    expect(
      callsFor("w-8", "manager").map((c) => (c.body.escalation as { level: number }).level),
    ).toEqual([1]);
  });

  it("keeps escalating after a restart, from the alarms rebuilt out of the database", async () => {
    const t0 = clock;
    await publishAlarm(
      gw,
      alarm({ site: SITE_A, gateway: "gw-a1", alarmId: "w-9", seq: seq++, ts: t0 }),
    );
    await waitFor(() => (callsFor("w-9").length >= 1 ? true : undefined), "w-9 raised");
    await waitFor(
      () => (bridge.metrics.value("haitang_bridge_unacked_messages") === 0 ? true : undefined),
      "written",
    );
    await vm.flush();
    let clock2 = t0 + 61_000;
    const cfg = testConfig({
      mqttUrl: broker.url,
      vmUrl: vm.url,
      instance: "restarted",
      extra: { ...cfgExtra, rebuild: { fromHistory: true } },
    });
    const { bridge: restarted } = makeBridge(cfg, () => clock2);
    await restarted.start();
    try {
      // Level 1 was already due when it started: not sent again; level 2 is.
      await restarted.escalateNow();
      expect(callsFor("w-9", "manager")).toEqual([]);
      clock2 = t0 + 301_000;
      await restarted.escalateNow();
      expect(
        callsFor("w-9", "manager").map((c) => (c.body.escalation as { level: number }).level),
      ).toEqual([2]);
    } finally {
      await restarted.stop();
    }
  });
});
