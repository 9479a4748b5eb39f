/**
 * The batch envelope: which entries share a message (pure), the stamp that
 * fills seq and historical, and the uplink sending batches to a real
 * Mosquitto (order, historical flag, alarms alone and never held back by a
 * window full of batches).
 */
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { SMOKE_ALARM } from "../../protocol/constants.js";
import type { ChargerTelemetryMsg, SmokeEventMsg } from "../../protocol/messages.js";
import type { UplinkBatch, UplinkEnvelope } from "../../protocol/uplink.js";
import { startMosquitto, tmpDir, waitFor } from "../../tests/support/services.js";
import { SqliteOutbox } from "../outbox/sqlite-outbox.js";
import { envelopeJson, toOutboxItem } from "../pipeline/envelope.js";
import { openGatewayDatabase } from "../storage/database.js";
import type { AcceptedMessage, OutboxEntry } from "../types.js";
import { groupLength, groupMessage } from "./batch.js";
import { stampPayload } from "./stamp.js";
import { startTestProxy } from "./test-proxy.js";
import { UplinkClient } from "./uplink-client.js";

const ID = { site: "s1", gateway: "gw" };
const telemetry: ChargerTelemetryMsg = {
  type: "charger-telemetry",
  tempDeciC: 245,
  ports: [{ powerW: 180, energyWh: 3, state: 1, relayOn: true }],
};

const smokeAlarm: SmokeEventMsg = {
  type: "smoke-event",
  event: SMOKE_ALARM,
  smokeLevel: 900,
  batteryMv: 2900,
  eventId: 1,
};

function message(deviceId: number, counter: number, at: number, alarm = false): AcceptedMessage {
  return {
    deviceId,
    deviceKind: alarm ? "smoke" : "charger",
    counter,
    flags: 0,
    msg: alarm ? smokeAlarm : telemetry,
    receivedAt: at,
    receivers: [{ receiver: "mqtt" }],
  };
}

function entry(seq: number, m: AcceptedMessage): OutboxEntry {
  return { seq, ...toOutboxItem(m, ID) };
}

const OPTS = { ...ID, maxEntries: 3, maxBytes: 100_000 };

describe("batch grouping", () => {
  const live = (seq: number, dev = 1) => entry(seq, message(dev, seq, 2000));
  const old = (seq: number, dev = 1) => entry(seq, message(dev, seq, 500));

  it("groups consecutive envelopes up to maxEntries and keeps their order and seqs", () => {
    const q = [live(1), live(2, 2), live(3), live(4)];
    expect(groupLength(q, 0, OPTS, 1000)).toBe(3);
    expect(groupLength(q, 3, OPTS, 1000)).toBe(1);
    const m = groupMessage(q.slice(0, 3), OPTS, 1000);
    expect(m.topic).toBe("haitang/v1/s1/gw/batch");
    const b = JSON.parse(m.payload) as UplinkBatch;
    expect(b).toMatchObject({ v: 1, site: "s1", gateway: "gw", historical: false });
    expect(b.envelopes.map((e) => [e.seq, e.counter, e.deviceId, e.historical])).toEqual([
      [1, 1, "00000001", false],
      [2, 2, "00000002", false],
      [3, 3, "00000001", false],
    ]);
  });

  it("never mixes backlog and live envelopes; the batch carries their historical flag", () => {
    const q = [old(1), old(2), live(3), live(4)];
    expect(groupLength(q, 0, OPTS, 1000)).toBe(2);
    const b = JSON.parse(groupMessage(q.slice(0, 2), OPTS, 1000).payload) as UplinkBatch;
    expect(b.historical).toBe(true);
    expect(b.envelopes.every((e) => e.historical)).toBe(true);
    expect(groupLength(q, 2, OPTS, 1000)).toBe(2);
  });

  it("sends an alarm alone on its own topic, and a batch stops before one", () => {
    const alarm = entry(2, message(9, 2, 2000, true));
    const q = [live(1), alarm, live(3)];
    expect(groupLength(q, 0, OPTS, 1000)).toBe(1);
    expect(groupLength(q, 1, OPTS, 1000)).toBe(1);
    const m = groupMessage([alarm], OPTS, 1000);
    expect(m.topic).toBe("haitang/v1/s1/gw/dev/00000009/event");
    expect(JSON.parse(m.payload)).toMatchObject({
      seq: 2,
      historical: false,
      deviceId: "00000009",
    });
  });

  it("batches only device envelopes on telemetry and event topics", () => {
    const resident: OutboxEntry = {
      ...live(2),
      topic: "haitang/v1/s1/gw/dev/00000001/resident",
      payload: '{"v":1,"site":"s1","gateway":"gw","deviceId":"00000001","state":"ok"}',
    };
    expect(groupLength([live(1), resident, live(3)], 0, OPTS, 1000)).toBe(1);
    expect(groupLength([resident, live(3)], 0, OPTS, 1000)).toBe(1);
  });

  it("keeps a batch under maxBytes, and sends one entry per message when batches are off", () => {
    const q = [live(1), live(2), live(3)];
    const one = q[0]!.payload.length;
    expect(groupLength(q, 0, { ...OPTS, maxBytes: one * 2 + 1 }, 1000)).toBe(2);
    expect(groupLength(q, 0, { ...OPTS, maxBytes: one }, 1000)).toBe(1);
    expect(groupLength(q, 0, { ...OPTS, maxEntries: 1 }, 1000)).toBe(1);
    expect(groupLength(q, 0, undefined, 1000)).toBe(1);
  });
});

