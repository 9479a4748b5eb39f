/**
 * Guardian residents in the cloud: the gateway's resident states (states and
 * times only) reach the bridge over a real Mosquitto and are served per site,
 * most urgent first, with the welfare alarm's escalation timeline (who was
 * told, who answered); a token of another site sees nothing of them.
 */
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloudBridge } from "../../cloud-bridge/bridge.js";
import { type ResidentState, topics } from "../../protocol/uplink.js";
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
  gatewayClient,
  makeBridge,
  nextSeq,
  publishAlarm,
  SITE_A,
  SITE_B,
  TOKEN_A,
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

function resident(
  site: string,
  gateway: string,
  deviceId: string,
  state: ResidentState["state"],
  since: number,
  extra: Partial<ResidentState> = {},
): ResidentState {
  return {
    v: 1,
    site,
    gateway,
    deviceId,
    state,
    since,
    lastActivityAt: since - 60_000,
    building: "b9",
    location: `b9/${deviceId.slice(-3)}`,
    seq: nextSeq(),
    ts: since,
    historical: false,
    ...extra,
  };
}

async function publishResident(r: ResidentState) {
  await gw.publishAsync(topics.resident(r.site, r.gateway, r.deviceId), JSON.stringify(r), {
    qos: 1,
  });
}

interface ResidentsBody {
  residents: Array<{
    deviceId: string;
    state: string;
    since: number;
    location?: string;
    alarms: Array<{
      alarmId: string;
      kind: string;
      timeline: Array<{ what: string; by?: string; level?: number }>;
    }>;
  }>;
}

beforeAll(async () => {
  [broker, vm] = await Promise.all([startMosquitto(), startVictoriaMetrics()]);
  gw = await gatewayClient(broker.url);
  bridge = makeBridge(testConfig({ mqttUrl: broker.url, vmUrl: vm.url })).bridge;
  await bridge.start();
  port = bridge.httpPort;
  await publishResident(resident(SITE_A, "gw-a1", "0000d901", "active", now - 50_000));
  await publishResident(resident(SITE_A, "gw-a1", "0000d902", "quiet", now - 40_000));
  await publishResident(resident(SITE_A, "gw-a1", "0000d902", "alarm", now - 30_000));
  // Delivered late from a backlog: older than what the cloud holds, so it changes nothing.
  await publishResident(
    resident(SITE_A, "gw-a1", "0000d902", "active", now - 45_000, { historical: true }),
  );
  await publishResident(resident(SITE_B, "gw-b1", "0000d999", "away", now - 20_000));
  const welfare = {
    site: SITE_A,
    gateway: "gw-a1",
    alarmId: "gw-a1-w1",
    kind: "welfare" as const,
    severity: "critical" as const,
    deviceId: "0000d902",
    rule: "welfare",
    evidence: "no door or motion activity (b9/902) for 3.0 h inside the day window",
    raisedAt: now - 30_000,
  };
  const { port: _p, ...welfareNoPort } = alarm({ ...welfare, seq: nextSeq(), ts: now - 30_000 });
  await publishAlarm(gw, welfareNoPort);
  await publishAlarm(gw, {
    ...welfareNoPort,
    seq: nextSeq(),
    ts: now - 20_000,
    transition: "escalated",
    level: 1,
  });
  await publishAlarm(gw, {
    ...welfareNoPort,
    seq: nextSeq(),
    ts: now - 10_000,
    transition: "acknowledged",
    level: 1,
    acknowledged: true,
    acknowledgedAt: now - 10_000,
    acknowledgedBy: "grid-worker:wang",
  });
  await waitFor(async () => {
    const r = await api(port, `/api/sites/${SITE_A}/residents`, TOKEN_A);
    const b = r.body as unknown as ResidentsBody;
    const done =
      b.residents?.length === 2 &&
      b.residents[0]?.alarms[0]?.timeline.some((e) => e.what === "acknowledged") === true;
    return done ? true : undefined;
  }, "the residents and the acknowledged welfare alarm in the API");
}, 60_000);

afterAll(async () => {
  await gw?.endAsync();
  await bridge?.stop();
  await Promise.all([broker?.stop(), vm?.stop()]);
});

describe("guardian residents in the cloud", () => {
  it("lists a site's residents most urgent first, with state and since when", async () => {
    const r = await api(port, `/api/sites/${SITE_A}/residents`, VIEWER_A);
    expect(r.status).toBe(200);
    const b = r.body as unknown as ResidentsBody;
    expect(b.residents.map((x) => [x.deviceId, x.state, x.since, x.location])).toEqual([
      ["0000d902", "alarm", now - 30_000, "b9/902"],
      ["0000d901", "active", now - 50_000, "b9/901"],
    ]);
  });

  it("shows the welfare alarm's escalation timeline: raised, escalated, answered by whom", async () => {
    const b = (await api(port, `/api/sites/${SITE_A}/residents`, TOKEN_A))
      .body as unknown as ResidentsBody;
    const a = b.residents[0]!.alarms[0]!;
    expect(a.alarmId).toBe("gw-a1-w1");
    expect(a.timeline.map((e) => [e.what, e.level ?? null, e.by ?? null])).toEqual([
      ["raised", null, null],
      ["escalated", 1, null],
      ["acknowledged", null, "grid-worker:wang"],
    ]);
  });

  it("keeps a resident's detail to tokens of that resident's site", async () => {
    expect((await api(port, `/api/sites/${SITE_A}/residents`, TOKEN_B)).status).toBe(403);
    expect((await api(port, `/api/sites/${SITE_A}/residents`, undefined)).status).toBe(401);
    const b = (await api(port, `/api/sites/${SITE_B}/residents`, TOKEN_B))
      .body as unknown as ResidentsBody;
    expect(b.residents.map((x) => [x.deviceId, x.state])).toEqual([["0000d999", "away"]]);
  });

  it("rejects a resident message for another site's topic, and counts it", async () => {
    const m = bridge.metrics;
    const before = m.value("haitang_bridge_rejected_total", { reason: "topic-mismatch" });
    const bad = resident(SITE_B, "gw-b1", "0000d998", "alarm", now);
    await gw.publishAsync(topics.resident(SITE_A, "gw-a1", "0000d998"), JSON.stringify(bad), {
      qos: 1,
    });
    await waitFor(
      () =>
        m.value("haitang_bridge_rejected_total", { reason: "topic-mismatch" }) > before
          ? true
          : undefined,
      "the rejection",
    );
    const b = (await api(port, `/api/sites/${SITE_A}/residents`, TOKEN_A))
      .body as unknown as ResidentsBody;
    expect(b.residents.some((x) => x.deviceId === "0000d998")).toBe(false);
  });
});
