import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../common/log.js";
import type { PtyPair } from "../common/services.js";
import { decodeFrame, verifyFrame } from "../protocol/codec.js";
import { SOUND_SELF_TEST } from "../protocol/constants.js";
import { deframeAll, frameBytes } from "../protocol/framing.js";
import type { UplinkEnvelope } from "../protocol/uplink.js";
import { createPtyPair, freePort, tmpDir, waitFor } from "../tests/support/services.js";
import { InstallAuth } from "./http/auth.js";
import { deviceTopicForFramed } from "./ingest/device-topics.js";
import { keyToHex, mqttPassword, nodeHmac } from "./registry/keys.js";
import { GatewayService } from "./service.js";
import { ACK, framed, keyOf, rawFrame, smokeAlarmMsg, statusMsg } from "./testing/frames.js";
import { PtyDevice } from "./testing/pty-device.js";
import { testSite } from "./testing/site.js";

const PASSWORD = "install-secret";
const SMOKE = 0x00c0ffee;
const WIFI = 0x00ab0001;
const KEYS = new Map([
  [SMOKE, keyOf(11)],
  [WIFI, keyOf(12)],
]);

describe("GatewayService (two socat receivers, embedded Aedes, HTTP API)", () => {
  const dir = tmpDir("haitang-gw-");
  let ptyA: PtyPair;
  let ptyB: PtyPair;
  let devA: PtyDevice;
  let devB: PtyDevice;
  let gw: GatewayService;
  let base: string;
  const auth = {
    authorization: `Basic ${Buffer.from(`installer:${PASSWORD}`).toString("base64")}`,
  };

  const api = async (method: string, path: string, body?: unknown, headers = auth) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...headers, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : text };
  };
  const metric = async (line: string) => {
    const text = (await api("GET", "/metrics")).body as string;
    const m = text.split("\n").find((l) => l.startsWith(line + " "));
    return m ? Number(m.slice(line.length + 1)) : undefined;
  };
  const outboxEnvelopes = () =>
    gw
      .running()
      .outbox.peek(1000)
      .filter((e) => e.topic.includes("/dev/"))
      .map((e) => JSON.parse(e.payload) as UplinkEnvelope);

  beforeAll(async () => {
    ptyA = await createPtyPair(dir.path, "radio-a");
    ptyB = await createPtyPair(dir.path, "radio-b");
    const config = testSite({
      dir: dir.path,
      httpPort: await freePort(),
      mqttPort: await freePort(),
      serial: [
        { name: "radio-a", path: ptyA.hostPath },
        { name: "radio-b", path: ptyB.hostPath },
      ],
    });
    gw = new GatewayService({
      config,
      auth: new InstallAuth((p) => p === PASSWORD),
      log: memoryLogger("gw"),
      tuning: { mergeWindowMs: 200 },
    });
    await gw.start();
    base = `http://127.0.0.1:${gw.httpPort()}`;
    devA = await PtyDevice.open(ptyA.devicePath, KEYS);
    devB = await PtyDevice.open(ptyB.devicePath, KEYS);
    await waitFor(
      () => (gw.health().receivers.every((r) => r.up) ? true : undefined),
      "receivers up",
    );
  });

  afterAll(async () => {
    await devA?.close();
    await devB?.close();
    await gw?.stop();
    await ptyA?.close();
    await ptyB?.close();
    dir.remove();
  });

  it("refuses the admin API without the install password and never shows keys", async () => {
    expect(
      (await api("GET", "/api/devices", undefined, { authorization: "Bearer wrong" })).status,
    ).toBe(401);
    const reg = await api("POST", "/api/devices", {
      id: SMOKE.toString(16),
      kind: "smoke",
      key: keyToHex(KEYS.get(SMOKE)!),
      building: "b1",
      location: "101",
    });
    expect(reg.status).toBe(201);
    expect(reg.body.key).toBeUndefined();
    const list = await api("GET", "/api/devices");
    expect(JSON.stringify(list.body)).not.toContain(keyToHex(KEYS.get(SMOKE)!));
    expect(list.body.devices[0]).toMatchObject({ id: "00c0ffee", kind: "smoke", sleepy: true });
    const bad = await api("POST", "/api/devices", { id: "zz", kind: "smoke" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ path: "id", value: "zz" });
  });

  it("merges one frame heard by both receivers into one outbox entry and acks it after commit", async () => {
    const f = framed(SMOKE, 1, smokeAlarmMsg(), KEYS.get(SMOKE)!, ACK);
    await Promise.all([devA.write(f), devB.write(f)]);
    await waitFor(
      () => (devA.acksFor(SMOKE).length + devB.acksFor(SMOKE).length >= 1 ? true : undefined),
      "ack",
    );
    const envs = outboxEnvelopes().filter((e) => e.deviceId === "00c0ffee");
    expect(envs).toHaveLength(1);
    expect(envs[0]!.receivers.map((r) => r.receiver).sort()).toEqual([
      "serial:radio-a",
      "serial:radio-b",
    ]);
    expect(await metric("haitang_gateway_frames_accepted_total")).toBe(1);
    expect(
      await metric('haitang_gateway_frames_dropped_total{stage="dedup",reason="duplicate"}'),
    ).toBe(1);
    // Memory by area: the resident set holds at least the main thread's heap.
    const rss = await metric('haitang_gateway_memory_bytes{area="rss"}');
    const heap = await metric('haitang_gateway_memory_bytes{area="heap_used"}');
    expect(heap).toBeGreaterThan(0);
    expect(rss).toBeGreaterThan(heap!);
    expect(await metric('haitang_gateway_memory_bytes{area="new_space"}')).toBeGreaterThan(0);
  });

  it("rejects and counts forged, replayed, corrupt, unknown and garbage input", async () => {
    const key = KEYS.get(SMOKE)!;
    await devA.write(framed(SMOKE, 2, statusMsg(), keyOf(99))); // forged
    await devA.write(framed(SMOKE, 1, smokeAlarmMsg(), key, ACK)); // retransmission of 1: duplicate
    const good = framed(SMOKE, 3, statusMsg(), key);
    const corrupt = good.slice();
    corrupt[5] = corrupt[5]! ^ 0xff; // CRC no longer matches
    await devA.write(corrupt);
    await devA.write(new Uint8Array([0x11, 0x22, 0x33])); // line noise
    await devA.write(framed(0x0badbeef, 1, statusMsg(), keyOf(5))); // unknown
    await devA.write(frameBytes(rawFrame(SMOKE, 4, statusMsg(), key).subarray(0, 25))); // truncated body
    await devA.write(framed(SMOKE, 64 + 70, statusMsg(), key)); // moves the window forward
    await devA.write(framed(SMOKE, 5, statusMsg(), key)); // now below the window: replay
    await waitFor(
      async () =>
        (await metric(
          'haitang_gateway_frames_dropped_total{stage="counter",reason="replayed"}',
        )) === 1
          ? true
          : undefined,
      "replay counted",
    );
    expect(
      await metric('haitang_gateway_frames_dropped_total{stage="verify",reason="bad-mac"}'),
    ).toBe(1);
    expect(
      await metric('haitang_gateway_frames_dropped_total{stage="deframe",reason="bad-crc"}'),
    ).toBe(1);
    expect(
      await metric(
        'haitang_gateway_frames_dropped_total{stage="registry",reason="unknown-device"}',
      ),
    ).toBe(1);
    expect(
      await metric('haitang_gateway_frames_dropped_total{stage="decode",reason="malformed"}'),
    ).toBe(1);
    expect(
      await metric('haitang_gateway_frames_dropped_total{stage="dedup",reason="duplicate"}'),
    ).toBe(2);
    expect(
      await metric('haitang_gateway_receiver_garbage_bytes_total{receiver="serial:radio-a"}'),
    ).toBeGreaterThanOrEqual(3);
    // the retransmission was acked again (its first copy is durable)
    await waitFor(
      () => (devA.acksFor(SMOKE).length + devB.acksFor(SMOKE).length >= 2 ? true : undefined),
      "re-ack",
    );
    const pending = await api("GET", "/api/pending");
    expect(pending.body.pending).toEqual([
      expect.objectContaining({ id: "0badbeef", count: 1, receivers: ["serial:radio-a"] }),
    ]);
  });

  it("approves a pending device, and delivers a queued self-test right after its next uplink", async () => {
    const key = keyOf(21);
    KEYS.set(0x0badbeef, key);
    const ok = await api("POST", "/api/devices/0badbeef/approve", {
      kind: "smoke",
      key: keyToHex(key),
      building: "b2",
    });
    expect(ok.status).toBe(200);
    expect((await api("GET", "/api/pending")).body.pending).toEqual([]);
    const st = await api("POST", "/api/devices/0badbeef/self-test");
    expect(st.body.outcome).toBe("queued");
    const before = devA.received.length;
    await devA.write(framed(0x0badbeef, 2, statusMsg(), key));
    const cmd = await waitFor(
      () =>
        devA.received
          .slice(before)
          .find((r) => r.frame.deviceId === 0x0badbeef && r.frame.msg.type === "sound"),
      "self-test downlink",
    );
    expect(cmd.macOk).toBe(true);
    expect(cmd.frame.msg).toMatchObject({ type: "sound", mode: SOUND_SELF_TEST });
  });

  it("lets a Wi-Fi device in only with its own credentials, and acks its frame on its down topic", async () => {
    const key = KEYS.get(WIFI)!;
    await api("POST", "/api/devices", {
      id: WIFI.toString(16),
      kind: "charger",
      key: keyToHex(key),
      shed: "shed-a",
    });
    const url = `mqtt://127.0.0.1:${gw.mqttPort()}`;
    const refused = async (opts: mqtt.IClientOptions) => {
      const c = mqtt.connect(url, { ...opts, reconnectPeriod: 0 });
      const err = await new Promise<Error | undefined>((resolve) => {
        c.once("error", (e) => resolve(e));
        c.once("connect", () => resolve(undefined));
      });
      c.end(true);
      return err !== undefined;
    };
    expect(await refused({})).toBe(true);
    expect(await refused({ username: "00ab0001", password: "0".repeat(64) })).toBe(true);
    const c = await mqtt.connectAsync(url, {
      username: "00ab0001",
      password: mqttPassword(key),
      reconnectPeriod: 0,
    });
    try {
      const got: Uint8Array[] = [];
      c.on("message", (_t, p) => got.push(new Uint8Array(p)));
      await c.subscribeAsync("haitang/dev/00ab0001/down", { qos: 1 });
      const f = framed(
        WIFI,
        1,
        {
          type: "charger-event",
          port: 2,
          event: 1,
          reason: 1,
          powerW: 1300,
          tempDeciC: 250,
          sessionS: 60,
        },
        key,
        ACK,
      );
      // A charger event goes on the device's event topic (device-topics.ts).
      expect(deviceTopicForFramed(WIFI, f)).toBe("haitang/dev/00ab0001/event");
      await c.publishAsync(deviceTopicForFramed(WIFI, f), Buffer.from(f), { qos: 1 });
      const ack = await waitFor(() => got[0], "ack on the down topic");
      const raw = deframeAll(ack).frames[0]!;
      expect(verifyFrame(raw, key, nodeHmac)).toBe(true);
      const dec = decodeFrame(raw);
      expect(dec.ok && dec.frame.msg).toEqual({ type: "ack", ackedCounter: 1 });
      // publishing as another device is refused (MQTT 3.1.1: the broker closes the connection)
      const closed = new Promise<boolean>((resolve) => c.once("close", () => resolve(true)));
      c.publish("haitang/dev/00c0ffee/up", Buffer.from(f), { qos: 0 });
      expect(await closed).toBe(true);
    } finally {
      c.end(true);
    }
  });

  it("raises one fire alarm, sounds the building's other detectors in their listening window, and takes an ack", async () => {
    const d2 = 0x00c0ff02;
    const d3 = 0x00c0ff03;
    KEYS.set(d2, keyOf(32));
    KEYS.set(d3, keyOf(33));
    for (const [id, loc] of [
      [d2, "102"],
      [d3, "201"],
    ] as const)
      await api("POST", "/api/devices", {
        id: id.toString(16),
        kind: "smoke",
        key: keyToHex(KEYS.get(id)!),
        building: "b1",
        location: loc,
      });
    await devA.write(framed(d2, 1, statusMsg(), KEYS.get(d2)!)); // d2 is heard on radio-a
    for (let c = 1; c <= 3; c++)
      await devB.write(framed(d3, c, smokeAlarmMsg(7), KEYS.get(d3)!, ACK)); // repeats of one event
    const alarms = await waitFor(async () => {
      const a = (await api("GET", "/api/alarms?active=true&device=00c0ff03")).body.alarms;
      return a.length ? a : undefined;
    }, "fire alarm");
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ kind: "fire", severity: "critical", location: "b1/201" });
    const before = devA.received.length;
    await devA.write(framed(d2, 2, statusMsg(), KEYS.get(d2)!)); // d2 wakes up and sends: it listens now
    const sound = await waitFor(
      () =>
        devA.received
          .slice(before)
          .find((r) => r.frame.deviceId === d2 && r.frame.msg.type === "sound"),
      "interlinked sounding at d2",
    );
    expect(sound.macOk).toBe(true);
    expect(sound.frame.msg).toMatchObject({ type: "sound", mode: 1, sourceDeviceId: d3 });
    const ack = await api("POST", `/api/alarms/${alarms[0].alarmId}/ack`, {
      by: "guard",
      comment: "checked",
    });
    expect(ack.status).toBe(200);
    expect(ack.body.alarm).toMatchObject({ acknowledged: true, acknowledgedBy: "guard" });
    const transitions = gw
      .running()
      .outbox.peek(1000)
      .filter((e) => e.topic.endsWith("/alarm"))
      .map((e) => JSON.parse(e.payload) as { transition: string; deviceId: string })
      .filter((t) => t.deviceId === "00c0ff03");
    expect(transitions.map((t) => t.transition)).toEqual(["raised", "acknowledged"]);
  });

  it("moves placement and active alarms to replacement hardware", async () => {
    const r = await api("POST", "/api/devices/00c0ff03/replace", { newId: "00c0ff33" });
    expect(r.status).toBe(200);
    expect(r.body.key).toMatch(/^[0-9a-f]{32}$/);
    expect(r.body.device).toMatchObject({
      id: "00c0ff33",
      building: "b1",
      location: "201",
      historyId: "dev-00c0ff03",
    });
    const moved = (await api("GET", "/api/alarms?active=true&device=00c0ff33")).body.alarms;
    expect(moved.map((a: { kind: string }) => a.kind)).toEqual(["fire"]);
    expect((await api("GET", "/api/alarms?active=true&device=00c0ff03")).body.alarms).toEqual([]);
  });

  it("deletes a registration with DELETE, after which its frames are unknown again", async () => {
    const id = 0x00c0ff09;
    const key = keyOf(44);
    await api("POST", "/api/devices", {
      id: id.toString(16),
      kind: "guardian",
      key: keyToHex(key),
    });
    expect((await api("DELETE", "/api/devices/00c0ff09")).status).toBe(200);
    expect((await api("GET", "/api/devices/00c0ff09")).status).toBe(404);
    expect((await api("DELETE", "/api/devices/00c0ff09")).status).toBe(404);
    await devA.write(framed(id, 1, statusMsg(), key));
    await waitFor(async () => {
      const p = (await api("GET", "/api/pending")).body.pending as Array<{ id: string }>;
      return p.some((x) => x.id === "00c0ff09") ? true : undefined;
    }, "removed device on the pending list");
  });

  it("raises a security alarm on a burst of forged frames", async () => {
    for (let c = 500; c < 510; c++) await devB.write(framed(SMOKE, c, statusMsg(), keyOf(98)));
    const alarm = await waitFor(async () => {
      const a = (await api("GET", "/api/alarms?active=true&device=00c0ffee")).body.alarms as Array<{
        kind: string;
        evidence?: string;
      }>;
      return a.find((x) => x.kind === "security");
    }, "security alarm");
    expect(alarm.evidence).toContain("bad-mac");
  });

  it("reports health: receivers, outbox depth and oldest age, counters", async () => {
    const h = (await api("GET", "/api/health", undefined, {} as typeof auth)).body;
    expect(h.receivers.map((r: { id: string }) => r.id)).toEqual([
      "serial:radio-a",
      "serial:radio-b",
      "mqtt",
    ]);
    expect(h.outboxDepth).toBeGreaterThan(0);
    expect(h.counters.accepted).toBeGreaterThan(0);
    expect(typeof h.oldestEntryAgeS).toBe("number");
  });
});
