import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "./bytes.js";
import {
  decodeDownlinkFrame,
  decodeFrame,
  decodeUplinkFrame,
  encodeFrame,
  verifyFrame,
} from "./codec.js";
import {
  MAX_FRAME_LENGTH,
  OTA_CHUNK_BYTES,
  OTA_REASON_DOWNGRADE,
  OTA_REASON_MIN_VERSION,
  OTA_REASON_NONE,
  OTA_REASON_TOO_LARGE,
  OTA_REASON_WRONG_BOARD,
  OTA_REASON_WRONG_KIND,
} from "./constants.js";
import { frameBytes } from "./framing.js";
import golden from "./golden-vectors.json" with { type: "json" };
import { type HmacFn, hmacSha256 } from "./hmac.js";
import type { Frame } from "./messages.js";
import {
  chunkCount,
  decodeManifest,
  encodeManifest,
  manifestProblem,
  type OtaManifest,
  versionNumber,
} from "./ota.js";
import { packageTag, packageTagMatches } from "./ota-tag.js";
import { sha256 } from "./sha256.js";

const key = fromHex(golden.keyHex)!;
const nodeHmac: HmacFn = (k, d) => new Uint8Array(createHmac("sha256", k).update(d).digest());

/** decoded.msg with its hex fields as bytes. */
function withBytes(decoded: (typeof golden.otaVectors)[number]["decoded"]): Frame {
  const msg: Record<string, unknown> = { ...decoded.msg };
  for (const k of ["manifest", "data", "have"])
    if (typeof msg[k] === "string") msg[k] = fromHex(msg[k] as string);
  return { ...decoded, msg } as unknown as Frame;
}

describe("OTA golden vectors", () => {
  it.each(golden.otaVectors.map((v) => [v.name, v] as const))(
    "%s decodes, verifies and re-encodes within 64 bytes",
    (_n, v) => {
      const bytes = fromHex(v.frameHex)!;
      const frame = withBytes(v.decoded);
      expect(decodeFrame(bytes)).toEqual({ ok: true, frame });
      const downlink = ((bytes[1] as number) & 0x80) !== 0;
      // Devices read OTA downlinks raw: the device-side decoder does not carry them.
      if (downlink)
        expect(decodeDownlinkFrame(bytes)).toMatchObject({ ok: false, reason: "unknown-type" });
      else expect(decodeUplinkFrame(bytes)).toEqual({ ok: true, frame });
      expect(verifyFrame(bytes, key, nodeHmac)).toBe(true);
      expect(toHex(encodeFrame(frame, key, hmacSha256))).toBe(v.frameHex);
      expect(toHex(frameBytes(bytes))).toBe(v.wireHex);
      expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_LENGTH);
    },
  );

  it("fits a full chunk exactly into one 64-byte frame", () => {
    const f = encodeFrame(
      {
        deviceId: 1,
        counter: 1,
        flags: 0,
        msg: { type: "ota-chunk", index: 7, data: new Uint8Array(OTA_CHUNK_BYTES) },
      },
      key,
      hmacSha256,
    );
    expect(f.length).toBe(MAX_FRAME_LENGTH);
  });

  it("refuses a chunk frame without data or with more than one chunk of it", () => {
    const empty = fromHex(golden.otaVectors[1]!.frameHex)!.slice(0, 12);
    const sealed = new Uint8Array(20);
    sealed.set(empty);
    expect(decodeFrame(sealed)).toMatchObject({ ok: false, reason: "length" });
  });
});

const image = new TextEncoder().encode("x".repeat(1000));
const base: OtaManifest = {
  deviceKind: 1,
  boardCode: 2,
  version: "1.3.0",
  minVersion: "1.0.0",
  force: false,
  size: image.length,
  sha256: sha256(image),
};

describe("manifest", () => {
  it("round-trips every field", () => {
    const back = decodeManifest(encodeManifest({ ...base, force: true, size: 0x123456 }));
    expect(back).toEqual({ ...base, force: true, size: 0x123456 });
    expect(decodeManifest(new Uint8Array(43))).toBeUndefined();
  });

  it("counts chunks of OTA_CHUNK_BYTES", () => {
    expect(chunkCount(1)).toBe(1);
    expect(chunkCount(OTA_CHUNK_BYTES)).toBe(1);
    expect(chunkCount(OTA_CHUNK_BYTES + 1)).toBe(2);
  });

  const running = versionNumber("1.2.0");
  it.each([
    ["a newer image for this kind and board", {}, OTA_REASON_NONE],
    ["another kind", { deviceKind: 2 }, OTA_REASON_WRONG_KIND],
    ["another board", { boardCode: 3 }, OTA_REASON_WRONG_BOARD],
    ["an older image", { version: "1.1.9" }, OTA_REASON_DOWNGRADE],
    ["the same version again", { version: "1.2.0" }, OTA_REASON_DOWNGRADE],
    [
      "an older image with the signed force flag",
      { version: "1.1.9", force: true },
      OTA_REASON_NONE,
    ],
    [
      "an image that needs a newer running version",
      { minVersion: "1.2.1" },
      OTA_REASON_MIN_VERSION,
    ],
    ["an image larger than the room", { size: 5000 }, OTA_REASON_TOO_LARGE],
    ["an empty image", { size: 0 }, OTA_REASON_TOO_LARGE],
  ] as const)("decides on %s", (_n, change, reason) => {
    const m = encodeManifest({ ...base, ...change });
    expect(manifestProblem(m, 1, 2, running, 4096)).toBe(reason);
  });

  it("tags a package per device: another device id or a changed manifest does not verify", () => {
    const m = encodeManifest(base);
    const tag = packageTag(nodeHmac, key, m, 0x5d000001);
    expect(packageTagMatches(hmacSha256, key, m, 0x5d000001, tag)).toBe(true);
    expect(packageTagMatches(hmacSha256, key, m, 0x5d000002, tag)).toBe(false);
    const forced = encodeManifest({ ...base, force: true });
    expect(packageTagMatches(hmacSha256, key, forced, 0x5d000001, tag)).toBe(false);
    expect(packageTagMatches(hmacSha256, fromHex("ff".repeat(16))!, m, 0x5d000001, tag)).toBe(
      false,
    );
  });
});