describe("publish stamp of an envelope", () => {
  it("splices seq and historical into the text exactly as parsing and writing again would", () => {
    const tricky = { site: 'a,"seq":0,"counter":1', gateway: '"historical":false,"receivers":' };
    for (const id of [ID, tricky]) {
      const m = { ...message(7, 42, 1000), building: "b1", location: '"seq":0' };
      const e: OutboxEntry = { seq: 99, ...toOutboxItem(m, id), payload: envelopeJson(m, id) };
      for (const historical of [true, false]) {
        const expected = { ...JSON.parse(e.payload), seq: 99, historical };
        const got = stampPayload(e, historical);
        expect(JSON.parse(got)).toEqual(expected);
        expect(Object.keys(JSON.parse(got))).toEqual(Object.keys(expected));
      }
    }
  });
});

describe("batches through a real broker", () => {
  const dir = tmpDir("haitang-batch-");
  const cleanups: Array<() => unknown> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    dir.remove();
  });

  it("drains a backlog in batches, in order, once each; an alarm goes alone and first, and is not held back by a window full of batches", async () => {
    const mosq = await startMosquitto();
    cleanups.push(() => mosq.stop());
    const proxy = await startTestProxy(mosq.port);
    cleanups.push(() => proxy.close());
    const db = openGatewayDatabase(join(dir.path, "batch.db"));
    cleanups.push(() => db.close());
    const outbox = new SqliteOutbox(db);
    // A backlog from before the connection: 3 chargers x 100 envelopes, and one smoke alarm.
    const t0 = Date.now() - 60_000;
    const items = [];
    for (let c = 1; c <= 100; c++)
      for (const dev of [1, 2, 3]) items.push(toOutboxItem(message(dev, c, t0), ID));
    items.push(toOutboxItem(message(9, 1, t0, true), ID));
    outbox.append(items);

    const got: Array<{ topic: string; envelopes: UplinkEnvelope[]; batch?: UplinkBatch }> = [];
    const cloud = mqtt.connect(mosq.url, { protocolVersion: 5 });
    cleanups.push(() => cloud.endAsync(true));
    await waitFor(() => (cloud.connected ? true : undefined), "cloud client");
    cloud.on("message", (topic, payload) => {
      const o = JSON.parse(payload.toString()) as Record<string, unknown>;
      if (topic.endsWith("/batch")) {
        const b = o as unknown as UplinkBatch;
        got.push({ topic, envelopes: b.envelopes, batch: b });
      } else if (topic.includes("/dev/"))
        got.push({ topic, envelopes: [o as unknown as UplinkEnvelope] });
    });
    await cloud.subscribeAsync("haitang/v1/#", { qos: 1 });

    const up = new UplinkClient({
      url: proxy.url,
      ...ID,
      outbox,
      inflight: 4,
      batch: { maxEntries: 25, maxBytes: 100_000 },
      pollMs: 20,
      reconnect: { minMs: 50, maxMs: 200 },
    });
    cleanups.push(() => up.stop());
    cleanups.push(() => proxy.cut()); // muted PUBACKs never come: stop does not wait for them
    up.start();
    const envelopes = () => got.flatMap((g) => g.envelopes);
    await waitFor(() => (envelopes().length >= 301 ? true : undefined), "backlog delivered");

    // The alarm first, alone, on its event topic; then batches of at most 25, all historical.
    expect(got[0]!.topic).toBe("haitang/v1/s1/gw/dev/00000009/event");
    const batches = got.filter((g) => g.batch);
    expect(batches.length).toBeGreaterThanOrEqual(12);
    expect(batches.every((b) => b.batch!.historical && b.envelopes.length <= 25)).toBe(true);
    expect(envelopes().every((e) => e.historical)).toBe(true);
    // Each envelope once, each device's in counter order, seqs unique.
    const all = envelopes();
    expect(new Set(all.map((e) => e.seq)).size).toBe(301);
    for (const dev of ["00000001", "00000002", "00000003"]) {
      const counters = all.filter((e) => e.deviceId === dev).map((e) => e.counter);
      expect(counters).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    }
    await waitFor(() => (outbox.depth() === 0 ? true : undefined), "outbox emptied after PUBACKs");

    // No PUBACK comes back: the window fills with batches that wait. A new alarm still goes at once.
    proxy.mute(true);
    const t1 = Date.now();
    const more = [];
    for (let c = 101; c <= 400; c++) more.push(toOutboxItem(message(1 + (c % 3), c, t1), ID));
    outbox.append(more);
    up.kick();
    const before = got.length;
    await waitFor(() => (got.length >= before + 4 ? true : undefined), "a window of batches");
    expect(up.stats.published - up.stats.acked).toBeGreaterThanOrEqual(4 * 25);
    outbox.append([toOutboxItem(message(9, 2, Date.now(), true), ID)]);
    up.kick();
    await waitFor(
      () =>
        got.some((g) => g.envelopes.some((e) => e.deviceId === "00000009" && e.counter === 2))
          ? true
          : undefined,
      "the alarm past the full window",
    );
    const alarm = got.find((g) =>
      g.envelopes.some((e) => e.counter === 2 && e.deviceId === "00000009"),
    )!;
    expect(alarm.batch).toBeUndefined();
    expect(alarm.envelopes[0]!.historical).toBe(false);
  });
});
