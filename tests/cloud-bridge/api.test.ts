/**
 * The fleet HTTP API against a running bridge, a spawned Mosquitto and
 * VictoriaMetrics, with a stand-in gateway that answers signed commands.
 */
import { createHmac } from "node:crypto";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isoWeekOf } from "../../cloud-bridge/api/report.js";
import type { CloudBridge } from "../../cloud-bridge/bridge.js";
import { CHARGER_EVENT_CUT, REASON_OVERLOAD } from "../../protocol/constants.js";
import { type CommandRequest, canonicalCommand, topics } from "../../protocol/uplink.js";
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
  makeBridge,
  publishAlarm,
  publishEnvelope,
  SITE_A,
  SITE_B,
  smokeStatus,
  status,
  TOKEN_A,
  TOKEN_ALL,
  TOKEN_B,
  testConfig,
  VIEWER_A,
} from "./support.js";

let broker: Mosquitto;
let vm: VictoriaMetrics;
let bridge: CloudBridge;
let gw: MqttClient;
let port: number;
const now = Date.now();
const requests: Array<{ req: CommandRequest; signatureValid: boolean }> = [];

/** The gateway's side of ack-alarm: verify the signature, answer, publish the acknowledged transition. */
async function standInGateway() {
  await gw.subscribeAsync(`haitang/v1/${SITE_A}/gw-a1/request/+`, { qos: 1 });
  gw.on("message", (topic, payload) => {
    if (!topic.includes("/request/")) return;
    const req = JSON.parse(payload.toString()) as CommandRequest<"ack-alarm">;
    const { signature, ...rest } = req;
    const expected = createHmac("sha256", Buffer.from(KEY_A, "hex"))
      .update(canonicalCommand(rest))
      .digest("hex");
    requests.push({ req, signatureValid: expected === signature });
    const refuse = req.payload.alarmId === "al-refuse";
    const response = {
      transaction: req.transaction,
      command: req.command,
      ok: !refuse,
      ...(refuse ? { error: "unknown alarm" } : {}),
    };
    void gw.publishAsync(topics.response(SITE_A, "gw-a1", "ack-alarm"), JSON.stringify(response), {
      qos: 1,
    });
    if (!refuse) {
      void publishAlarm(
        gw,
        alarm({
          site: SITE_A,
          gateway: "gw-a1",
          alarmId: req.payload.alarmId,
          seq: 9000 + requests.length,
          ts: Date.now(),
          raisedAt: now - 5000,
          transition: "acknowledged",
          acknowledged: true,
          acknowledgedAt: Date.now(),
          acknowledgedBy: req.payload.by,
          ...(req.payload.comment ? { comment: req.payload.comment } : {}),
        }),
      );
    }
  });
}

