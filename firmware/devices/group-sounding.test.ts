import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { groupRekeyEntries } from "../../gateway/downlink/group-keys.js";
import { fromHex } from "../../protocol/bytes.js";
import { decodeFrame, encodeFrame } from "../../protocol/codec.js";
import {
  COMMAND_RESULT_OK,
  FLAG_ACK_REQUESTED,
  SOUND_FIRE,
  SOUND_STOP,
} from "../../protocol/constants.js";
import { deframeAll, frameBytes } from "../../protocol/framing.js";
import { hmacSha256 } from "../../protocol/hmac.js";
import type { DownlinkMsg, Frame } from "../../protocol/messages.js";
import { FakeHal } from "../hal/fake-hal.js";
import { createGroupSounding, GROUP_FILE } from "./group-sounding.js";
import {
  createLink,
  type Link,
  STAT_BAD_MAC,
  STAT_COMMANDS,
  STAT_DUPLICATE,
  STAT_NOT_LISTENING,
  STAT_OTHER_DEVICE,
  STAT_REPLAYED,
} from "./link.js";

const golden = JSON.parse(
  readFileSync(new URL("../../protocol/golden-vectors.json", import.meta.url), "utf8"),
) as {
  keyHex: string;
  groupRekeyKeyHex: string;
  vectors: { name: string; wireHex: string; decoded: Frame }[];
};
const goldenSound = golden.vectors.find((v) => v.decoded.msg.type === "group-sound")!;
const goldenRekey = golden.vectors.find((v) => v.name.startsWith("group rekey"))!;

const DEVICE_ID = 0x5d000002;
const DEVICE_KEY = fromHex(golden.keyHex)!;
const GROUP = { id: goldenSound.decoded.deviceId, key: golden.keyHex };
const PERIOD_MS = 5000;

function groupFrame(counter: number, opts: { id?: number; key?: string; mode?: number } = {}) {
  return frameBytes(
    encodeFrame(
      {
        deviceId: opts.id ?? GROUP.id,
        counter,
        flags: 0,
        msg: {
          type: "group-sound",
          mode: opts.mode ?? SOUND_FIRE,
          durationS: 300,
          sourceDeviceId: 1,
        },
      },
      fromHex(opts.key ?? GROUP.key)!,
      hmacSha256,
    ),
  );
}

function rig(files?: { [k: string]: string }, listenWindowMs = 0) {
  const hal = new FakeHal([], files);
  const heard: DownlinkMsg[] = [];
  const onSound = (m: DownlinkMsg) => {
    heard.push(m);
    return COMMAND_RESULT_OK;
  };
  let link: Link | undefined;
  const group = () =>
    createGroupSounding(hal, link!, hmacSha256, DEVICE_KEY, GROUP, PERIOD_MS, onSound);
  let g: ReturnType<typeof group> | undefined;
  link = createLink(
    hal,
    DEVICE_ID,
    DEVICE_KEY,
    { listenWindowMs },
    0,
    16000,
    (m) => (m.type === "config" ? g!.rekey(m.entries) : onSound(m)),
    undefined,
    (bytes, now) => g!.frame(bytes, now),
  );
  link.start();
  g = group();
  const uplinks = () => hal.takeSent().flatMap((b) => deframeAll(b).frames.map(decodeFrame));
  return { hal, link, heard, uplinks };
}

