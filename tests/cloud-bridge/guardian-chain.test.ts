/**
 * The escalation chain of welfare alarms in a running bridge, on a virtual
 * clock: the family is told first (with an acknowledgement link) and reminded
 * every repeatS; unanswered, the grid worker is told, then the duty desk; an
 * answer through the link stops the chain, acknowledges the alarm at the
 * gateway and shows on the timeline who was told and who answered. The
 * bridge's global escalation leaves these alarms to the chain. The family of
 * an opted-in resident gets a daily "all well" summary; resident states and
 * the days already summarised survive a bridge restart (guardian.stateFile).
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloudBridge } from "../../cloud-bridge/bridge.js";
import type { AlarmView } from "../../cloud-bridge/live/views.js";
import type { AlarmTransition, CommandRequest, ResidentState } from "../../protocol/uplink.js";
import { topics } from "../../protocol/uplink.js";
import {
  type Mosquitto,
  startMosquitto,
  startVictoriaMetrics,
  tmpDir,
  type VictoriaMetrics,
  waitFor,
} from "../support/services.js";
import {
  alarm,
  api,
  gatewayClient,
  makeBridge,
  nextSeq,
  publishAlarm,
  SITE_A,
  SITE_B,
  TOKEN_A,
  testConfig,
} from "./support.js";

interface Call {
  hook: string;
  body: {
    event: string;
    idempotencyKey: string;
    alarm?: { alarmId: string; kind: string };
    chain?: { step: number; stepName: string; reminder: number };
    ack?: { url: string; token: string };
    summary?: { day: string; deviceId: string; allWell: boolean; state: string; alarms24h: number };
  };
}

const MIN = 60_000;
let broker: Mosquitto;
let vm: VictoriaMetrics;
let receiver: Server;
let bridge: CloudBridge;
let config: ReturnType<typeof testConfig>;
const dir = tmpDir("haitang-guardian-");
let gw: MqttClient;
/**
 * The bridge's clock starts at 06:00 UTC yesterday, whenever the test runs: the chain tests
 * move it on by up to 131 min (the restarted bridge's), and every guardian tick also sends
 * the daily summaries due (20:00 at SITE_A, UTC+0). Started at the wall clock, a run from
 * 17:49 UTC on sent that day's summary before the daily test, which then found one too many.
 */
const DAY = 86_400_000;
let clock = Math.floor(Date.now() / DAY) * DAY - DAY + 6 * 60 * MIN;
const calls: Call[] = [];
const gatewayAcks: Array<{ alarmId: string; by: string }> = [];

/** The chain's notifications of an alarm (the desk also hears acknowledgements as usual). */
const callsFor = (alarmId: string, hook?: string) =>
  calls.filter(
    (c) =>
      c.body.alarm?.alarmId === alarmId &&
      c.body.event.startsWith("guardian.") &&
      (!hook || c.hook === hook),
  );

function welfare(alarmId: string, deviceId: string, t: number): AlarmTransition {
  const { port: _p, ...a } = alarm({
    site: SITE_A,
    gateway: "gw-a1",
    alarmId,
    kind: "welfare",
    severity: "major",
    deviceId,
    rule: "welfare",
    evidence: "no door or motion activity for 3.0 h inside the day window",
    location: `b9/${deviceId.slice(-3)}`,
    seq: nextSeq(),
    ts: t,
  });
  return a;
}

/** The gateway's side of ack-alarm: answer, then publish the acknowledged transition. */
function standInGateway() {
  gw.on("message", (topic, payload) => {
    if (!topic.includes("/request/")) return;
    const req = JSON.parse(payload.toString()) as CommandRequest<"ack-alarm">;
    gatewayAcks.push({ alarmId: req.payload.alarmId, by: req.payload.by ?? "" });
    const cur = bridge.live.alarm(SITE_A, req.payload.alarmId)!;
    void gw.publishAsync(
      topics.response(SITE_A, "gw-a1", "ack-alarm"),
      JSON.stringify({ transaction: req.transaction, command: req.command, ok: true }),
      { qos: 1 },
    );
    void publishAlarm(gw, {
      ...welfare(cur.alarmId, cur.deviceId, clock),
      raisedAt: cur.raisedAt,
      transition: "acknowledged",
      acknowledged: true,
      acknowledgedAt: clock,
      acknowledgedBy: req.payload.by ?? "",
    });
  });
}

async function tick(at: number) {
  clock = at;
  await bridge.guardianTick();
  await bridge.escalateNow();
}

