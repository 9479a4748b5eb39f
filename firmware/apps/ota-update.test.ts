/**
 * Firmware update on the BUILT images in the sandbox, booted from Storage as
 * `haitang flash` leaves a board (image in "haitang.js", a one-line
 * ".bootcde"). This test is the gateway: it signs OTA frames with the device
 * key and reads the device's OTA status frames.
 */
import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { ChunkMap, chunkOf } from "../../gateway/ota/chunk-map.js";
import { BOOT_LOADER as FLASH_LOADER, IMAGE_FILE } from "../../installer/storage-install.js";
import { fromHex } from "../../protocol/bytes.js";
import {
  OTA_OP_CONFIRM,
  OTA_OP_QUERY,
  OTA_OP_SWITCH,
  OTA_REASON_BOOT_CRASH,
  OTA_REASON_DOWNGRADE,
  OTA_REASON_HASH_MISMATCH,
  OTA_REASON_NO_REPORT,
  OTA_REASON_NONE,
  OTA_STATE_CONFIRMED,
  OTA_STATE_RECEIVING,
  OTA_STATE_REFUSED,
  OTA_STATE_ROLLED_BACK,
  OTA_STATE_SWITCHED,
  OTA_STATE_VERIFIED,
} from "../../protocol/constants.js";
import { Deframer, frameBytes } from "../../protocol/framing.js";
import type { DownlinkMsg, Frame, OtaStatusMsg, StatusMsg } from "../../protocol/messages.js";
import { encodeManifest, OTA_BOARD_CODES, type OtaManifest } from "../../protocol/ota.js";
import { sha256 } from "../../protocol/sha256.js";
import { buildFirmware } from "../build/build.js";
import type { DeviceConfig } from "../device-config.js";
import { OTA_CONFIRM_MS, OTA_MANIFEST_FILE, OTA_SELECT_FILE } from "../devices/ota-receiver.js";
import { FakeGateway } from "../hal/fake-gateway.js";
import { BOOT_CODE_FILE, type FirmwareSandbox, loadFirmware } from "../sandbox/sandbox.js";

const nodeHmac = (key: Uint8Array, data: Uint8Array) =>
  new Uint8Array(createHmac("sha256", key).update(data).digest());

const CHARGER: DeviceConfig = {
  deviceId: 0xc4a70101,
  kind: "charger",
  key: "5a5b5c5d5e5f60616263646566676869",
  heartbeatS: 600,
  listenWindowMs: 0,
  link: { type: "uart", baud: 9600 },
  pins: { temp: "A0", power0: "A1", power1: "A2", relay0: "B3", relay1: "B4" },
  charger: {
    ports: 2,
    portLimitW: 1100,
    portOverloadS: 3,
    shedLimitW: 8700,
    shedRefuseW: 8000,
    overTempDeciC: 650,
    overTempHysteresisDeciC: 100,
    shortCircuitW: 3000,
    fullChargeW: 30,
    fullChargeS: 300,
    sessionMaxS: 43200,
    telemetryIntervalS: 30,
  },
};

const bin = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function manifestOf(code: string, version: string, change: Partial<OtaManifest> = {}) {
  const image = bin(code);
  return {
    image,
    manifest: encodeManifest({
      deviceKind: 2,
      boardCode: OTA_BOARD_CODES.PICO!,
      version,
      minVersion: "0.0.0",
      force: false,
      size: image.length,
      sha256: sha256(image),
      ...change,
    }),
  };
}

interface Rig {
  sb: FirmwareSandbox;
  storage: Map<string, string>;
  gw: FakeGateway;
  ota: OtaStatusMsg[];
  status: StatusMsg[];
  send(msg: DownlinkMsg): void;
}

/** A charger flashed with `code` as `haitang flash` leaves it, booted. */
function flashed(code: string): Rig {
  const storage = new Map<string, string>([
    [IMAGE_FILE, code],
    [BOOT_CODE_FILE, FLASH_LOADER],
  ]);
  const sb = loadFirmware("/* flashed */", { board: "PICO", storage, bootFromStorage: true });
  const gw = new FakeGateway(CHARGER.deviceId, fromHex(CHARGER.key)!, nodeHmac);
  const rig: Rig = { sb, storage, gw, ota: [], status: [], send: () => {} };
  const deframer = new Deframer((bytes) => {
    const [f] = gw.decode([frameBytes(bytes)]); // throws on a bad MAC
    note(rig, f!);
  });
  sb.onSerialWrite((b) => deframer.push(b));
  rig.send = (msg) => sb.serialInput(gw.downlink(msg));
  sb.start();
  sb.advance(100);
  return rig;
}

