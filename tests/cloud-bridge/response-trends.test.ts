/**
 * The cockpit's response-time trends survive a restart and reach further
 * back than two weeks: samples go to SQLite (cockpit.responsesFile) as alarms
 * are acknowledged, and a new bridge on the same file — rebuilding nothing
 * from the time-series database — shows the same week-over-week numbers and
 * the weekly series, without counting a replayed alarm twice. Real Mosquitto
 * and VictoriaMetrics; the bridge's clock is virtual.
 */
import { join } from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloudBridge } from "../../cloud-bridge/bridge.js";
import type { BridgeConfig } from "../../cloud-bridge/config/types.js";
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
  gatewayClient,
  makeBridge,
  publishAlarm,
  SITE_A,
  TOKEN_ALL,
  testConfig,
} from "./support.js";

const MIN = 60_000;
const DAY = 86_400_000;

interface Summary {
  ack: { n: number; p50Ms?: number };
  ackPrev: { n: number; p50Ms?: number };
  ackWeeklyP50Ms: Array<number | null>;
}

let broker: Mosquitto;
let vm: VictoriaMetrics;
let gw: MqttClient;
let bridge: CloudBridge;
let config: BridgeConfig;
const dir = tmpDir("haitang-response-trends-");
const t0 = Date.now() - 17 * DAY - 2 * 3_600_000;
let clock = t0;
let seq = 1;

async function response(): Promise<Summary> {
  const res = await fetch(`http://127.0.0.1:${bridge.httpPort}/api/cockpit?limit=10`, {
    headers: { authorization: `Bearer ${TOKEN_ALL}` },
  });
  const body = (await res.json()) as { sites: Array<{ site: string; response: Summary }> };
  return body.sites.find((s) => s.site === SITE_A)!.response;
}

/** An alarm raised at `at` and acknowledged `tookMs` later, as the gateway sends both. */
async function acknowledged(alarmId: string, at: number, tookMs: number): Promise<void> {
  clock = at;
  const raised = alarm({ site: SITE_A, gateway: "gw-a1", alarmId, seq: seq++, ts: at });
  await publishAlarm(gw, raised);
  clock = at + tookMs;
  await publishAlarm(gw, {
    ...raised,
    transition: "acknowledged",
    acknowledged: true,
    acknowledgedAt: at + tookMs,
    acknowledgedBy: "guard",
    seq: seq++,
    ts: at + tookMs,
  });
}

beforeAll(async () => {
  [broker, vm] = await Promise.all([startMosquitto(), startVictoriaMetrics()]);
  config = testConfig({
    mqttUrl: broker.url,
    vmUrl: vm.url,
    extra: {
      cockpit: { responsesFile: join(dir.path, "responses.sqlite"), responseWeeks: 8 },
      rebuild: { fromHistory: false },
    },
  });
  bridge = makeBridge(config, () => clock).bridge;
  await bridge.start();
  gw = await gatewayClient(broker.url);
});

afterAll(async () => {
  await gw?.endAsync();
  await bridge?.stop();
  await Promise.all([broker?.stop(), vm?.stop()]);
  dir.remove();
});

describe("cockpit response-time trends", () => {
  it("keep this week, last week and the weeks before across a restart", async () => {
    // 17 days ago: 5 min to acknowledge; 10 days ago: 2 min; today: 1 min.
    await acknowledged("old-1", t0, 5 * MIN);
    await acknowledged("prev-1", t0 + 7 * DAY, 2 * MIN);
    await acknowledged("now-1", t0 + 17 * DAY, MIN);
    clock = t0 + 17 * DAY + 3_600_000;
    const before = await waitFor(async () => {
      const r = await response();
      return r.ack.n === 1 && r.ackPrev.n === 1 && r.ackWeeklyP50Ms[5] !== null ? r : undefined;
    }, "three measured alarms in the cockpit");
    expect(before.ack.p50Ms).toBe(MIN);
    expect(before.ackPrev.p50Ms).toBe(2 * MIN);
    // Eight weeks, oldest first: the 17-day-old alarm is in the week before last.
    expect(before.ackWeeklyP50Ms).toEqual([null, null, null, null, null, 5 * MIN, 2 * MIN, MIN]);

    await bridge.stop();
    bridge = makeBridge(config, () => clock).bridge;
    await bridge.start();
    const after = await response();
    expect(after.ack).toEqual(before.ack);
    expect(after.ackPrev).toEqual(before.ackPrev);
    expect(after.ackWeeklyP50Ms).toEqual(before.ackWeeklyP50Ms);

    // The gateway sends today's acknowledgement again (a redelivery): still one sample.
    await acknowledged("now-1", t0 + 17 * DAY, MIN);
    await acknowledged("now-2", t0 + 17 * DAY + 10 * MIN, 3 * MIN);
    clock = t0 + 17 * DAY + 3_600_000;
    const more = await waitFor(async () => {
      const r = await response();
      return r.ack.n >= 2 ? r : undefined;
    }, "the new alarm measured");
    expect(more.ack.n).toBe(2);
  });
});