describe("building group sounding on a detector", () => {
  it("sounds on the golden group frame once and acknowledges it once within two listening periods, asking for no ack", () => {
    const r = rig();
    r.hal.setRandom(0.5);
    r.hal.inject(fromHex(goldenSound.wireHex)!);
    r.hal.inject(fromHex(goldenSound.wireHex)!);
    expect(r.heard).toEqual([goldenSound.decoded.msg]);
    expect(r.link.stats[STAT_COMMANDS]).toBe(1);
    expect(r.link.stats[STAT_DUPLICATE]).toBe(1);
    expect(r.uplinks()).toEqual([]);
    // random 0.5: one period later.
    r.hal.advance(PERIOD_MS - 10);
    expect(r.uplinks()).toEqual([]);
    r.hal.advance(20);
    r.hal.advance(3 * PERIOD_MS);
    // Once, with no ack requested, although no ack came: the gateway's re-target is the retry.
    const acks = r.uplinks();
    expect(acks.length).toBe(1);
    for (const a of acks)
      expect(a).toMatchObject({
        ok: true,
        frame: {
          deviceId: DEVICE_ID,
          msg: { type: "group-ack", ackedCounter: goldenSound.decoded.counter, result: 0 },
        },
      });
    const first = acks[0] as { ok: true; frame: { flags: number } };
    expect(first.frame.flags & FLAG_ACK_REQUESTED).toBe(0);
  });

  it("refuses another building's group, a wrong key and a replayed counter, counting each", () => {
    const r = rig();
    r.hal.inject(groupFrame(5, { id: GROUP.id + 1 }));
    r.hal.inject(groupFrame(5, { key: "ffeeddccbbaa99887766554433221100" }));
    expect(r.heard).toEqual([]);
    expect(r.link.stats[STAT_OTHER_DEVICE]).toBe(1);
    expect(r.link.stats[STAT_BAD_MAC]).toBe(1);
    r.hal.inject(groupFrame(100));
    r.hal.inject(groupFrame(20));
    expect(r.heard).toHaveLength(1);
    expect(r.link.stats[STAT_REPLAYED]).toBe(1);
  });

  it("does not take a group frame while its receiver sleeps", () => {
    const r = rig(undefined, 1000);
    r.hal.advance(2000);
    r.hal.inject(groupFrame(1));
    expect(r.heard).toEqual([]);
    expect(r.link.stats[STAT_NOT_LISTENING]).toBe(1);
  });

  it("keeps the group's counter window across a reboot", () => {
    const r = rig();
    r.hal.inject(groupFrame(7));
    const again = rig({ [GROUP_FILE]: r.hal.files[GROUP_FILE]! });
    again.hal.inject(groupFrame(7));
    again.hal.inject(groupFrame(6));
    expect(again.heard).toEqual([]);
    again.hal.inject(groupFrame(8, { mode: SOUND_STOP }));
    expect(again.heard).toMatchObject([{ type: "group-sound", mode: SOUND_STOP }]);
  });

  it("moves to a new group on the golden rekey and refuses the old group's frames", () => {
    const r = rig();
    r.hal.inject(groupFrame(50));
    r.hal.inject(fromHex(goldenRekey.wireHex)!);
    const newId =
      (goldenRekey.decoded.msg as { entries: { value: number }[] }).entries[0]!.value >>> 0;
    r.hal.inject(groupFrame(51));
    expect(r.link.stats[STAT_OTHER_DEVICE]).toBe(1);
    // The new group's window starts empty: counter 1 of the new group is fresh.
    r.hal.inject(groupFrame(1, { id: newId, key: golden.groupRekeyKeyHex }));
    expect(r.heard.map((m) => m.type)).toEqual(["group-sound", "group-sound"]);
    // The rekey survives a reboot.
    const again = rig({ [GROUP_FILE]: r.hal.files[GROUP_FILE]! });
    again.hal.inject(groupFrame(2, { id: newId, key: golden.groupRekeyKeyHex }));
    expect(again.heard).toHaveLength(1);
  });

  it("rejects a rekey whose entries are not the id and the four key words in order", () => {
    const r = rig();
    const entries = groupRekeyEntries(DEVICE_KEY, { id: 9, key: new Uint8Array(16) }, hmacSha256);
    const swapped = [entries[0]!, entries[2]!, entries[1]!, entries[3]!, entries[4]!];
    const cfg = (counter: number, e: typeof entries) =>
      frameBytes(
        encodeFrame(
          { deviceId: DEVICE_ID, counter, flags: 0, msg: { type: "config", entries: e } },
          DEVICE_KEY,
          hmacSha256,
        ),
      );
    r.hal.inject(cfg(1, swapped));
    r.hal.inject(cfg(2, entries.slice(0, 4)));
    const results = r
      .uplinks()
      .map((x) => (x.ok && x.frame.msg.type === "command-ack" ? x.frame.msg.result : -1));
    expect(results).toEqual([1, 1]);
    r.hal.inject(groupFrame(3));
    expect(r.heard).toHaveLength(1);
  });
});