beforeAll(async () => {
  [broker, vm] = await Promise.all([startMosquitto(), startVictoriaMetrics()]);
  gw = await gatewayClient(broker.url);
  // Retained before the bridge starts: it must learn it from the broker.
  await gw.publishAsync(
    topics.status(SITE_A, "gw-a1"),
    JSON.stringify(status(SITE_A, "gw-a1", true, now - 10_000)),
    { qos: 1, retain: true },
  );
  await gw.publishAsync(
    topics.status(SITE_B, "gw-b1"),
    JSON.stringify(status(SITE_B, "gw-b1", true, now - 10_000)),
    { qos: 1, retain: true },
  );
  bridge = makeBridge(testConfig({ mqttUrl: broker.url, vmUrl: vm.url })).bridge;
  await bridge.start();
  port = bridge.httpPort;
  await standInGateway();
  await publishEnvelope(
    gw,
    chargerTelemetry(SITE_A, "gw-a1", "0000c0de", 1, now - 4000, [180, 0, 1050, 400]),
  );
  await publishEnvelope(gw, smokeStatus(SITE_A, "gw-a1", "00005a0c", 2, now - 3000, 2950));
  // An older reading for the history query (VictoriaMetrics serves ranges up to the last whole step).
  await publishEnvelope(
    gw,
    chargerTelemetry(SITE_A, "gw-a1", "0000c0de", 0, now - 120_000, [100, 0, 777, 0]),
  );
  await publishEnvelope(gw, chargerTelemetry(SITE_B, "gw-b1", "0000b0b0", 1, now - 3000, [50]));
  await publishAlarm(
    gw,
    alarm({ site: SITE_A, gateway: "gw-a1", alarmId: "al-api-1", seq: 3, ts: now - 5000 }),
  );
  await publishAlarm(
    gw,
    alarm({
      site: SITE_A,
      gateway: "gw-a1",
      alarmId: "al-refuse",
      seq: 4,
      ts: now - 5000,
      severity: "minor",
    }),
  );
  await publishAlarm(
    gw,
    alarm({
      site: SITE_B,
      gateway: "gw-b1",
      alarmId: "al-b-1",
      seq: 2,
      ts: now - 5000,
      kind: "fire",
      severity: "critical",
    }),
  );
  await publishEnvelope(
    gw,
    {
      ...chargerTelemetry(SITE_A, "gw-a1", "0000c0de", 5, now - 2000, []),
      body: {
        type: "charger-event",
        port: 2,
        event: CHARGER_EVENT_CUT,
        reason: REASON_OVERLOAD,
        powerW: 1350,
        tempDeciC: 300,
        sessionS: 600,
      },
    },
    "event",
  );
  // A smoke detector low on battery, and the mains-powered charger's status (0 mV: no battery).
  await publishEnvelope(gw, smokeStatus(SITE_A, "gw-a1", "00005a01", 6, now - 1500, 2400));
  await publishEnvelope(gw, {
    ...smokeStatus(SITE_A, "gw-a1", "0000c0de", 7, now - 1400, 0),
    deviceKind: "charger",
  });
  await waitFor(
    () => bridge.live.alarm(SITE_B, "al-b-1") && bridge.live.shed(SITE_A, "0000c0de"),
    "live state",
  );
  // 6 telemetry + 3 alarms + 1 event reach the shared subscription (the retained statuses predate it).
  await waitFor(
    () => (bridge.metrics.value("haitang_bridge_messages_acked_total") >= 10 ? true : undefined),
    "points written",
  );
  // Make the written points searchable (VictoriaMetrics buffers them for up to a second).
  await vm.flush();
});

afterAll(async () => {
  await gw?.endAsync();
  await bridge?.stop();
  await Promise.all([broker?.stop(), vm?.stop()]);
});

describe("fleet API access", () => {
  it("refuses requests without a valid token", async () => {
    expect((await api(port, "/api/sites", undefined)).status).toBe(401);
    expect((await api(port, "/api/sites", "not-a-token-at-all-xxxxxx")).status).toBe(401);
  });

  it("lists only the token's sites", async () => {
    const r = await api(port, "/api/sites", TOKEN_A);
    expect(r.status).toBe(200);
    expect((r.body.sites as Array<{ site: string }>).map((s) => s.site)).toEqual([SITE_A]);
    const all = await api(port, "/api/sites", TOKEN_ALL);
    expect((all.body.sites as Array<{ site: string }>).map((s) => s.site)).toEqual([
      SITE_A,
      SITE_B,
    ]);
    expect((await api(port, "/api/me", TOKEN_A)).body).toEqual({
      name: "ops-a",
      role: "operator",
      sites: [SITE_A],
      // Only the token's own sites are named.
      siteNames: { [SITE_A]: "Garden" },
    });
  });

  it("does not let a token for one site read or act on another", async () => {
    const paths = [
      "gateways",
      "devices",
      "alarms",
      "alarms/al-b-1",
      "sheds",
      "sheds/0000b0b0",
      "history?device=0000b0b0",
      "report",
    ];
    for (const p of paths) {
      const r = await api(port, `/api/sites/${SITE_B}/${p}`, TOKEN_A);
      expect({ p, status: r.status }).toEqual({ p, status: 403 });
    }
    const ack = await api(port, `/api/sites/${SITE_B}/alarms/al-b-1/ack`, TOKEN_A, {
      method: "POST",
      body: "{}",
    });
    expect(ack.status).toBe(403);
    expect((await api(port, `/api/stream?site=${SITE_B}`, TOKEN_A)).status).toBe(403);
    // The site's own token does read it.
    expect((await api(port, `/api/sites/${SITE_B}/alarms`, TOKEN_B)).status).toBe(200);
  });
});