async function ack(url: string, json = true) {
  const res = await fetch(
    url.replace("https://haitang.example", `http://127.0.0.1:${bridge.httpPort}`),
    {
      method: "POST",
      headers: json
        ? { accept: "application/json", "content-type": "application/json" }
        : { "content-type": "application/x-www-form-urlencoded" },
      body: json ? JSON.stringify({ comment: "on my way" }) : "",
    },
  );
  return { status: res.status, text: await res.text() };
}

const timelineOf = (alarmId: string) =>
  (bridge.live.alarm(SITE_A, alarmId) as AlarmView).timeline.map((e) =>
    [e.what, e.level ?? null, e.target ?? e.by ?? null].join(" "),
  );

beforeAll(async () => {
  [broker, vm] = await Promise.all([startMosquitto(), startVictoriaMetrics()]);
  receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => {
      raw += d.toString();
    });
    req.on("end", () => {
      calls.push({ hook: (req.url ?? "").slice(1), body: JSON.parse(raw) as Call["body"] });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const hook = (name: string, escalationOnly: boolean) => ({
    name,
    url: `${url}/${name}`,
    secret: `${name}-secret-0123456789`,
    escalationOnly,
    maxAttempts: 2,
    initialBackoffMs: 20,
  });
  config = testConfig({
    mqttUrl: broker.url,
    vmUrl: vm.url,
    extra: {
      webhooks: [hook("family-wang", true), hook("grid", true), hook("desk", false)],
      // The global escalation would tell the desk after a minute: not for welfare alarms.
      escalation: {
        minSeverity: "major",
        checkIntervalS: 3600,
        levels: [{ afterS: 60, webhooks: ["desk"] }],
      },
      guardian: {
        ackSecret: "guardian-ack-secret-0123",
        publicUrl: "https://haitang.example",
        checkIntervalS: 3600,
        chains: [
          {
            kinds: ["welfare", "wandering"],
            repeatS: 300,
            steps: [
              { name: "family", family: true, ackWithinS: 900 },
              { name: "grid-worker", webhooks: ["grid"], ackWithinS: 1200, workOrderTo: "grid-li" },
              { name: "duty-desk", webhooks: ["desk"] },
            ],
          },
        ],
        residents: [
          { site: SITE_A, deviceId: "0000d902", family: ["family-wang"], dailySummary: true },
          { site: SITE_A, deviceId: "0000d903", family: ["family-wang"] },
        ],
        dailySummaryAt: "20:00",
        stateFile: join(dir.path, "residents.json"),
      },
    },
  });
  bridge = makeBridge(config, () => clock).bridge;
  await bridge.start();
  gw = await gatewayClient(broker.url);
  await gw.subscribeAsync(`haitang/v1/${SITE_A}/gw-a1/request/+`, { qos: 1 });
  standInGateway();
}, 60_000);

afterAll(async () => {
  await gw?.endAsync();
  await bridge?.stop();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  await Promise.all([broker?.stop(), vm?.stop()]);
  dir.remove();
});

describe("the welfare alarm's escalation chain", () => {
  it("reaches the grid worker when the family does not answer, and stops when the grid worker does", async () => {
    const t0 = clock;
    await publishAlarm(gw, welfare("w-1", "0000d902", t0));
    await waitFor(() => callsFor("w-1", "family-wang")[0], "the family told");
    await waitFor(
      () => (timelineOf("w-1").includes("notified 0 family-wang") ? true : undefined),
      "timeline",
    );
    const first = callsFor("w-1", "family-wang")[0]!.body;
    expect(first).toMatchObject({
      event: "guardian.notify",
      alarm: { alarmId: "w-1", kind: "welfare" },
      chain: { step: 0, stepName: "family", reminder: 0 },
    });
    expect(first.ack?.url).toMatch(/^https:\/\/haitang\.example\/guardian\/ack\?t=/);
    expect(JSON.stringify(first)).not.toContain("no door or motion");

    await tick(t0 + 2 * MIN); // the bridge's global escalation is due at 1 min: not for this one
    expect(calls.filter((c) => c.body.alarm?.alarmId === "w-1" && c.hook === "desk")).toEqual([]);
    await tick(t0 + 5 * MIN);
    await waitFor(() => callsFor("w-1", "family-wang")[1], "the family reminded");
    expect(callsFor("w-1", "family-wang")[1]!.body).toMatchObject({
      event: "guardian.reminder",
      chain: { step: 0, reminder: 1 },
    });
    expect(callsFor("w-1", "grid")).toEqual([]);
    // The timeline notes a notification once its delivery succeeded.
    const noted = (entry: string, n: number) =>
      waitFor(
        () => (timelineOf("w-1").filter((e) => e === entry).length >= n ? true : undefined),
        `${n} x ${entry}`,
      );
    await noted("notified 0 family-wang", 2);

    await tick(t0 + 15 * MIN);
    await waitFor(() => callsFor("w-1", "grid")[0], "the grid worker told");
    expect(callsFor("w-1", "grid")[0]!.body.chain).toMatchObject({
      step: 1,
      stepName: "grid-worker",
    });
    expect(callsFor("w-1", "desk")).toEqual([]);
    // Reaching the grid worker also opens a work order assigned to them.
    const orders = (await api(bridge.httpPort, `/api/sites/${SITE_A}/work-orders`, TOKEN_A))
      .body as unknown as {
      orders: Array<{
        source: { alarmId?: string };
        state: string;
        steps: Array<{ assignee?: string }>;
      }>;
    };
    const wo = orders.orders.find((o) => o.source.alarmId === "w-1");
    expect(wo).toMatchObject({ state: "assigned" });
    expect(wo!.steps.map((s) => s.assignee).filter(Boolean)).toEqual(["grid-li"]);

    await noted("notified 1 grid", 1);
    const r = await ack(callsFor("w-1", "grid")[0]!.body.ack!.url);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toMatchObject({
      ok: true,
      by: "grid",
      step: 1,
      gateway: "acknowledged",
    });
    expect(gatewayAcks).toContainEqual({ alarmId: "w-1", by: "grid" });
    await waitFor(
      () => bridge.live.alarm(SITE_A, "w-1")?.acknowledged || undefined,
      "acknowledged",
    );

    await tick(t0 + 60 * MIN);
    expect(callsFor("w-1", "desk")).toEqual([]);
    expect(callsFor("w-1", "grid")).toHaveLength(1);
    expect(timelineOf("w-1")).toEqual([
      "raised  ",
      "notified 0 family-wang",
      "notified 0 family-wang",
      "escalated 1 grid-worker",
      "wo-created  guardian-chain:grid-worker",
      "wo-assigned  grid-li",
      "notified 1 grid",
      "ack-requested 1 grid",
      "acknowledged  grid",
    ]);
    // The same link again: already answered.
    expect((await ack(callsFor("w-1", "grid")[0]!.body.ack!.url)).status).toBe(409);
  });

  it("stops at the family when the family answers, and reaches the duty desk when nobody does", async () => {
    const t0 = clock;
    await publishAlarm(gw, welfare("w-2", "0000d902", t0));
    await publishAlarm(gw, welfare("w-3", "0000d903", t0));
    await waitFor(() => callsFor("w-2", "family-wang")[0], "w-2's family told");
    await waitFor(() => callsFor("w-3", "family-wang")[0], "w-3's family told");
    const page = await ack(callsFor("w-2", "family-wang")[0]!.body.ack!.url, false);
    expect(page.status).toBe(200);
    expect(page.text).toContain("Thank you");
    await tick(t0 + 15 * MIN);
    await tick(t0 + 35 * MIN);
    await waitFor(() => callsFor("w-3", "desk")[0], "w-3 reaches the duty desk");
    expect(callsFor("w-2", "grid")).toEqual([]);
    expect(callsFor("w-2", "desk")).toEqual([]);
    expect(callsFor("w-3", "grid")).toHaveLength(1);
    expect(callsFor("w-3", "desk")[0]!.body.chain).toMatchObject({
      step: 2,
      stepName: "duty-desk",
    });
    expect(timelineOf("w-2")).toContain("ack-requested 0 family-wang");
  });

  it("refuses a forged or unknown link", async () => {
    const res = await fetch(`http://127.0.0.1:${bridge.httpPort}/guardian/ack?t=abc.def`, {
      method: "POST",
    });
    expect(res.status).toBe(404);
  });
});

describe("the chain after a restart", () => {
  // Before the daily tests move the clock days ahead (the database keeps no samples from the future).
  it("resumes from the alarms rebuilt out of the database, at the step due by now", async () => {
    const t0 = clock;
    await publishAlarm(gw, welfare("w-9", "0000d903", t0));
    await waitFor(() => callsFor("w-9", "family-wang")[0], "w-9's family told");
    await waitFor(
      () => (bridge.metrics.value("haitang_bridge_unacked_messages") === 0 ? true : undefined),
      "written",
    );
    await vm.flush();
    let clock2 = t0 + 16 * MIN;
    const { stateFile: _s, ...guardian } = config.guardian;
    const cfg = {
      ...config,
      instance: "restarted",
      mqtt: { ...config.mqtt, clientId: "haitang-bridge-restarted" },
      rebuild: { fromHistory: true, lookbackHours: 72 },
      guardian,
    };
    const { bridge: restarted } = makeBridge(cfg, () => clock2);
    await restarted.start();
    try {
      // 16 min after the raise, unanswered: the grid worker's step, told at once.
      await waitFor(() => callsFor("w-9", "grid")[0], "the grid worker told after the restart");
      expect(callsFor("w-9", "grid")[0]!.body.chain).toMatchObject({
        step: 1,
        stepName: "grid-worker",
      });
      expect(callsFor("w-9", "desk")).toEqual([]);
      clock2 = t0 + 36 * MIN;
      await restarted.guardianTick();
      await waitFor(() => callsFor("w-9", "desk")[0], "the duty desk told");
    } finally {
      await restarted.stop();
    }
  });
});

let dayZero = 0;
/** Epoch ms of local time hh:mm (SITE_A is at UTC+0 in the test config), `days` after day zero. */
function localAt(days: number, hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  const d = new Date(dayZero);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + days, h, m);
}

