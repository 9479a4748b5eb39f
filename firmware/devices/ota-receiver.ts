/**
 * The device end of a firmware update (issue 14), kept small: no buffer per
 * chunk, the record of received chunks lives in Storage, not in RAM.
 *
 * Files (Espruino Storage):
 * - OTA_MANIFEST_FILE: the 44 manifest bytes of the transfer in progress;
 * - OTA_MAP_FILE: one byte per chunk, made erased (0xFF) and written 0x00 once
 *   the chunk is in its slot: flash can clear bits without an erase, so
 *   marking costs one byte write and survives a power cut;
 * - the image slot ("fw0"/"fw1", the one not selected), made the image's size
 *   at the begin and filled chunk by chunk at offset 44 * index;
 * - OTA_SELECT_FILE (JSON): which slot runs: {a: active, t: trial, n: trial
 *   boots, w: confirm ms, v: trial version, r: rollback reason}. The loader in
 *   ".bootcde" (BOOT_LOADER) reads it at every boot, so the switch is the one
 *   write of this file and the old image stays in its slot until the gateway
 *   confirms that the new one reported.
 *
 * Each chunk is written once (a duplicate finds its map byte cleared), so the
 * transfer survives loss, reordering, duplicates and restarts on either side;
 * the gateway asks for the map (OTA_OP_QUERY) and resends what is missing.
 * The whole image's SHA-256 is checked before it can be switched to.
 */
import {
  OTA_BITMAP_CHUNKS,
  OTA_CHUNK_BYTES,
  OTA_OP_ABORT,
  OTA_OP_CONFIRM,
  OTA_OP_QUERY,
  OTA_OP_SWITCH,
  OTA_REASON_BUSY,
  OTA_REASON_HASH_MISMATCH,
  OTA_REASON_INCOMPLETE,
  OTA_REASON_NO_TRANSFER,
  OTA_REASON_NONE,
  OTA_REASON_NOT_IN_FLASH,
  OTA_STATE_CONFIRMED,
  OTA_STATE_IDLE,
  OTA_STATE_RECEIVING,
  OTA_STATE_REFUSED,
  OTA_STATE_ROLLED_BACK,
  OTA_STATE_SWITCHED,
  OTA_STATE_VERIFIED,
  TYPE_OTA_BEGIN,
  TYPE_OTA_CHUNK,
  TYPE_OTA_STATUS,
} from "../../protocol/constants.js";
import { manifestProblem, manifestSize, manifestVersion } from "../../protocol/ota.js";
import { otaStatusPayload } from "../../protocol/payload-uplink.js";
import type { Hal } from "../hal/hal.js";
import type { Link } from "./link.js";

export const OTA_MANIFEST_FILE = "otam";
export const OTA_MAP_FILE = "otab";
export const OTA_SELECT_FILE = "fwsel";
/** What ".bootcde" held before the first update (the loader runs it while no slot is selected). */
export const OLD_BOOT_FILE = "fwboot";
const FLASHED_IMAGE_FILE = "haitang.js";
/** Boots of a new image without a confirm before the loader goes back to the old one. */
export const OTA_MAX_TRIAL_BOOTS = 3;
/** A new image that is not confirmed this long after it booted is rolled back. */
export const OTA_CONFIRM_MS = 600000;

/**
 * What ".bootcde" holds on an updatable device: runs the selected slot, counts
 * boots of a trial image and rolls back (reason 9) after OTA_MAX_TRIAL_BOOTS,
 * or (reason 8) when the trial is still unconfirmed after its w ms.
 */
export const BOOT_LOADER =
  'var s=require("Storage"),c=s.readJSON("fwsel",1)||{a:"fwboot"},f=c.a;' +
  'if(c.t){if(c.n<3){c.n++;f=c.t;s.writeJSON("fwsel",c);setTimeout(function(){' +
  'var d=s.readJSON("fwsel",1);if(d&&d.t){s.writeJSON("fwsel",{a:d.a,r:8});E.reboot()}},c.w)}' +
  'else s.writeJSON("fwsel",{a:c.a,r:9})}eval(s.read(f));';

/** The part of Espruino's require("Storage") the receiver uses. */
export interface OtaStorage {
  read(name: string, offset?: number, length?: number): string | undefined;
  write(name: string, data: string | Uint8Array, offset?: number, size?: number): unknown;
  erase(name: string): void;
}

