import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeFrame, verifyFrame } from "../../protocol/codec.js";
import { CONFIG_GROUP_ID, SOUND_FIRE, SOUND_HUSH } from "../../protocol/constants.js";
import { deframeAll } from "../../protocol/framing.js";
import type { DownlinkMsg, Frame } from "../../protocol/messages.js";
import { tmpDir } from "../../tests/support/services.js";
import { nodeHmac } from "../registry/keys.js";
import { DeviceRegistry } from "../registry/registry.js";
import { type GatewayDatabase, openGatewayDatabase } from "../storage/database.js";
import { keyOf } from "../testing/frames.js";
import { PRIORITY_ALARM } from "../types.js";
import { DownlinkCounterStore } from "./counter-store.js";
import { DownlinkQueue } from "./downlink-queue.js";
import { deriveBuildingGroup } from "./group-keys.js";
import { GroupRekey } from "./group-rekey.js";
import { GroupSounder } from "./group-sounder.js";
import { GroupStore } from "./group-store.js";
import { type Link, LinkTable } from "./link.js";

const SECRET = keyOf(99);
const R = 800;
const RETARGET = 16_000;

/** A receiver that records the frames it transmitted, decoded. */
class RecordingLink implements Link {
  readonly sent: Array<{ frame: Frame; raw: Uint8Array; preambleMs: number }> = [];
  constructor(readonly id: string) {}
  isUp(): boolean {
    return true;
  }
  send(_deviceId: number, framed: Uint8Array, preambleMs = 0): boolean {
    const raw = deframeAll(framed).frames[0]!;
    const d = decodeFrame(raw);
    if (!d.ok) throw new Error("gateway sent a bad frame");
    this.sent.push({ frame: d.frame, raw, preambleMs });
    return true;
  }
  types(): string[] {
    return this.sent.map((s) => s.frame.msg.type);
  }
}