async function publishResident(deviceId: string, state: ResidentState["state"], since: number) {
  const r: ResidentState = {
    v: 1,
    site: SITE_A,
    gateway: "gw-a1",
    deviceId,
    state,
    since,
    lastActivityAt: since,
    location: `b9/${deviceId.slice(-3)}`,
    seq: nextSeq(),
    ts: since,
    historical: false,
  };
  await gw.publishAsync(`haitang/v1/${SITE_A}/gw-a1/dev/${deviceId}/resident`, JSON.stringify(r), {
    qos: 1,
  });
}

const summaries = () => calls.filter((c) => c.body.event === "guardian.daily");

describe("the daily all-well summary and resident states across a restart", () => {
  it("tells the opted-in resident's family once a day at 20:00, and says when all was not well", async () => {
    dayZero = clock;
    const day2 = localAt(2, "07:30");
    await publishResident("0000d902", "active", day2);
    await publishResident("0000d903", "active", day2);
    await waitFor(() => bridge.live.resident(SITE_A, "0000d903"), "residents in the cloud");
    await tick(localAt(2, "19:59"));
    expect(summaries()).toEqual([]);
    await tick(localAt(2, "20:00"));
    await waitFor(() => summaries()[0], "the summary");
    const day = new Date(localAt(2, "00:00")).toISOString().slice(0, 10);
    expect(summaries().map((c) => [c.hook, c.body.summary])).toEqual([
      [
        "family-wang",
        expect.objectContaining({
          day,
          deviceId: "0000d902",
          allWell: true,
          state: "active",
          alarms24h: 0,
        }),
      ],
    ]);
    await tick(localAt(2, "20:30"));
    expect(summaries()).toHaveLength(1);

    // The next day the resident went out at night and did not come back for a while.
    const w = welfare("wd-1", "0000d902", localAt(3, "02:40"));
    await publishAlarm(gw, { ...w, kind: "wandering", severity: "critical" });
    await publishResident("0000d902", "back", localAt(3, "03:30"));
    await waitFor(() => bridge.live.alarm(SITE_A, "wd-1"), "the wandering alarm");
    await waitFor(
      () => (bridge.live.resident(SITE_A, "0000d902")?.state === "back" ? true : undefined),
      "back home",
    );
    await tick(localAt(3, "20:05"));
    await waitFor(() => summaries()[1], "the second summary");
    expect(summaries()[1]!.body.summary).toMatchObject({
      allWell: false,
      state: "back",
      alarms24h: 1,
    });
    expect(summaries().every((c) => c.body.summary?.deviceId === "0000d902")).toBe(true);
  });

  it("keeps resident states and the days summarised across a restart", async () => {
    await bridge.stop();
    bridge = makeBridge(config, () => clock).bridge;
    await bridge.start();
    // Before any new message from the gateway, the cloud knows both residents again.
    expect(bridge.live.resident(SITE_A, "0000d902")).toMatchObject({ state: "back" });
    expect(bridge.live.resident(SITE_A, "0000d903")).toMatchObject({ state: "active" });
    expect(bridge.live.resident(SITE_B, "0000d902")).toBeUndefined();
    // Today's summary was sent before the restart: not again.
    await tick(localAt(3, "21:00"));
    expect(summaries()).toHaveLength(2);
    await tick(localAt(4, "20:00"));
    await waitFor(() => summaries()[2], "the next day's summary");
  });
});