interface Selection {
  a: string;
  t?: string;
  n?: number;
  w?: number;
  v?: number;
  r?: number;
}

export interface OtaReceiver {
  /** Reports a trial boot or a rollback, restores a transfer in progress. */
  start(nowMs: number): void;
  /** A verified TYPE_OTA_* downlink (the link checked MAC and counter). */
  frame(code: number, p: Uint8Array, nowMs: number): void;
}

/**
 * `running` is this image's version (versionNumber); `busy` is true while the
 * device must not start or switch an update (alarming, a port near its limit);
 * `reboot` restarts the board (E.reboot).
 */
export function createOtaReceiver(
  hal: Hal,
  link: Link,
  st: OtaStorage,
  deviceKind: number,
  boardCode: number,
  running: number,
  busy: () => boolean,
  reboot: () => void,
): OtaReceiver {
  let man: Uint8Array | undefined;
  let total = 0;
  let held = 0;
  let state = OTA_STATE_IDLE;

  function sel(): Selection {
    const t = st.read(OTA_SELECT_FILE);
    return t ? (JSON.parse(t) as Selection) : { a: OLD_BOOT_FILE };
  }

  function setSel(s: Selection): void {
    st.write(OTA_SELECT_FILE, JSON.stringify(s));
  }

  function slot(): string {
    return sel().a === "fw0" ? "fw1" : "fw0";
  }

  function status(s: number, reason: number, version: number, from: number, now: number): void {
    const have = new Uint8Array(OTA_BITMAP_CHUNKS / 8);
    const map = man ? st.read(OTA_MAP_FILE, from, OTA_BITMAP_CHUNKS) : undefined;
    if (map)
      for (let i = 0; i < map.length; i++)
        if (map.charCodeAt(i) === 0) have[i >> 3] = (have[i >> 3] as number) | (1 << (i & 7));
    state = s;
    // Every step but progress is an event the gateway must record: ack requested.
    link.send(
      TYPE_OTA_STATUS,
      otaStatusPayload(s, reason, version, held, total, from, have),
      s !== OTA_STATE_RECEIVING && s !== OTA_STATE_IDLE,
      now,
    );
  }

  function target(): number {
    return man ? manifestVersion(man, 2) : running;
  }

  function clear(): void {
    if (man) st.erase(slot());
    st.erase(OTA_MANIFEST_FILE);
    st.erase(OTA_MAP_FILE);
    man = undefined;
    total = 0;
    held = 0;
  }

  function refuse(reason: number, version: number, now: number): void {
    status(OTA_STATE_REFUSED, reason, version, 0, now);
  }

  function restore(): void {
    const m = st.read(OTA_MANIFEST_FILE);
    if (!m) return;
    man = new Uint8Array(m.length);
    for (let i = 0; i < m.length; i++) man[i] = m.charCodeAt(i);
    total = Math.ceil(manifestSize(man) / OTA_CHUNK_BYTES);
    const map = st.read(OTA_MAP_FILE) || "";
    held = 0;
    for (let i = 0; i < map.length; i++) if (map.charCodeAt(i) === 0) held++;
    state = OTA_STATE_RECEIVING;
  }

  function sameManifest(p: Uint8Array): boolean {
    if (!man) return false;
    for (let i = 0; i < p.length; i++) if (p[i] !== man[i]) return false;
    return true;
  }

  function begin(p: Uint8Array, now: number): void {
    const v = manifestVersion(p, 2);
    if (sameManifest(p)) {
      status(state, OTA_REASON_NONE, v, 0, now);
      return;
    }
    if (busy()) {
      refuse(OTA_REASON_BUSY, v, now);
      return;
    }
    // Room: what the running image does not use is no concern of ours; the manifest's
    // size is bounded by the u16 chunk index.
    const why = manifestProblem(p, deviceKind, boardCode, running, 0xffff * OTA_CHUNK_BYTES);
    if (why !== OTA_REASON_NONE) {
      refuse(why, v, now);
      return;
    }
    clear();
    man = p.slice(0);
    total = Math.ceil(manifestSize(man) / OTA_CHUNK_BYTES);
    st.write(slot(), "\xff", 0, manifestSize(man));
    st.write(OTA_MAP_FILE, "\xff", 0, total);
    // The manifest last: a begin cut short by a power loss leaves no transfer behind.
    st.write(OTA_MANIFEST_FILE, man);
    status(OTA_STATE_RECEIVING, OTA_REASON_NONE, v, 0, now);
  }

  function verify(now: number): void {
    const m = man as Uint8Array;
    const name = slot();
    const text = st.read(name) || "";
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    const h = hal.sha256(bytes);
    for (let i = 0; i < 32; i++) {
      if (h[i] !== m[12 + i]) {
        const v = manifestVersion(m, 2);
        clear();
        refuse(OTA_REASON_HASH_MISMATCH, v, now);
        return;
      }
    }
    status(OTA_STATE_VERIFIED, OTA_REASON_NONE, manifestVersion(m, 2), 0, now);
  }

  function chunk(p: Uint8Array, now: number): void {
    if (!man) return;
    const index = (p[0] as number) * 256 + (p[1] as number);
    const size = manifestSize(man);
    const len = Math.min(OTA_CHUNK_BYTES, size - index * OTA_CHUNK_BYTES);
    if (index >= total || p.length - 2 !== len) return;
    if (st.read(OTA_MAP_FILE, index, 1) === "\0") return; // a duplicate: written already
    st.write(slot(), p.subarray(2), index * OTA_CHUNK_BYTES);
    st.write(OTA_MAP_FILE, "\0", index);
    held++;
    if (held === total) verify(now);
  }

  function switchOver(now: number): void {
    if (!man) {
      refuse(OTA_REASON_NO_TRANSFER, running, now);
      return;
    }
    if (state !== OTA_STATE_VERIFIED) {
      refuse(OTA_REASON_INCOMPLETE, target(), now);
      return;
    }
    if (busy()) {
      refuse(OTA_REASON_BUSY, target(), now);
      return;
    }
    const s = sel();
    const boot = st.read(".bootcde");
    // Code uploaded to RAM only: there is no old image to come back to.
    if (!boot) {
      refuse(OTA_REASON_NOT_IN_FLASH, target(), now);
      return;
    }
    // The first update of a board as `haitang flash` left it: what ".bootcde" held (the
    // image, or the line that runs it) is kept as OLD_BOOT_FILE, the loader's default,
    // before the loader replaces it: every step leaves something that boots.
    if (boot !== BOOT_LOADER) {
      st.write(OLD_BOOT_FILE, boot);
      st.write(".bootcde", BOOT_LOADER);
    }
    const t = slot();
    const v = target();
    st.erase(OTA_MANIFEST_FILE);
    st.erase(OTA_MAP_FILE);
    man = undefined;
    setSel({ a: s.a, t: t, n: 0, w: OTA_CONFIRM_MS, v: v });
    reboot();
  }

  function control(op: number, arg: number, now: number): void {
    if (op === OTA_OP_QUERY) {
      status(state, OTA_REASON_NONE, target(), arg, now);
      return;
    }
    if (op === OTA_OP_SWITCH) {
      switchOver(now);
      return;
    }
    if (op === OTA_OP_ABORT) {
      clear();
      status(OTA_STATE_IDLE, OTA_REASON_NONE, running, 0, now);
      return;
    }
    if (op === OTA_OP_CONFIRM) {
      const s = sel();
      if (s.t && s.v === running) {
        setSel({ a: s.t });
        // The old image is released: its flash is free for the next update.
        st.erase(s.a);
        // `haitang flash` keeps the first image in this file (installer/storage-install.ts).
        if (s.a === OLD_BOOT_FILE) st.erase(FLASHED_IMAGE_FILE);
      }
      // Also after a restart: the gateway repeats its confirm until it hears this.
      status(OTA_STATE_CONFIRMED, OTA_REASON_NONE, running, 0, now);
    }
  }

  return {
    start: function (now) {
      const s = sel();
      if (s.t && s.v === running) {
        status(OTA_STATE_SWITCHED, OTA_REASON_NONE, running, 0, now);
        return;
      }
      if (s.r) {
        setSel({ a: s.a });
        status(OTA_STATE_ROLLED_BACK, s.r, running, 0, now);
        return;
      }
      restore();
      // Power lost between the last chunk and the hash check.
      if (man && held === total) verify(now);
    },
    frame: function (code, p, now) {
      if (code === TYPE_OTA_BEGIN) begin(p, now);
      else if (code === TYPE_OTA_CHUNK) chunk(p, now);
      else control(p[0] as number, (p[1] as number) * 256 + (p[2] as number), now);
    },
  };
}
