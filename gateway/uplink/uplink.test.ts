/**
 * The uplink against a real cloud broker (a spawned Mosquitto 2) with a TCP
 * proxy in between that the test can block, mute and cut.
 */
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type {
  AlarmTransition,
  CommandResponse,
  GatewayHealth,
  GatewayStatus,
} from "../../protocol/uplink.js";
import { type Mosquitto, startMosquitto, tmpDir, waitFor } from "../../tests/support/services.js";
import { AlarmStore } from "../alarms/alarm-store.js";
import { MemoryOutbox } from "../outbox/memory-outbox.js";
import { SqliteOutbox } from "../outbox/sqlite-outbox.js";
import { openGatewayDatabase } from "../storage/database.js";
import { type OutboxItem, PRIORITY_TELEMETRY } from "../types.js";
import { signCommand } from "./command-verifier.js";
import { startTestProxy, type TestProxy } from "./test-proxy.js";
import { UplinkClient, type UplinkOptions } from "./uplink-client.js";

const ROOT = "haitang/v1/s1/gw";
const KEY = new Uint8Array(16).fill(3);

interface Received {
  topic: string;
  body: Record<string, unknown>;
  retain: boolean;
  correlation?: string;
}

/** A cloud-side client that records everything under the gateway's topics. */
async function cloudClient(url: string, filter = `${ROOT}/#`) {
  const got: Received[] = [];
  let connects = 0;
  const client: MqttClient = mqtt.connect(url, {
    protocolVersion: 5,
    reconnectPeriod: 100,
    clean: true,
  });
  client.on("connect", () => {
    connects++;
  });
  client.on("error", () => {});
  client.on("message", (topic, payload, packet) => {
    const r: Received = { topic, body: JSON.parse(payload.toString()), retain: packet.retain };
    const cd = packet.properties?.correlationData;
    if (cd) r.correlation = cd.toString();
    got.push(r);
  });
  await waitFor(() => (client.connected ? true : undefined), "the cloud client");
  const subscribe = () => client.subscribeAsync(filter, { qos: 1 });
  await subscribe();
  return { client, got, connects: () => connects, subscribe };
}

let mosq: Mosquitto;
let proxy: TestProxy;
const dir = tmpDir("haitang-uplink-");
const stops: Array<() => unknown> = [];

beforeAll(async () => {
  mosq = await startMosquitto();
  proxy = await startTestProxy(mosq.port);
});
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});
afterAll(async () => {
  await proxy.close();
  await mosq.stop();
  dir.remove();
});

function uplink(over: Partial<UplinkOptions> & Pick<UplinkOptions, "outbox">): UplinkClient {
  const up = new UplinkClient({
    url: proxy.url,
    site: "s1",
    gateway: "gw",
    clientId: `gw-${Math.random().toString(16).slice(2)}`,
    reconnect: { minMs: 50, maxMs: 400 },
    inflight: 20,
    pollMs: 50,
    commandKey: KEY,
    ...over,
  });
  stops.push(() => up.stop());
  return up;
}

const connected = (up: UplinkClient) =>
  waitFor(() => (up.state() === "connected" ? true : undefined), "uplink connected");

const telemetry = (n: number, dev: string, createdAt: number): OutboxItem => ({
  priority: PRIORITY_TELEMETRY,
  topic: `${ROOT}/dev/${dev}/telemetry`,
  payload: JSON.stringify({ v: 1, deviceId: dev, n, seq: 0, historical: false }),
  key: `dev/${dev}`,
  createdAt,
});

