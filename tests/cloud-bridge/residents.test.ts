/**
 * Guardian residents in the cloud: the gateway's resident states (states and
 * times only) reach the bridge over a real Mosquitto and are served per site,
 * most urgent first, with the welfare alarm's escalation timeline (who was
 * told, who answered); a token of another site sees nothing of them, and a
 * token of the site below guardian.readRole (a viewer) gets 403 and guardian
 * alarms without their evidence and timeline.
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
    const r = await api(port, `/api/sites/${SITE_A}/residents`, TOKEN_A);
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

  it("keeps a resident's detail from the site's tokens below guardian.readRole", async () => {
    expect((await api(port, `/api/sites/${SITE_A}/residents`, VIEWER_A)).status).toBe(403);
    const buildings = await api(port, `/api/sites/${SITE_A}/buildings`, VIEWER_A);
    expect(buildings.status).toBe(200);
    expect(JSON.stringify(buildings.body)).not.toContain("0000d902");
    // The viewer still counts the welfare alarm, without learning about the person.
    const list = (await api(port, `/api/sites/${SITE_A}/alarms`, VIEWER_A)).body as unknown as {
      alarms: Array<Record<string, unknown>>;
    };
    const w = list.alarms.find((a) => a.alarmId === "gw-a1-w1")!;
    expect(w).toMatchObject({ kind: "welfare", active: true, acknowledged: true, timeline: [] });
    expect(w).not.toHaveProperty("evidence");
    expect(w).not.toHaveProperty("acknowledgedBy");
    const one = await api(port, `/api/sites/${SITE_A}/alarms/gw-a1-w1`, VIEWER_A);
    expect(one.body).not.toHaveProperty("evidence");
    // An operator of the site reads all of it.
    const full = await api(port, `/api/sites/${SITE_A}/alarms/gw-a1-w1`, TOKEN_A);
    expect(full.body).toMatchObject({ acknowledgedBy: "grid-worker:wang" });
    expect(String((full.body as { evidence?: string }).evidence)).toContain("no door or motion");
  });

  it("sends resident events only to stream clients that may read them", async () => {
    const listen = async (token: string) => {
      const ac = new AbortController();
      const res = await fetch(
        `http://127.0.0.1:${port}/api/stream?site=${SITE_A}&access_token=${token}`,
        { signal: ac.signal },
      );
      let text = "";
      const reader = res.body!.getReader();
      const pump = (async () => {
        for (;;) {
          const { value, done } = await reader
            .read()
            .catch(() => ({ value: undefined, done: true }));
          if (done) return;
          text += new TextDecoder().decode(value);
        }
      })();
      const close = () => {
        ac.abort();
        return pump;
      };
      return { text: () => text, close };
    };
    const op = await listen(TOKEN_A);
    const viewer = await listen(VIEWER_A);
    await waitFor(
      () => (op.text().includes("hello") && viewer.text().includes("hello") ? true : undefined),
      "both streams open",
    );
    await publishResident(resident(SITE_A, "gw-a1", "0000d903", "overdue", Date.now()));
    const { port: _noPort, ...w3 } = alarm({
      site: SITE_A,
      gateway: "gw-a1",
      alarmId: "gw-a1-w3",
      kind: "welfare",
      severity: "major",
      deviceId: "0000d903",
      rule: "welfare",
      evidence: "no door or motion activity (b9/903) for 3.0 h inside the day window",
      raisedAt: Date.now(),
      seq: nextSeq(),
      ts: Date.now(),
    });
    await publishAlarm(gw, w3);
    await waitFor(
      () =>
        op.text().includes("event: resident") &&
        op.text().includes("gw-a1-w3") &&
        viewer.text().includes("gw-a1-w3")
          ? true
          : undefined,
      "the resident and the alarm on the streams",
    );
    expect(op.text()).toContain("b9/903) for 3.0 h");
    expect(viewer.text()).not.toContain("event: resident");
    expect(viewer.text()).not.toContain('0000d903","state');
    expect(viewer.text()).not.toContain("no door or motion");
    await Promise.all([op.close(), viewer.close()]);
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
