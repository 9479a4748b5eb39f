import { describe, expect, it } from "vitest";
import {
  OTA_REASON_BUSY,
  OTA_REASON_DOWNGRADE,
  OTA_REASON_NO_TRANSFER,
  OTA_STATE_CONFIRMED,
  OTA_STATE_RECEIVING,
  OTA_STATE_REFUSED,
  OTA_STATE_SWITCHED,
  OTA_STATE_VERIFIED,
} from "../../protocol/constants.js";
import type { DownlinkMsg, OtaStatusMsg } from "../../protocol/messages.js";
import { encodeManifest } from "../../protocol/ota.js";
import { sha256 } from "../../protocol/sha256.js";
import { ChunkMap } from "./chunk-map.js";
import {
  ANSWER_TIMEOUT_MS,
  BUSY_RETRY_MS,
  QUERY_EVERY,
  TransferSession,
} from "./transfer-session.js";

const image = new Uint8Array(44 * 100 + 10).map((_, i) => i & 0xff);
const manifest = encodeManifest({
  deviceKind: 1,
  boardCode: 2,
  version: "1.1.0",
  minVersion: "1.0.0",
  force: false,
  size: image.length,
  sha256: sha256(image),
});

function status(state: number, have: (i: number) => boolean, from = 0, minor = 1): OtaStatusMsg {
  const bits = new Uint8Array(8);
  for (let k = 0; k < 64; k++)
    if (have(from + k)) bits[k >> 3] = (bits[k >> 3] as number) | (1 << (k & 7));
  return {
    type: "ota-status",
    state,
    reason: 0,
    fwMajor: 1,
    fwMinor: minor,
    fwPatch: 0,
    received: 0,
    total: 101,
    from,
    have: bits,
  };
}

describe("transfer session", () => {
  it("begins, sends every chunk with a query every few, resends only what the device lacks, switches and confirms", () => {
    const s = new TransferSession(image, manifest);
    expect(s.next(0)).toMatchObject({ type: "ota-begin" });
    expect(s.next(1)).toBeUndefined(); // waiting for the device's answer
    s.onStatus(status(OTA_STATE_RECEIVING, () => false));
    const sent: DownlinkMsg[] = [];
    for (let i = 0; i <= QUERY_EVERY; i++) sent.push(s.next(2)!);
    expect(sent.slice(0, QUERY_EVERY).map((m) => (m as { index: number }).index)).toEqual(
      Array.from({ length: QUERY_EVERY }, (_, i) => i),
    );
    expect(sent[QUERY_EVERY]).toMatchObject({ type: "ota-control", op: 1, arg: 0 });
    // The device holds every even chunk of the first window: only the odd ones come again.
    s.onStatus(status(OTA_STATE_RECEIVING, (i) => i % 2 === 0 && i < QUERY_EVERY));
    expect(s.next(3)).toMatchObject({ type: "ota-chunk", index: 1 });
    expect(s.next(3)).toMatchObject({ type: "ota-chunk", index: 3 });
    // Half of the first QUERY_EVERY chunks of 101 are held.
    expect(s.percent()).toBe(Math.floor((100 * QUERY_EVERY) / 2 / 101));
    s.onStatus(status(OTA_STATE_VERIFIED, () => true));
    expect(s.percent()).toBe(100);
    expect(s.next(4)).toMatchObject({ type: "ota-control", op: 2 });
    // No answer: the gateway asks again after the timeout.
    expect(s.next(5)).toBeUndefined();
    expect(s.next(5 + ANSWER_TIMEOUT_MS)).toMatchObject({ type: "ota-control", op: 1 });
    s.onStatus(status(OTA_STATE_SWITCHED, () => false));
    expect(s.phase).toBe("confirming");
    expect(s.next(10_000)).toMatchObject({ type: "ota-control", op: 3 });
    s.onStatus(status(OTA_STATE_CONFIRMED, () => false, 0, 0)); // still the old version: not done
    expect(s.phase).toBe("confirming");
    s.onStatus(status(OTA_STATE_CONFIRMED, () => false));
    expect(s.phase).toBe("done");
    expect(s.next(20_000)).toBeUndefined();
  });

  it("ends with the device's reason when it refuses", () => {
    const s = new TransferSession(image, manifest);
    s.next(0);
    s.onStatus({ ...status(OTA_STATE_REFUSED, () => false), reason: OTA_REASON_DOWNGRADE });
    expect(s.phase).toBe("failed");
    expect(s.reason).toBe(OTA_REASON_DOWNGRADE);
    expect(s.next(10_000)).toBeUndefined();
  });

  it("waits and begins again when the device is busy (alarming or sounding), never fails for it", () => {
    const s = new TransferSession(image, manifest);
    s.next(0);
    s.onStatus({ ...status(OTA_STATE_REFUSED, () => false), reason: OTA_REASON_BUSY });
    expect(s.phase).toBe("begin");
    expect(s.next(1000)).toBeUndefined();
    expect(s.nudge(2000, true)).toBeUndefined(); // a forced nudge too waits out the busy device
    expect(s.next(1000 + BUSY_RETRY_MS)).toMatchObject({ type: "ota-begin" });
  });

  it("confirms a device that refuses a late second switch because it already switched", () => {
    const s = new TransferSession(image, manifest);
    s.next(0);
    s.onStatus(status(OTA_STATE_VERIFIED, () => true));
    expect(s.next(1)).toMatchObject({ type: "ota-control", op: 2 });
    s.onStatus(status(OTA_STATE_VERIFIED, () => true)); // a reordered answer to an older query
    expect(s.next(2)).toMatchObject({ type: "ota-control", op: 2 });
    s.onStatus(status(OTA_STATE_SWITCHED, () => false));
    expect(s.phase).toBe("confirming");
    // The second switch arrives after the reboot into the new image.
    s.onStatus({ ...status(OTA_STATE_REFUSED, () => false), reason: OTA_REASON_NO_TRANSFER });
    expect(s.phase).toBe("confirming");
    // A query then finds it still in that refused state, without a reason: not a failure.
    s.onStatus(status(OTA_STATE_REFUSED, () => false));
    expect(s.phase).toBe("confirming");
    expect(s.next(10_000)).toMatchObject({ type: "ota-control", op: 3 });
    const old = new TransferSession(image, manifest);
    old.next(0);
    old.onStatus({
      ...status(OTA_STATE_REFUSED, () => false, 0, 0),
      reason: OTA_REASON_NO_TRANSFER,
    });
    expect(old.phase).toBe("failed"); // still the old version: a real refusal
  });

  it("keeps its chunk map through hex (a gateway restart)", () => {
    const m = new ChunkMap(101);
    m.noteStatus(status(OTA_STATE_RECEIVING, (i) => i % 3 === 0, 64));
    const back = ChunkMap.fromHex(101, m.toHex());
    expect(back.held()).toBe(m.held());
    expect(back.missing(3)).toEqual([0, 1, 2]);
    expect(back.queryFrom()).toBe(0);
  });
});