describe("fleet API views", () => {
  it("summarises a site: gateways from retained status, active alarms by severity", async () => {
    const r = await api(port, "/api/sites", TOKEN_A);
    const site = (r.body.sites as Array<Record<string, unknown>>)[0]!;
    expect(site).toMatchObject({
      site: SITE_A,
      name: "Garden",
      gateways: { total: 1, online: 1, offline: 0 },
      devices: { total: 3, offline: 0, unheard: 0 },
    });
    expect((site.alarms as { active: Record<string, number> }).active.major).toBe(1);
  });

  it("reports a gateway offline when its last-will arrives", async () => {
    await gw.publishAsync(
      topics.status(SITE_B, "gw-b1"),
      JSON.stringify(status(SITE_B, "gw-b1", false, Date.now())),
      { qos: 1, retain: true },
    );
    const gws = await waitFor(async () => {
      const r = await api(port, `/api/sites/${SITE_B}/gateways`, TOKEN_B);
      const g = (r.body.gateways as Array<{ online: boolean }>)[0];
      return g && !g.online ? r.body.gateways : undefined;
    }, "gateway offline");
    expect(gws).toMatchObject([{ gateway: "gw-b1", online: false, version: "0.1.0" }]);
  });

  it("lists devices with last seen, battery, signal and firmware", async () => {
    const r = await api(port, `/api/sites/${SITE_A}/devices`, VIEWER_A);
    const smoke = (r.body.devices as Array<Record<string, unknown>>).find(
      (d) => d.deviceId === "00005a0c",
    );
    expect(smoke).toMatchObject({
      kind: "smoke",
      gateway: "gw-a1",
      batteryMv: 2950,
      rssiDbm: -67,
      receivers: 2,
      firmware: "1.2.3",
      online: true,
    });
    expect(smoke?.lastSeen).toBe(now - 3000);
  });

  it("shows a shed's live port loads against the site's limits", async () => {
    const r = await api(port, `/api/sites/${SITE_A}/sheds/0000c0de`, VIEWER_A);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      shed: "0000c0de",
      totalPowerW: 1630,
      tempC: 24.5,
      limits: { portLimitW: 1100, shedLimitW: 8700 },
    });
    expect((r.body.ports as unknown[])[2]).toEqual({
      port: 2,
      deviceId: "0000c0de",
      devicePort: 2,
      portNo: 3,
      powerW: 1050,
      energyWh: 105,
      state: "charging",
      stateCode: 1,
      relayOn: true,
    });
    expect((await api(port, `/api/sites/${SITE_A}/sheds/ffffffff`, VIEWER_A)).status).toBe(404);
  });

  it("filters alarms by state and minimum severity", async () => {
    const major = await api(
      port,
      `/api/sites/${SITE_A}/alarms?active=true&severity=major`,
      VIEWER_A,
    );
    expect((major.body.alarms as Array<{ alarmId: string }>).map((a) => a.alarmId)).toEqual([
      "al-api-1",
    ]);
    const minor = await api(port, `/api/sites/${SITE_A}/alarms?severity=minor`, VIEWER_A);
    expect((minor.body.alarms as unknown[]).length).toBe(2);
    expect((await api(port, `/api/sites/${SITE_A}/alarms?severity=loud`, VIEWER_A)).status).toBe(
      400,
    );
  });

  it("reads a port's history back from the time-series database", async () => {
    const q = `device=0000c0de&port=2&from=${now - 600_000}&to=${now - 60_000}&step=10`;
    const r = await api(port, `/api/sites/${SITE_A}/history?${q}`, VIEWER_A);
    expect(r.status).toBe(200);
    const series = r.body.series as Array<{ port: number; points: Array<[number, number]> }>;
    expect(series).toHaveLength(1);
    expect(series[0]!.port).toBe(2);
    expect(series[0]!.points.some(([, v]) => v === 777)).toBe(true);
    expect(series[0]!.points.every(([t]) => t >= now - 600_000 && t <= now - 50_000)).toBe(true);
    expect((await api(port, `/api/sites/${SITE_A}/history?device=nothex`, VIEWER_A)).status).toBe(
      400,
    );
  });

  it("builds the weekly report from stored events and alarms", async () => {
    const week = isoWeekOf(now);
    const r = await api(port, `/api/sites/${SITE_A}/report?week=${week}`, VIEWER_A);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      site: SITE_A,
      week,
      overloads: { port: 2, shed: 0 },
      cutsByReason: { overload: 1 },
      fireAlarms: 0,
      // Only devices with a battery below the threshold: not the mains-powered charger at 0 mV.
      lowBatteries: [{ deviceId: "00005a01", batteryMv: 2400, lowBatteryAlarms: 0 }],
    });
    expect((await api(port, `/api/sites/${SITE_A}/report?week=2025-W99`, VIEWER_A)).status).toBe(
      400,
    );
  });
});

