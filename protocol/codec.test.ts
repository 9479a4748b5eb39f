import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "./bytes.js";
import {
  decodeDownlinkFrame,
  decodeFrame,
  decodeUplinkFrame,
  encodeDownlinkFrame,
  encodeFrame,
  encodeUplinkFrame,
  isDownlinkType,
  verifyFrame,
} from "./codec.js";
import { MAX_FRAME_LENGTH, PORT_CHARGING } from "./constants.js";
import { deframeAll, frameBytes } from "./framing.js";
import golden from "./golden-vectors.json" with { type: "json" };
import { type HmacFn, hmacSha256 } from "./hmac.js";
import type { Frame } from "./messages.js";

const key = fromHex(golden.keyHex)!;
const nodeHmac: HmacFn = (k, d) => new Uint8Array(createHmac("sha256", k).update(d).digest());

describe("golden vectors", () => {
  it.each(golden.vectors.map((v) => [v.name, v] as const))(
    "%s decodes, verifies and re-encodes",
    (_n, v) => {
      const bytes = fromHex(v.frameHex)!;
      const r = decodeFrame(bytes);
      expect(r).toEqual({ ok: true, frame: v.decoded });
      expect(verifyFrame(bytes, key, hmacSha256)).toBe(true);
      expect(verifyFrame(bytes, key, nodeHmac)).toBe(true);
      expect(toHex(encodeFrame(v.decoded as Frame, key, nodeHmac))).toBe(v.frameHex);
      expect(toHex(frameBytes(bytes))).toBe(v.wireHex);
      expect(deframeAll(fromHex(v.wireHex)!).frames.map(toHex)).toEqual([v.frameHex]);
    },
  );

  it.each(golden.vectors.map((v) => [v.name, v] as const))(
    "%s: the directional codec agrees and refuses the other direction",
    (_n, v) => {
      const bytes = fromHex(v.frameHex)!;
      const frame = v.decoded as Frame;
      const downlink = isDownlinkType(bytes[1] as number);
      const own = downlink ? decodeDownlinkFrame(bytes) : decodeUplinkFrame(bytes);
      const other = downlink ? decodeUplinkFrame(bytes) : decodeDownlinkFrame(bytes);
      expect(own).toEqual({ ok: true, frame: v.decoded });
      expect(other).toMatchObject({ ok: false, reason: "unknown-type" });
      const encoded = downlink
        ? encodeDownlinkFrame(frame as Parameters<typeof encodeDownlinkFrame>[0], key, nodeHmac)
        : encodeUplinkFrame(frame as Parameters<typeof encodeUplinkFrame>[0], key, nodeHmac);
      expect(toHex(encoded)).toBe(v.frameHex);
    },
  );

  it("keeps the largest telemetry frame of a 12-port charger within 64 bytes", () => {
    const twelve = golden.vectors.find((v) => v.name.includes("12 ports"))!;
    expect(twelve.length).toBeLessThanOrEqual(MAX_FRAME_LENGTH);
  });
});

describe("codec", () => {
  const base: Frame = {
    deviceId: 0x01020304,
    counter: 9,
    flags: 0,
    msg: { type: "ack", ackedCounter: 5 },
  };

  it("never throws on any truncation or random bytes", () => {
    const good = encodeFrame(base, key, hmacSha256);
    for (let n = 0; n < good.length; n++) {
      const r = decodeFrame(good.subarray(0, n));
      expect(r.ok).toBe(false);
    }
    let seed = 1;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    for (let i = 0; i < 2000; i++) {
      const len = rnd() % 80;
      const bytes = new Uint8Array(len);
      for (let j = 0; j < len; j++) bytes[j] = rnd();
      expect(() => decodeFrame(bytes)).not.toThrow();
    }
  });

  it("names the reason for a bad frame", () => {
    const good = encodeFrame(base, key, hmacSha256);
    expect(decodeFrame(good.subarray(0, 10))).toMatchObject({ ok: false, reason: "short" });
    const wrongVersion = good.slice();
    wrongVersion[0] = 0x20;
    expect(decodeFrame(wrongVersion)).toMatchObject({
      ok: false,
      reason: "version",
      deviceId: 0x01020304,
    });
    const unknown = good.slice();
    unknown[1] = 0x42;
    expect(decodeFrame(unknown)).toMatchObject({ ok: false, reason: "unknown-type" });
    const longer = new Uint8Array(good.length + 1);
    longer.set(good);
    expect(decodeFrame(longer)).toMatchObject({ ok: false, reason: "length" });
  });

  it("rejects a frame signed with another key or altered after signing", () => {
    const good = encodeFrame(base, key, hmacSha256);
    const otherKey = fromHex("ffeeddccbbaa99887766554433221100")!;
    expect(verifyFrame(good, otherKey, hmacSha256)).toBe(false);
    const altered = good.slice();
    altered[7] = (altered[7] as number) ^ 0x01; // counter byte
    expect(decodeFrame(altered).ok).toBe(true);
    expect(verifyFrame(altered, key, hmacSha256)).toBe(false);
  });

  it("saturates out-of-range telemetry instead of wrapping", () => {
    const frame: Frame = {
      deviceId: 1,
      counter: 1,
      flags: 0,
      msg: {
        type: "charger-telemetry",
        tempDeciC: 250,
        ports: [{ powerW: 9000, energyWh: -5, state: PORT_CHARGING, relayOn: true }],
      },
    };
    const r = decodeFrame(encodeFrame(frame, key, hmacSha256));
    expect(r.ok && r.frame.msg).toEqual({
      type: "charger-telemetry",
      tempDeciC: 250,
      ports: [{ powerW: 4095, energyWh: 0, state: PORT_CHARGING, relayOn: true }],
    });
  });
});
