import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeFrame, verifyFrame } from "../../protocol/codec.js";
import { SOUND_FIRE, SOUND_HUSH } from "../../protocol/constants.js";
import { deframeAll } from "../../protocol/framing.js";
import type { DownlinkMsg, Frame } from "../../protocol/messages.js";
import { tmpDir } from "../../tests/support/services.js";
import { nodeHmac } from "../registry/keys.js";
import { DeviceRegistry } from "../registry/registry.js";
import { type GatewayDatabase, openGatewayDatabase } from "../storage/database.js";
import { keyOf } from "../testing/frames.js";
import { PRIORITY_ALARM, PRIORITY_EVENT } from "../types.js";
import { DownlinkCounterStore } from "./counter-store.js";
import { DownlinkQueue } from "./downlink-queue.js";
import { type Link, LinkTable } from "./link.js";
import { DownlinkQueueStore } from "./queue-store.js";

/** The radio side: records what a receiver transmitted. */
class RecordingLink implements Link {
  readonly sent: Array<{ deviceId: number; frame: Frame; bytes: string; macOk: boolean }> = [];
  up = true;
  constructor(
    readonly id: string,
    private readonly keyFor: (d: number) => Uint8Array,
  ) {}
  isUp(): boolean {
    return this.up;
  }
  send(deviceId: number, framed: Uint8Array): boolean {
    if (!this.up) return false;
    const raw = deframeAll(framed).frames[0]!;
    const d = decodeFrame(raw);
    if (!d.ok) throw new Error("gateway sent a bad frame");
    this.sent.push({
      deviceId,
      frame: d.frame,
      bytes: Buffer.from(framed).toString("hex"),
      macOk: verifyFrame(raw, this.keyFor(deviceId), nodeHmac),
    });
    return true;
  }
}

const DETECTOR = 0x111;
const CHARGER = 0x222;