function note(rig: Rig, f: Frame): void {
  if (f.msg.type === "ota-status") {
    rig.ota.push(f.msg);
    // Every step the gateway must record is sent with ack requested: ack it as a gateway does.
    if (f.flags & 1) rig.sb.serialInput(rig.gw.ack(f.counter));
  }
  if (f.msg.type === "status") rig.status.push(f.msg);
}

function last(rig: Rig): OtaStatusMsg {
  return rig.ota[rig.ota.length - 1]!;
}

/** A tiny deterministic random source. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/**
 * Sends the image as the gateway does: rounds of every chunk not known held,
 * shuffled, 20 % lost and 10 % duplicated, then a query per bitmap window;
 * `between(round)` runs after each round (power cuts).
 */
function transfer(
  rig: Rig,
  image: Uint8Array,
  manifest: Uint8Array,
  between: (round: number) => void = () => {},
): number {
  const map = ChunkMap.forImage(image.length);
  const random = rng(7);
  rig.send({ type: "ota-begin", manifest });
  rig.sb.advance(50);
  let round = 0;
  for (; round < 40; round++) {
    const todo = map.missing(map.total);
    if (todo.length === 0) break;
    todo.sort(() => random() - 0.5);
    for (const i of todo) {
      if (random() < 0.2) continue;
      const msg: DownlinkMsg = { type: "ota-chunk", index: i, data: chunkOf(image, i) };
      rig.send(msg);
      if (random() < 0.1) rig.send(msg);
      rig.sb.advance(5);
    }
    between(round);
    for (let from = 0; from < map.total; from += 64) {
      const before = rig.ota.length;
      rig.send({ type: "ota-control", op: OTA_OP_QUERY, arg: from });
      rig.sb.advance(20);
      for (const s of rig.ota.slice(before)) if (s.total === map.total) map.noteStatus(s);
    }
  }
  return round;
}