describe("acknowledging an alarm", () => {
  it("needs the operator role", async () => {
    const r = await api(port, `/api/sites/${SITE_A}/alarms/al-api-1/ack`, VIEWER_A, {
      method: "POST",
      body: "{}",
    });
    expect(r.status).toBe(403);
  });

  it("sends a signed ack-alarm command to the gateway and returns its answer", async () => {
    const r = await api(port, `/api/sites/${SITE_A}/alarms/al-api-1/ack`, TOKEN_A, {
      method: "POST",
      body: JSON.stringify({ comment: "guard on the way" }),
    });
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    const sent = requests.find((x) => x.req.transaction === r.body.transaction);
    expect(sent?.signatureValid).toBe(true);
    expect(sent?.req.payload).toEqual({
      alarmId: "al-api-1",
      by: "ops-a",
      comment: "guard on the way",
    });
    const acked = await waitFor(async () => {
      const a = await api(port, `/api/sites/${SITE_A}/alarms/al-api-1`, TOKEN_A);
      return a.body.acknowledged ? a.body : undefined;
    }, "acknowledged");
    const what = (acked.timeline as Array<{ what: string }>).map((t) => t.what);
    expect(what).toEqual(["raised", "ack-requested", "acknowledged"]);
  });

  it("answers 409 when the gateway refuses and 504 when it does not answer", async () => {
    const refused = await api(port, `/api/sites/${SITE_A}/alarms/al-refuse/ack`, TOKEN_A, {
      method: "POST",
      body: "{}",
    });
    expect(refused).toMatchObject({ status: 409, body: { error: "unknown alarm" } });
    // gw-b1 is offline (last-will): refused at once.
    const offline = await api(port, `/api/sites/${SITE_B}/alarms/al-b-1/ack`, TOKEN_B, {
      method: "POST",
      body: "{}",
    });
    expect(offline.status).toBe(503);
    await gw.publishAsync(
      topics.status(SITE_B, "gw-b1"),
      JSON.stringify(status(SITE_B, "gw-b1", true, Date.now())),
      { qos: 1, retain: true },
    );
    await waitFor(() => bridge.live.gateway(SITE_B, "gw-b1")?.online || undefined, "gw-b1 online");
    const silent = await api(port, `/api/sites/${SITE_B}/alarms/al-b-1/ack`, TOKEN_B, {
      method: "POST",
      body: "{}",
    });
    expect(silent.status).toBe(504);
    expect(
      (
        await api(port, `/api/sites/${SITE_A}/alarms/nope/ack`, TOKEN_A, {
          method: "POST",
          body: "{}",
        })
      ).status,
    ).toBe(404);
  });
});

describe("live stream", () => {
  it("streams telemetry and alarm transitions of the asked site only", async () => {
    const ctrl = new AbortController();
    const res = await fetch(
      `http://127.0.0.1:${port}/api/stream?site=${SITE_A}&access_token=${TOKEN_A}`,
      { signal: ctrl.signal },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const events: Array<{ event: string; data: Record<string, unknown> }> = [];
    let buf = "";
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += new TextDecoder().decode(value);
        let i = buf.indexOf("\n\n");
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
          i = buf.indexOf("\n\n");
        }
      }
    })().catch(() => undefined);
    await waitFor(() => events.find((e) => e.event === "hello"), "hello");
    await publishEnvelope(gw, chargerTelemetry(SITE_B, "gw-b1", "0000b0b0", 50, Date.now(), [60]));
    await publishEnvelope(gw, chargerTelemetry(SITE_A, "gw-a1", "0000c0de", 51, Date.now(), [222]));
    await publishAlarm(
      gw,
      alarm({ site: SITE_A, gateway: "gw-a1", alarmId: "al-live", seq: 52, ts: Date.now() }),
    );
    const tele = await waitFor(
      () => events.find((e) => e.event === "telemetry"),
      "telemetry event",
    );
    expect(tele.data).toMatchObject({ site: SITE_A, deviceId: "0000c0de" });
    const al = await waitFor(() => events.find((e) => e.event === "alarm"), "alarm event");
    expect(al.data).toMatchObject({ alarmId: "al-live", lastTransition: "raised" });
    expect(events.filter((e) => e.data.site === SITE_B)).toEqual([]);
    ctrl.abort();
    await pump;
  });

  it("serves /metrics and /healthz without a token", async () => {
    const m = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(await m.text()).toContain("haitang_bridge_points_written_total");
    expect((await api(port, "/healthz", undefined)).body).toMatchObject({
      ok: true,
      mqtt: "connected",
    });
  });
});
