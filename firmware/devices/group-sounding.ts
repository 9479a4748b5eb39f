/**
 * The building group sounding on a detector (TYPE_GROUP_SOUND, docs/protocol.md):
 * one frame from the gateway sounds every detector of the building. The frame
 * carries the building's group id in the header's device id field, the group's
 * own counter and a MAC under the building group key that the device got at
 * commissioning (its device config's `group`) or from a group rekey.
 *
 * Checks, in order (each rejection counted in the link's stats): decode, group
 * id (another building's group: STAT_OTHER_DEVICE), MAC under the group key,
 * the group's own counter window (persisted, so a reboot does not re-open an
 * old sounding). The link has already checked that the receiver listens.
 *
 * A fresh sounding goes to the detector's command handler, and the detector
 * acknowledges it once (TYPE_GROUP_ACK) after a random delay within two
 * listening periods: the building's acknowledgements then spread out instead
 * of colliding on the channel (gateway/downlink/README.md has the load).
 * The acknowledgement asks for no ack and is sent once: the gateway's
 * re-target of a member it did not hear from is the retry. Acks of acks (and
 * the retries of acks that wait behind a wake-up preamble) took more than
 * half of a 9,600-baud line in the simulator's scenario 21.
 *
 * A group rekey is a signed config downlink: CONFIG_GROUP_ID and the four key
 * words, each XORed with HMAC-SHA256(device key, group id)'s same word.
 */
import { readU32, writeU32 } from "../../protocol/bytes.js";
import { decodeDownlinkFrame, verifyFrame } from "../../protocol/codec.js";
import {
  COMMAND_RESULT_OK,
  COMMAND_RESULT_REJECTED,
  CONFIG_GROUP_ID,
  CONFIG_GROUP_KEY_0,
  TYPE_GROUP_ACK,
} from "../../protocol/constants.js";
import { acceptCounter, checkCounter, emptyWindow } from "../../protocol/counter-window.js";
import type { HmacFn } from "../../protocol/hmac.js";
import type { ConfigEntry, DownlinkMsg } from "../../protocol/messages.js";
import { commandAckPayload } from "../../protocol/payload-uplink.js";
import type { Hal } from "../hal/hal.js";
import {
  type CommandHandler,
  type Link,
  STAT_BAD_MAC,
  STAT_COMMANDS,
  STAT_DUPLICATE,
  STAT_MALFORMED,
  STAT_OTHER_DEVICE,
  STAT_REPLAYED,
} from "./link.js";

/** Storage file: [group id, key words x4, highest counter accepted] as JSON. */
export const GROUP_FILE = "hgrp";

export interface GroupSounding {
  /** A TYPE_GROUP_SOUND frame heard while listening. */
  frame(bytes: Uint8Array, nowMs: number): void;
  /** A config downlink whose first key is CONFIG_GROUP_ID: the new group. */
  rekey(entries: ConfigEntry[]): number;
}

/** A key from its 32 hex digits (the build's schema checks the form). */
export function keyFromHex(hex: string): Uint8Array {
  const k = new Uint8Array(16);
  for (let i = 0; i < 16; i++) k[i] = parseInt(hex.substr(i * 2, 2), 16);
  return k;
}

/**
 * `group` is the build's (id and key hex); a later rekey kept in Storage wins.
 * `periodMs`: the listening period; the acknowledgement is spread over two.
 */
export function createGroupSounding(
  hal: Hal,
  link: Link,
  hmac: HmacFn,
  deviceKey: Uint8Array,
  group: { id: number; key: string },
  periodMs: number,
  onSound: CommandHandler,
): GroupSounding {
  let gid = group.id >>> 0;
  let key = keyFromHex(group.key);
  let win = emptyWindow();
  const stored = hal.load(GROUP_FILE);
  if (stored !== undefined) {
    const s = JSON.parse(stored) as number[];
    gid = (s[0] as number) >>> 0;
    for (let i = 0; i < 4; i++) writeU32(key, i * 4, (s[i + 1] as number) >>> 0);
    // Everything at or below the last accepted sounding is refused after a reboot.
    if ((s[5] as number) >= 0)
      win = { highest: s[5] as number, maskLo: -1 >>> 0, maskHi: -1 >>> 0 };
  }

  function save(): void {
    const s = [gid];
    for (let i = 0; i < 4; i++) s.push(readU32(key, i * 4));
    s.push(win.highest);
    hal.save(GROUP_FILE, JSON.stringify(s));
  }

  return {
    frame: function (bytes, nowMs) {
      const r = decodeDownlinkFrame(bytes);
      const st = link.stats;
      if (!r.ok) st[STAT_MALFORMED]!++;
      else if (r.frame.deviceId !== gid) st[STAT_OTHER_DEVICE]!++;
      else if (!verifyFrame(bytes, key, hmac)) st[STAT_BAD_MAC]!++;
      else {
        const c = r.frame.counter;
        const v = checkCounter(win, c);
        if (v !== "ok") {
          st[v === "replay" ? STAT_REPLAYED : STAT_DUPLICATE]!++;
          return;
        }
        win = acceptCounter(win, c);
        st[STAT_COMMANDS]!++;
        // Persist before acting: a reboot must not make this sounding acceptable again.
        save();
        const result = onSound(r.frame.msg as DownlinkMsg, nowMs);
        hal.after(Math.floor(hal.random() * 2 * periodMs), function () {
          link.send(TYPE_GROUP_ACK, commandAckPayload(c, result), false, hal.nowMs());
        });
      }
    },

    rekey: function (entries) {
      if (entries.length !== 5 || entries[0]!.key !== CONFIG_GROUP_ID)
        return COMMAND_RESULT_REJECTED;
      const id = entries[0]!.value >>> 0;
      const idBytes = new Uint8Array(4);
      writeU32(idBytes, 0, id);
      const pad = hmac(deviceKey, idBytes);
      const k = new Uint8Array(16);
      for (let i = 0; i < 4; i++) {
        const e = entries[i + 1]!;
        if (e.key !== CONFIG_GROUP_KEY_0 + i) return COMMAND_RESULT_REJECTED;
        writeU32(k, i * 4, (e.value ^ readU32(pad, i * 4)) >>> 0);
      }
      gid = id;
      key = k;
      win = emptyWindow();
      save();
      return COMMAND_RESULT_OK;
    },
  };
}