describe("firmware update of a built charger image", () => {
  let v1: string;
  let v2: string;
  let silent: string;
  let crash: string;
  beforeAll(async () => {
    const build = (version: string, entry?: string) =>
      buildFirmware({
        kind: "charger",
        board: "PICO",
        device: CHARGER,
        version,
        ...(entry ? { entry } : {}),
      });
    [v1, v2, silent, crash] = (
      await Promise.all([
        build("1.0.0"),
        build("1.1.0"),
        build("1.1.0", "firmware/build/fixtures/silent-app.ts"),
        build("1.1.0", "firmware/build/fixtures/crash-app.ts"),
      ])
    ).map((r) => r.code) as [string, string, string, string];
  }, 120_000);

  it("takes the image over a lossy, reordering, duplicating link through a power cut, verifies, switches and is confirmed", () => {
    const rig = flashed(v1);
    expect(rig.status.at(-1)).toMatchObject({ fwMajor: 1, fwMinor: 0 });
    const { image, manifest } = manifestOf(v2, "1.1.0");
    const rounds = transfer(rig, image, manifest, (round) => {
      if (round === 0) rig.sb.reboot(); // power cut mid-transfer: the map is in Storage
    });
    expect(rounds).toBeGreaterThan(1);
    expect(rig.ota.some((s) => s.state === OTA_STATE_RECEIVING)).toBe(true);
    const verified = rig.ota.find((s) => s.state === OTA_STATE_VERIFIED)!;
    expect(verified).toMatchObject({ fwMajor: 1, fwMinor: 1, received: verified.total });
    expect(rig.storage.get("fw0")).toBe(v2);

    rig.send({ type: "ota-control", op: OTA_OP_SWITCH, arg: 0 });
    rig.sb.advance(200);
    expect(rig.storage.get(BOOT_CODE_FILE)).not.toBe(FLASH_LOADER);
    expect(last(rig)).toMatchObject({ state: OTA_STATE_SWITCHED, fwMajor: 1, fwMinor: 1 });
    expect(rig.status.at(-1)).toMatchObject({ fwMajor: 1, fwMinor: 1 });
    // Not confirmed yet: the old image is still there to come back to.
    expect(rig.storage.get(IMAGE_FILE)).toBe(v1);

    rig.send({ type: "ota-control", op: OTA_OP_CONFIRM, arg: 0 });
    rig.sb.advance(50);
    expect(last(rig)).toMatchObject({ state: OTA_STATE_CONFIRMED, fwMinor: 1 });
    expect(JSON.parse(rig.storage.get(OTA_SELECT_FILE)!)).toEqual({ a: "fw0" });
    expect(rig.storage.has(IMAGE_FILE)).toBe(false);
    // Long after the confirm window and a power cut, it still runs the new image.
    rig.sb.advance(OTA_CONFIRM_MS + 1000);
    rig.sb.reboot();
    rig.sb.advance(100);
    expect(rig.status.at(-1)).toMatchObject({ fwMajor: 1, fwMinor: 1 });
    expect(rig.sb.errors).toEqual([]);
  }, 60_000);

  it("refuses an image whose bytes do not match the manifest's hash, and keeps running", () => {
    const rig = flashed(v1);
    const { image } = manifestOf(v2, "1.1.0");
    const forged = manifestOf(`${v2.slice(0, -1)} `, "1.1.0").manifest;
    transfer(rig, image, forged);
    expect(rig.ota.find((s) => s.state === OTA_STATE_REFUSED)).toMatchObject({
      reason: OTA_REASON_HASH_MISMATCH,
    });
    expect(rig.storage.has(OTA_MANIFEST_FILE)).toBe(false);
    rig.send({ type: "ota-control", op: OTA_OP_SWITCH, arg: 0 });
    rig.sb.advance(100);
    expect(rig.storage.get(BOOT_CODE_FILE)).toBe(FLASH_LOADER);
  }, 60_000);

  it("refuses a downgrade unless the signed manifest forces it, and a begin under another key", () => {
    const rig = flashed(v2);
    const older = manifestOf(v1, "1.0.0");
    rig.send({ type: "ota-begin", manifest: older.manifest });
    rig.sb.advance(50);
    expect(last(rig)).toMatchObject({ state: OTA_STATE_REFUSED, reason: OTA_REASON_DOWNGRADE });
    const forced = manifestOf(v1, "1.0.0", { force: true });
    const n = rig.ota.length;
    // A forged begin (wrong key) gets no answer and changes nothing.
    rig.sb.serialInput(
      rig.gw.downlink(
        { type: "ota-begin", manifest: forced.manifest },
        undefined,
        new Uint8Array(16),
      ),
    );
    rig.sb.advance(50);
    expect(rig.ota.length).toBe(n);
    expect(rig.storage.has(OTA_MANIFEST_FILE)).toBe(false);
    rig.send({ type: "ota-begin", manifest: forced.manifest });
    rig.sb.advance(50);
    expect(last(rig)).toMatchObject({ state: OTA_STATE_RECEIVING, reason: OTA_REASON_NONE });
  }, 60_000);

  it("rolls back by itself when the new image does not report within the confirm time", () => {
    const rig = flashed(v1);
    const { image, manifest } = manifestOf(silent, "1.1.0");
    transfer(rig, image, manifest);
    rig.send({ type: "ota-control", op: OTA_OP_SWITCH, arg: 0 });
    rig.sb.advance(1000);
    expect(rig.ota.some((s) => s.state === OTA_STATE_SWITCHED)).toBe(false);
    rig.sb.advance(OTA_CONFIRM_MS);
    expect(last(rig)).toMatchObject({
      state: OTA_STATE_ROLLED_BACK,
      reason: OTA_REASON_NO_REPORT,
      fwMajor: 1,
      fwMinor: 0,
    });
    expect(rig.status.at(-1)).toMatchObject({ fwMinor: 0 });
  }, 60_000);

  it("rolls back by itself when the new image restarts at every boot", () => {
    const rig = flashed(v1);
    const { image, manifest } = manifestOf(crash, "1.1.0");
    transfer(rig, image, manifest);
    rig.send({ type: "ota-control", op: OTA_OP_SWITCH, arg: 0 });
    rig.sb.advance(1000);
    expect(last(rig)).toMatchObject({
      state: OTA_STATE_ROLLED_BACK,
      reason: OTA_REASON_BOOT_CRASH,
    });
    expect(rig.status.at(-1)).toMatchObject({ fwMinor: 0 });
  }, 60_000);
});