describe("DownlinkQueue", () => {
  let dir: ReturnType<typeof tmpDir>;
  let db: GatewayDatabase;
  let registry: DeviceRegistry;
  let radio: RecordingLink;
  let q: DownlinkQueue;
  let now: number;
  const later = (ms: number) => {
    now += ms;
    return now;
  };

  const build = (store?: DownlinkQueueStore) =>
    new DownlinkQueue({
      lookup: (d) => registry.get(d),
      counters: new DownlinkCounterStore(db),
      links,
      hmac: nodeHmac,
      ...(store ? { store } : {}),
    });
  let links: LinkTable;

  beforeEach(() => {
    dir = tmpDir("haitang-dl-");
    db = openGatewayDatabase(join(dir.path, "gw.db"));
    registry = new DeviceRegistry(db);
    now = 1_000_000;
    registry.register({ deviceId: DETECTOR, kind: "smoke", key: keyOf(1), building: "b1" }, now);
    registry.register({ deviceId: CHARGER, kind: "charger", key: keyOf(2) }, now);
    radio = new RecordingLink("serial:a", (d) => registry.get(d)!.key);
    links = new LinkTable();
    links.add(radio);
    registry.noteHeard(DETECTOR, { receiver: "serial:a" }, now);
    registry.noteHeard(CHARGER, { receiver: "serial:a" }, now);
    q = build();
  });

  afterEach(() => {
    db.close();
    dir.remove();
  });

  const relay = { type: "relay", port: 3, on: false, reason: 8 } as const;
  const fire = { type: "sound", mode: SOUND_FIRE, durationS: 300, sourceDeviceId: 9 } as const;

  it("sends to a mains device at once, resends the same signed bytes, and stops at its command-ack", () => {
    expect(q.send(CHARGER, { msg: relay, priority: PRIORITY_ALARM, reason: "cut" }, now)).toBe(
      "sent",
    );
    q.tick(later(600));
    expect(radio.sent).toHaveLength(2);
    expect(radio.sent[1]!.bytes).toBe(radio.sent[0]!.bytes);
    expect(radio.sent.every((s) => s.macOk)).toBe(true);
    expect(q.commandAcked(CHARGER, radio.sent[0]!.frame.counter)).toBe(true);
    q.tick(later(5_000));
    expect(radio.sent).toHaveLength(2);
    expect(q.depth()).toBe(0);
  });

  it("gives up on a mains command that is never confirmed", () => {
    q.send(CHARGER, { msg: relay, priority: PRIORITY_ALARM, reason: "cut" }, now);
    for (let i = 0; i < 100; i++) q.tick(later(100));
    expect(radio.sent).toHaveLength(8);
    expect(q.stats.gaveUp).toBe(1);
    expect(q.depth()).toBe(0);
  });

  it("holds a sleepy device's command until it is heard, then delivers it in that window", () => {
    const cfg: DownlinkMsg = { type: "config", entries: [{ key: 1, value: 3600 }] };
    expect(q.send(DETECTOR, { msg: cfg, priority: PRIORITY_EVENT, reason: "config" }, now)).toBe(
      "queued",
    );
    q.tick(later(5_000));
    expect(radio.sent).toHaveLength(0);
    expect(q.deviceHeard(DETECTOR, "serial:a", later(1))).toBe(1);
    expect(radio.sent.map((s) => s.frame.msg.type)).toEqual(["config"]);
    // not confirmed yet: the next window gets the same bytes again
    q.deviceHeard(DETECTOR, "serial:a", later(60_000));
    expect(radio.sent[1]!.bytes).toBe(radio.sent[0]!.bytes);
    q.commandAcked(DETECTOR, radio.sent[0]!.frame.counter);
    expect(q.deviceHeard(DETECTOR, "serial:a", later(1))).toBe(0);
  });

  it("sends a sleeping detector's sounding on every serial receiver that is up, not only the last one", () => {
    const other = new RecordingLink("serial:b", (d) => registry.get(d)!.key);
    const down = new RecordingLink("serial:c", (d) => registry.get(d)!.key);
    down.up = false;
    links.add(other);
    links.add(down);
    q.send(DETECTOR, { msg: fire, priority: PRIORITY_ALARM, reason: "interlink" }, now);
    q.tick(later(900));
    expect(radio.sent).toHaveLength(2);
    expect(other.sent.map((s) => s.bytes)).toEqual(radio.sent.map((s) => s.bytes));
    expect(down.sent).toHaveLength(0);
    // A charger's command still goes only where the charger was heard.
    q.send(CHARGER, { msg: relay, priority: PRIORITY_ALARM, reason: "cut" }, now);
    expect(other.sent.filter((s) => s.deviceId === CHARGER)).toHaveLength(0);
  });

  it("sounds a sleeping detector the gateway has never heard (its first frames lost) on every receiver", () => {
    const NEW = 0x333;
    registry.register(
      { deviceId: NEW, kind: "smoke", key: keyOf(3), building: "b1", sleepy: true },
      now,
    );
    expect(registry.get(NEW)?.lastReceiver).toBeUndefined();
    q.send(NEW, { msg: fire, priority: PRIORITY_ALARM, reason: "interlink" }, now);
    q.tick(later(900));
    expect(radio.sent.filter((s) => s.deviceId === NEW).length).toBeGreaterThanOrEqual(1);
  });

  it("puts fire ahead of other commands and repeats it for a sleeping detector's listening schedule", () => {
    const cfg: DownlinkMsg = { type: "config", entries: [{ key: 1, value: 3600 }] };
    q.send(DETECTOR, { msg: cfg, priority: PRIORITY_EVENT, reason: "config" }, now);
    q.send(DETECTOR, { msg: fire, priority: PRIORITY_ALARM, reason: "interlink" }, now);
    expect(radio.sent.map((s) => s.frame.msg.type)).toEqual(["sound"]);
    for (let i = 0; i < 5; i++) q.tick(later(800));
    const sounds = radio.sent.filter((s) => s.frame.msg.type === "sound");
    expect(sounds.length).toBe(6);
    expect(new Set(sounds.map((s) => s.frame.counter)).size).toBe(1);
    expect(q.pending(DETECTOR).map((p) => p.msg.type)).toEqual(["sound", "config"]);
    q.commandAcked(DETECTOR, sounds[0]!.frame.counter);
    q.tick(later(800));
    expect(radio.sent.filter((s) => s.frame.msg.type === "sound")).toHaveLength(6);
  });

  it("replaces a waiting fire command by a newer hush", () => {
    q.send(DETECTOR, { msg: fire, priority: PRIORITY_ALARM, reason: "interlink" }, now);
    q.send(
      DETECTOR,
      { msg: { ...fire, mode: SOUND_HUSH }, priority: PRIORITY_ALARM, reason: "hush" },
      now,
    );
    expect(q.pending(DETECTOR).map((p) => (p.msg as { mode: number }).mode)).toEqual([SOUND_HUSH]);
  });

  it("never reuses a downlink counter after a restart", () => {
    q.send(CHARGER, { msg: relay, priority: PRIORITY_ALARM, reason: "cut" }, now);
    q.ack(CHARGER, 5, "serial:a");
    const before = Math.max(...radio.sent.map((s) => s.frame.counter));
    const again = build();
    const store = new DownlinkCounterStore(db);
    store.reserveAll(db);
    again.ack(CHARGER, 6, "serial:a");
    const after = radio.sent[radio.sent.length - 1]!.frame.counter;
    expect(after).toBeGreaterThan(before);
  });

  it("keeps waiting commands across a restart: a fire sounding for a sleeping detector and a cut for an unreachable charger", () => {
    q = build(new DownlinkQueueStore(db));
    q.send(DETECTOR, { msg: fire, priority: PRIORITY_ALARM, reason: "interlink" }, now);
    const firstFire = radio.sent[0]!;
    radio.up = false;
    expect(q.send(CHARGER, { msg: relay, priority: PRIORITY_ALARM, reason: "cut" }, now)).toBe(
      "queued",
    );
    // a config that the detector confirms leaves the store too
    const cfg: DownlinkMsg = { type: "config", entries: [{ key: 1, value: 3600 }] };
    q.send(DETECTOR, { msg: cfg, priority: PRIORITY_EVENT, reason: "config" }, now);
    radio.up = true;
    q.deviceHeard(DETECTOR, "serial:a", later(1));
    const cfgSent = radio.sent.find((x) => x.frame.msg.type === "config")!;
    q.commandAcked(DETECTOR, cfgSent.frame.counter);
    radio.sent.length = 0;

    // the process dies here (nothing stopped or flushed); a new one opens the same file
    const restarted = build(new DownlinkQueueStore(db));
    expect(restarted.restore(later(5_000))).toBe(2);
    expect(restarted.pending().map((p) => [p.deviceId, p.msg.type])).toEqual([
      [DETECTOR, "sound"],
      [CHARGER, "relay"],
    ]);
    restarted.tick(now);
    const after = radio.sent.map((x) => [x.deviceId, x.frame.msg.type]);
    expect(after).toContainEqual([CHARGER, "relay"]);
    expect(after).toContainEqual([DETECTOR, "sound"]);
    // the sounding was signed before the restart: the same bytes again, so a detector that
    // already sounds only repeats its command-ack
    expect(radio.sent.find((x) => x.deviceId === DETECTOR)!.bytes).toBe(firstFire.bytes);
    expect(radio.sent.every((x) => x.macOk)).toBe(true);
  });

  it("drops expired commands and those of devices gone from the registry when it restores", () => {
    q = build(new DownlinkQueueStore(db));
    const cfg: DownlinkMsg = { type: "config", entries: [{ key: 1, value: 3600 }] };
    q.send(DETECTOR, { msg: cfg, priority: PRIORITY_EVENT, reason: "config" }, now);
    q.send(CHARGER, { msg: relay, priority: PRIORITY_ALARM, reason: "cut" }, now);
    registry.decommission(CHARGER);
    const restarted = build(new DownlinkQueueStore(db));
    expect(restarted.restore(later(60_000))).toBe(1);
    expect(build(new DownlinkQueueStore(db)).restore(later(15 * 60_000))).toBe(0);
    expect(new DownlinkQueueStore(db).load()).toEqual([]);
  });
});