describe("building group sounding on the gateway", () => {
  let dir: ReturnType<typeof tmpDir>;
  let db: GatewayDatabase;
  let registry: DeviceRegistry;
  let groups: GroupStore;
  let a: RecordingLink;
  let b: RecordingLink;
  let sounder: GroupSounder;
  let q: DownlinkQueue;
  let rekey: GroupRekey | undefined;
  let now: number;
  const members = [0x101, 0x102, 0x103];
  const OUTSIDER = 0x104;

  const fire = (mode = SOUND_FIRE): DownlinkMsg => ({
    type: "sound",
    mode,
    durationS: 300,
    sourceDeviceId: 0x100,
  });
  const soundAll = (mode = SOUND_FIRE) => {
    for (const d of [...members, OUTSIDER])
      q.send(d, { msg: fire(mode), priority: PRIORITY_ALARM, reason: "interlink" }, now);
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = q.nextDueAt();
      if (due === undefined || due > end) break;
      now = Math.max(now, due);
      q.tick(now);
    }
    now = end;
  };

  beforeEach(() => {
    dir = tmpDir("haitang-group-");
    db = openGatewayDatabase(join(dir.path, "gw.db"));
    registry = new DeviceRegistry(db);
    groups = new GroupStore(db);
    now = 1_000_000;
    for (const d of [...members, OUTSIDER]) {
      registry.register(
        { deviceId: d, kind: "smoke", key: keyOf(d), building: "b1", sleepy: true },
        now,
      );
      registry.noteHeard(d, { receiver: "serial:a" }, now);
    }
    for (const d of members) groups.setMember(d, "b1", 0);
    a = new RecordingLink("serial:a");
    b = new RecordingLink("serial:b");
    const links = new LinkTable();
    links.add(a);
    links.add(b);
    const counters = new DownlinkCounterStore(db);
    sounder = new GroupSounder(
      { secret: SECRET, hmac: nodeHmac, store: groups, counters, links },
      { repeatEveryMs: R, retargetAfterMs: RETARGET },
    );
    q = new DownlinkQueue(
      {
        lookup: (d) => registry.get(d),
        counters,
        links,
        hmac: nodeHmac,
        groups: sounder,
        onConfirmed: (d, msg, result) => rekey?.confirmed(d, msg, result),
      },
      { repeatEveryMs: R },
    );
  });

  const newRekey = () =>
    new GroupRekey({
      secret: SECRET,
      hmac: nodeHmac,
      store: groups,
      lookup: (d) => registry.get(d),
      downlinks: q,
    });

  afterEach(() => {
    rekey = undefined;
    db.close();
    dir.remove();
  });

  it("sounds wake-on-radio buildings in shared rounds: one wake-up preamble per receiver, then every building's frame", () => {
    const WOR_R = 2520;
    for (const d of [0x201, 0x202]) {
      registry.register(
        { deviceId: d, kind: "smoke", key: keyOf(d), building: "b2", sleepy: true },
        now,
      );
      groups.setMember(d, "b2", 0);
    }
    const links = new LinkTable();
    links.add(a);
    links.add(b);
    const counters = new DownlinkCounterStore(db);
    const wor = new GroupSounder(
      { secret: SECRET, hmac: nodeHmac, store: groups, counters, links, preambleMs: () => 1020 },
      { repeatEveryMs: R, retargetAfterMs: RETARGET, worRepeatEveryMs: WOR_R },
    );
    q = new DownlinkQueue(
      { lookup: (d) => registry.get(d), counters, links, hmac: nodeHmac, groups: wor },
      { repeatEveryMs: R },
    );
    const sound = (ids: number[]) => {
      for (const d of ids)
        q.send(d, { msg: fire(), priority: PRIORITY_ALARM, reason: "interlink" }, now);
    };
    sound(members);
    // At once, after a preamble, on every receiver; the members of one building share it.
    // Three copies behind the preamble: noise spoils a copy, not the round.
    expect(a.sent.map((s) => [s.frame.msg.type, s.preambleMs])).toEqual([
      ["group-sound", 1020],
      ["group-sound", 0],
      ["group-sound", 0],
    ]);
    advance(1000);
    sound([0x201, 0x202]); // the second building's fire, a second later: its own first copy at once
    expect(a.sent.map((s) => s.preambleMs)).toEqual([1020, 0, 0, 1020, 0, 0]);
    a.sent.length = 0;
    advance(WOR_R - 1000);
    // Then both buildings ride on one preamble per round.
    const group1 = deriveBuildingGroup(SECRET, "b1", 0, nodeHmac).id;
    const group2 = deriveBuildingGroup(SECRET, "b2", 0, nodeHmac).id;
    expect(a.sent.map((s) => [s.frame.deviceId, s.preambleMs])).toEqual([
      [group1, 1020],
      [group1, 0],
      [group1, 0],
      [group2, 0],
      [group2, 0],
      [group2, 0],
    ]);
    a.sent.length = 0;
    advance(3 * WOR_R);
    expect(a.sent.filter((s) => s.preambleMs > 0)).toHaveLength(3);
    expect(a.sent).toHaveLength(18);
  });

  it("sounds every member with one frame per round on every receiver, signed with the building group key", () => {
    soundAll();
    const group = deriveBuildingGroup(SECRET, "b1", 0, nodeHmac);
    const groupFrames = a.sent.filter((s) => s.frame.msg.type === "group-sound");
    expect(groupFrames).toHaveLength(1);
    expect(groupFrames[0]!.frame.deviceId).toBe(group.id);
    expect(verifyFrame(groupFrames[0]!.raw, group.key, nodeHmac)).toBe(true);
    // The detector without the group key gets its own sounding at once.
    expect(a.sent.filter((s) => s.frame.msg.type === "sound").map((s) => s.frame.deviceId)).toEqual(
      [OUTSIDER],
    );
    a.sent.length = 0;
    advance(10 * R);
    // Ten rounds: one group frame and one unicast (the outsider) each, whatever the building's size.
    expect(a.types().filter((t) => t === "group-sound")).toHaveLength(10);
    expect(a.types().filter((t) => t === "sound")).toHaveLength(10);
    expect(b.types().filter((t) => t === "group-sound")).toHaveLength(11);
  });

  it("stops when every member acknowledged, and re-targets nobody", () => {
    soundAll();
    const counter = a.sent.find((s) => s.frame.msg.type === "group-sound")!.frame.counter;
    for (const d of members) expect(q.groupAcked(d, counter)).toBe(true);
    expect(q.pending().map((p) => p.deviceId)).toEqual([OUTSIDER]);
    a.sent.length = 0;
    advance(RETARGET * 2);
    expect(a.types()).not.toContain("group-sound");
    expect(new Set(a.sent.map((s) => s.frame.deviceId))).toEqual(new Set([OUTSIDER]));
    expect(sounder.stats).toMatchObject({ soundings: 1, acked: 3, retargeted: 0 });
  });

  it("re-targets only the members missing from the acknowledgements, and keeps sounding them", () => {
    soundAll();
    const counter = a.sent.find((s) => s.frame.msg.type === "group-sound")!.frame.counter;
    q.groupAcked(0x101, counter);
    expect(q.groupAcked(0x102, counter + 1)).toBe(false);
    a.sent.length = 0;
    advance(RETARGET - 1);
    const unicastBefore = a.sent.filter((s) => s.frame.msg.type === "sound");
    expect(new Set(unicastBefore.map((s) => s.frame.deviceId))).toEqual(new Set([OUTSIDER]));
    const mark = a.sent.length;
    advance(2 * R);
    // The group frame keeps going beside the re-targeted members' own resends.
    expect(a.types().slice(mark)).toContain("group-sound");
    const unicast = a.sent.filter((s) => s.frame.msg.type === "sound");
    expect(new Set(unicast.map((s) => s.frame.deviceId))).toEqual(
      new Set([OUTSIDER, 0x102, 0x103]),
    );
    expect(sounder.missing("b1").sort()).toEqual([0x102, 0x103]);
    // A re-targeted member's own command-ack ends its part in the group sounding too.
    const own = unicast.find((s) => s.frame.deviceId === 0x102)!.frame.counter;
    expect(q.commandAcked(0x102, own)).toBe(true);
    expect(sounder.missing("b1")).toEqual([0x103]);
  });

  it("lets a second fire in the building join the running sounding, and a hush replace it", () => {
    soundAll();
    const first = a.sent.find((s) => s.frame.msg.type === "group-sound")!.frame.counter;
    q.groupAcked(0x101, first);
    a.sent.length = 0;
    // A second detector alarms: the same fire sounding, no new frame, the one that acked is done.
    soundAll();
    expect(a.types()).not.toContain("group-sound");
    expect(q.pending().some((p) => p.deviceId === 0x101)).toBe(false);
    soundAll(SOUND_HUSH);
    const hush = a.sent.filter((s) => s.frame.msg.type === "group-sound");
    expect(hush).toHaveLength(1);
    expect(hush[0]!.frame.counter).toBeGreaterThan(first);
    expect(hush[0]!.frame.msg).toMatchObject({ mode: SOUND_HUSH });
    expect(sounder.missing("b1").sort()).toEqual(members);
  });

  it("leaves a detector whose group key is from an older epoch to its own soundings", () => {
    groups.nextEpoch("b1");
    groups.setMember(0x101, "b1", 1);
    soundAll();
    const g1 = deriveBuildingGroup(SECRET, "b1", 1, nodeHmac);
    const groupFrame = a.sent.find((s) => s.frame.msg.type === "group-sound")!;
    expect(groupFrame.frame.deviceId).toBe(g1.id);
    expect(verifyFrame(groupFrame.raw, g1.key, nodeHmac)).toBe(true);
    const unicast = a.sent.filter((s) => s.frame.msg.type === "sound").map((s) => s.frame.deviceId);
    expect(unicast.sort()).toEqual([0x102, 0x103, OUTSIDER]);
  });

  it("rotates the group on a rekey: only members that confirmed the new key share the next sounding", () => {
    rekey = newRekey();
    expect(rekey.rotate("b1", now)).toEqual({ epoch: 1, sent: 3 });
    // Sleeping detectors get it in the window after their next uplink.
    for (const d of members) q.deviceHeard(d, "serial:a", now);
    const configs = a.sent.filter((s) => s.frame.msg.type === "config");
    expect(configs.map((c) => c.frame.deviceId)).toEqual(members);
    const g1 = deriveBuildingGroup(SECRET, "b1", 1, nodeHmac);
    const first = configs[0]!.frame.msg as { entries: { key: number; value: number }[] };
    expect(first.entries[0]).toEqual({ key: CONFIG_GROUP_ID, value: g1.id | 0 });
    // 0x101 took it; 0x102 refused it; 0x103 has not answered.
    q.commandAcked(0x101, configs[0]!.frame.counter, 0);
    q.commandAcked(0x102, configs[1]!.frame.counter, 1);
    expect(groups.isCurrentMember(0x101, "b1")).toBe(true);
    expect(groups.isCurrentMember(0x102, "b1")).toBe(false);
    a.sent.length = 0;
    soundAll();
    const groupFrame = a.sent.find((s) => s.frame.msg.type === "group-sound")!;
    expect(groupFrame.frame.deviceId).toBe(g1.id);
    expect(verifyFrame(groupFrame.raw, g1.key, nodeHmac)).toBe(true);
    const unicast = a.sent.filter((s) => s.frame.msg.type === "sound").map((s) => s.frame.deviceId);
    expect(unicast.sort()).toEqual([0x102, 0x103, OUTSIDER]);
  });

  it("counts a detector flashed with the current group as a member, and moves one flashed before a rekey", () => {
    rekey = newRekey();
    // The outsider is flashed with the building's current group (epoch 0): its sounding joins.
    expect(rekey.current("b1")).toMatchObject({
      epoch: 0,
      id: deriveBuildingGroup(SECRET, "b1", 0, nodeHmac).id,
    });
    rekey.commissioned(OUTSIDER, 0, now);
    expect(groups.isCurrentMember(OUTSIDER, "b1")).toBe(true);
    soundAll();
    expect(a.sent.filter((s) => s.frame.msg.type === "sound")).toHaveLength(0);
    // A detector whose image was built just before a rekey is sent the new key at once.
    rekey.rotate("b1", now);
    const late = 0x105;
    registry.register(
      { deviceId: late, kind: "smoke", key: keyOf(late), building: "b1", sleepy: true },
      now,
    );
    registry.noteHeard(late, { receiver: "serial:a" }, now);
    rekey.commissioned(late, 0, now);
    expect(groups.isCurrentMember(late, "b1")).toBe(false);
    a.sent.length = 0;
    q.deviceHeard(late, "serial:a", now);
    const config = a.sent.find((s) => s.frame.deviceId === late && s.frame.msg.type === "config")!;
    const g1 = deriveBuildingGroup(SECRET, "b1", 1, nodeHmac);
    expect((config.frame.msg as { entries: { key: number; value: number }[] }).entries[0]).toEqual({
      key: CONFIG_GROUP_ID,
      value: g1.id | 0,
    });
  });
});