describe("UplinkClient against Mosquitto", () => {
  it("delivers every alarm after a long cloud outage, in order per device, alarms first, flagged historical", async () => {
    const db = openGatewayDatabase(join(dir.path, "outage.db"));
    stops.push(() => db.close());
    const outbox = new SqliteOutbox(db);
    const alarms = new AlarmStore(db, { site: "s1", gateway: "gw", outbox });
    alarms.load();
    const cloud = await cloudClient(mosq.url);
    stops.push(() => cloud.client.endAsync(true));
    const up = uplink({ outbox });
    up.start();
    await connected(up);

    // Live: delivered at once, not historical.
    alarms.apply(
      { type: "raise-alarm", kind: "fire", severity: "critical", deviceId: 0xa000, rule: "fire" },
      Date.now(),
    );
    up.kick();
    await waitFor(() => cloud.got.find((m) => m.topic === `${ROOT}/alarm`), "the live alarm");
    expect(cloud.got.find((m) => m.topic === `${ROOT}/alarm`)?.body).toMatchObject({
      historical: false,
      deviceId: "0000a000",
    });

    // The cloud goes away for a long stretch; the gateway keeps raising and clearing alarms.
    await mosq.stop();
    await waitFor(() => (up.state() === "disconnected" ? true : undefined), "the uplink to notice");
    const t0 = Date.now() - 7 * 86_400_000;
    const devices = Array.from({ length: 10 }, (_, i) => 0xa100 + i);
    let expectedAlarms = 0;
    for (let round = 0; round < 15; round++) {
      // One grouped commit per round, as the gateway's group committer does.
      db.transaction(() => {
        for (const [i, d] of devices.entries()) {
          const now = t0 + (round * 10 + i) * 60_000;
          outbox.append([telemetry(round, d.toString(16).padStart(8, "0"), now)]);
          const raise = {
            type: "raise-alarm",
            kind: "tamper",
            severity: "major",
            deviceId: d,
            rule: "tamper",
          } as const;
          expectedAlarms += alarms.apply(raise, now).length;
          expectedAlarms += alarms.apply(
            { type: "clear-alarm", kind: "tamper", deviceId: d, rule: "tamper" },
            now + 1,
          ).length;
        }
      })();
    }
    outbox.append(Array.from({ length: 500 }, (_, n) => telemetry(n, "0000c001", t0 + n)));
    expect(expectedAlarms).toBe(300);
    await waitFor(
      () => (up.stats.connectFailures >= 5 ? true : undefined),
      "reconnect attempts during the outage",
    );
    const depth = outbox.depth();
    expect(depth).toBe(300 + 150 + 500);

    // The cloud comes back; the cloud-side consumer resubscribes before the gateway is let in.
    proxy.block(true);
    const before = cloud.got.length;
    await mosq.start();
    await waitFor(
      () => (cloud.connects() >= 2 && cloud.client.connected ? true : undefined),
      "the consumer back",
    );
    await cloud.subscribe();
    proxy.block(false);
    await waitFor(() => (outbox.depth() === 0 ? true : undefined), "the backlog to drain", 30_000);
    const isData = (m: Received) => m.topic !== `${ROOT}/status` && m.topic !== `${ROOT}/health`;
    await waitFor(
      () => (cloud.got.slice(before).filter(isData).length >= depth ? true : undefined),
      "every message at the consumer",
    );

    const backlog = cloud.got.slice(before).filter(isData);
    const alarmMsgs = backlog
      .filter((m) => m.topic === `${ROOT}/alarm`)
      .map((m) => m.body as unknown as AlarmTransition);
    // Every alarm, each seq once at least.
    expect(new Set(alarmMsgs.map((a) => a.seq)).size).toBe(300);
    expect(alarmMsgs.every((a) => a.historical)).toBe(true);
    // In order per device: raised, cleared, raised, ... with increasing seq.
    for (const d of devices) {
      const mine = alarmMsgs.filter((a) => a.deviceId === d.toString(16).padStart(8, "0"));
      expect(mine.map((a) => a.transition)).toEqual(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? "cleared" : "raised")),
      );
      expect(mine.map((a) => a.seq)).toEqual([...mine.map((a) => a.seq)].sort((a, b) => a - b));
    }
    // Alarms first: the last alarm of the backlog arrived before the first telemetry of it.
    const lastAlarm = backlog.map((m) => m.topic).lastIndexOf(`${ROOT}/alarm`);
    const firstTelemetry = backlog.findIndex((m) => m.topic.endsWith("/telemetry"));
    expect(lastAlarm).toBeLessThan(firstTelemetry);
    expect(
      backlog
        .filter((m) => m.topic.endsWith("/telemetry"))
        .every((m) => m.body.historical === true),
    ).toBe(true);
    expect(up.stats.historical).toBeGreaterThanOrEqual(depth);

    // After the reconnect, new entries are live again.
    alarms.apply(
      { type: "raise-alarm", kind: "fire", severity: "critical", deviceId: 0xa200, rule: "fire" },
      Date.now(),
    );
    up.kick();
    const live = await waitFor(
      () => cloud.got.find((m) => m.topic === `${ROOT}/alarm` && m.body.deviceId === "0000a200"),
      "a live alarm after the outage",
    );
    expect(live.body.historical).toBe(false);
  });

  it("removes nothing from the outbox without the broker's PUBACK", async () => {
    const outbox = new MemoryOutbox();
    const cloud = await cloudClient(mosq.url, `${ROOT}/dev/#`);
    stops.push(() => cloud.client.endAsync(true));
    const up = uplink({ outbox });
    up.start();
    await connected(up);
    // The broker's replies (PUBACKs) are dropped on the way back.
    proxy.mute(true);
    outbox.append(Array.from({ length: 8 }, (_, n) => telemetry(n, "0000c002", Date.now())));
    up.kick();
    await waitFor(
      () => (cloud.got.length >= 8 ? true : undefined),
      "the broker to have the messages",
    );
    expect(outbox.depth()).toBe(8);
    expect(up.stats.acked).toBe(0);
    // The connection goes; on the next one the entries are sent again and acknowledged.
    proxy.mute(false);
    proxy.cut();
    await waitFor(
      () => (outbox.depth() === 0 ? true : undefined),
      "the entries acknowledged after the reconnect",
    );
    await waitFor(
      () => (cloud.got.length >= 16 ? true : undefined),
      "the resent copies at the consumer",
    );
    expect(up.stats.unacked).toBeGreaterThanOrEqual(8);
    const seqs = cloud.got.map((m) => m.body.seq as number);
    // At-least-once: each seq arrived, some twice; the consumer de-duplicates by seq.
    expect(new Set(seqs).size).toBe(8);
    expect(seqs.length).toBeGreaterThanOrEqual(16);
    expect(cloud.got.slice(8).every((m) => m.body.historical === true)).toBe(true);
  });

  it("keeps a retained status: online on connect, the last will when the connection dies, offline on stop", async () => {
    const cloud = await cloudClient(mosq.url, `${ROOT}/status`);
    stops.push(() => cloud.client.endAsync(true));
    const up = uplink({ outbox: new MemoryOutbox(), version: "1.2.3" });
    up.start();
    const online = (v: boolean) => () =>
      cloud.got.some((m) => m.body.online === v) ? true : undefined;
    await waitFor(online(true), "the birth message");
    expect(cloud.got[cloud.got.length - 1]?.body).toMatchObject({
      v: 1,
      site: "s1",
      gateway: "gw",
      online: true,
      version: "1.2.3",
    });
    cloud.got.length = 0;
    proxy.cut();
    await waitFor(online(false), "the last will");
    await waitFor(online(true), "online again after the reconnect");
    await up.stop();
    const late = await cloudClient(mosq.url, `${ROOT}/status`);
    stops.push(() => late.client.endAsync(true));
    const retained = await waitFor(() => late.got[0], "the retained status");
    expect(retained.retain).toBe(true);
    expect((retained.body as unknown as GatewayStatus).online).toBe(false);
  });

  it("publishes health periodically", async () => {
    const cloud = await cloudClient(mosq.url, `${ROOT}/health`);
    stops.push(() => cloud.client.endAsync(true));
    const outbox = new MemoryOutbox();
    outbox.append([telemetry(1, "0000c003", Date.now())]);
    const up = uplink({
      outbox,
      healthIntervalMs: 100,
      health: () => ({
        outboxDepth: 41,
        oldestEntryAgeS: 3,
        devices: 7,
        pendingDevices: 1,
        activeAlarms: 2,
        counters: { accepted: 9 },
      }),
    });
    up.start();
    await waitFor(() => (cloud.got.length >= 2 ? true : undefined), "two health messages");
    const h = cloud.got[1]!.body as unknown as GatewayHealth;
    expect(h).toMatchObject({
      v: 1,
      site: "s1",
      gateway: "gw",
      uplink: "connected",
      outboxDepth: 41,
      devices: 7,
      activeAlarms: 2,
    });
    expect(h.counters.accepted).toBe(9);
    expect(h.counters.uplink_connects).toBeGreaterThanOrEqual(1);
  });

  it("runs a signed command and rejects forged, stale and replayed ones with a response saying why", async () => {
    const cloud = await cloudClient(mosq.url, `${ROOT}/response/#`);
    stops.push(() => cloud.client.endAsync(true));
    const acks: unknown[] = [];
    const up = uplink({
      outbox: new MemoryOutbox(),
      handlers: {
        "ack-alarm": (p) => {
          acks.push(p);
          return { ok: true, data: { alarmId: p.alarmId } };
        },
      },
    });
    up.start();
    await waitFor(() => (up.commandsReady() ? true : undefined), "the subscription to requests");
    const send = async (cmd: string, body: unknown, correlation?: string) => {
      const props = correlation
        ? { properties: { correlationData: Buffer.from(correlation) } }
        : {};
      await cloud.client.publishAsync(`${ROOT}/request/${cmd}`, JSON.stringify(body), {
        qos: 1,
        ...props,
      });
    };
    const now = Date.now();
    const good = signCommand(KEY, {
      transaction: "t-good",
      command: "ack-alarm",
      issuedAt: now,
      payload: { alarmId: "gw-1", by: "Li" },
    });
    await send("ack-alarm", good, "corr-1");
    await send("ack-alarm", signCommand(new Uint8Array(16), { ...good, transaction: "t-forged" }));
    await send(
      "ack-alarm",
      signCommand(KEY, { ...good, transaction: "t-stale", issuedAt: now - 10 * 60_000 }),
    );
    await send("ack-alarm", good);
    await send(
      "sound",
      signCommand(KEY, {
        transaction: "t-sound",
        command: "sound",
        issuedAt: now,
        payload: { building: "b1", mode: "fire" },
      }),
    );
    await waitFor(() => (cloud.got.length >= 5 ? true : undefined), "five responses");
    const by = (t: string) =>
      cloud.got
        .filter((m) => m.body.transaction === t)
        .map((m) => m.body as unknown as CommandResponse);
    // Responses pair by transaction; the replay's may overtake the handler's.
    expect(by("t-good").sort((a, b) => Number(b.ok) - Number(a.ok))).toEqual([
      { transaction: "t-good", command: "ack-alarm", ok: true, data: { alarmId: "gw-1" } },
      {
        transaction: "t-good",
        command: "ack-alarm",
        ok: false,
        error: "replayed: transaction t-good was already used",
      },
    ]);
    expect(cloud.got.find((m) => m.body.transaction === "t-good" && m.body.ok)?.correlation).toBe(
      "corr-1",
    );
    expect(by("t-forged")[0]).toMatchObject({
      ok: false,
      error: "bad signature: not signed with the site command key",
    });
    expect(by("t-stale")[0]).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^stale: issued 60\d s before/),
    });
    expect(by("t-sound")[0]).toMatchObject({
      ok: false,
      error: "unsupported command sound on this gateway",
    });
    expect(cloud.got.find((m) => m.body.transaction === "t-sound")?.topic).toBe(
      `${ROOT}/response/sound`,
    );
    expect(acks).toEqual([{ alarmId: "gw-1", by: "Li" }]);
    expect(up.stats.commandsRejected).toMatchObject({
      "bad-signature": 1,
      stale: 1,
      replayed: 1,
      "unknown-command": 1,
    });
  });

  it("logs in with username and password, and keeps everything while the login is refused", async () => {
    const secure = await startMosquitto({ users: { gw: "right" } });
    stops.push(() => secure.stop());
    const outbox = new MemoryOutbox();
    outbox.append([telemetry(1, "0000c004", Date.now())]);
    const wrong = uplink({ outbox, url: secure.url, username: "gw", password: "wrong" });
    wrong.start();
    await waitFor(() => (wrong.stats.connectFailures >= 3 ? true : undefined), "refused logins");
    await wrong.stop();
    expect(outbox.depth()).toBe(1);
    const right = uplink({ outbox, url: secure.url, username: "gw", password: "right" });
    right.start();
    await waitFor(() => (outbox.depth() === 0 ? true : undefined), "the entry delivered");
  });
});
