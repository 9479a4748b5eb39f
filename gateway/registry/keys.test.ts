import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../common/paths.js";
import { fromHex } from "../../protocol/bytes.js";
import { verifyFrame } from "../../protocol/codec.js";
import { hmacSha256 } from "../../protocol/hmac.js";
import { nodeHmac, nodeVerifyFrame } from "./keys.js";
import { midstateHmac, midstateVerifyFrame } from "./midstate-hmac.js";

const golden = JSON.parse(
  readFileSync(join(repoRoot(), "protocol", "golden-vectors.json"), "utf8"),
) as { keyHex: string; vectors: Array<{ name: string; frameHex: string }> };
const KEY = fromHex(golden.keyHex)!;

describe("node:crypto MACs", () => {
  it("agree with the protocol's JavaScript HMAC on every golden vector", () => {
    for (const v of golden.vectors) {
      const frame = fromHex(v.frameHex)!;
      expect(nodeHmac(KEY, frame)).toEqual(hmacSha256(KEY, frame));
      expect(midstateHmac(KEY, frame)).toEqual(hmacSha256(KEY, frame));
      expect(nodeVerifyFrame(frame, KEY), v.name).toBe(true);
      expect(midstateVerifyFrame(frame, KEY), v.name).toBe(true);
      expect(verifyFrame(frame, KEY, hmacSha256), v.name).toBe(true);
    }
  });

  it("rejects a frame with any bit changed, a wrong key, or too few bytes", () => {
    const frame = fromHex(golden.vectors[0]!.frameHex)!;
    for (let i = 0; i < frame.length; i++) {
      const bad = frame.slice();
      bad[i] = (bad[i] as number) ^ 0x01;
      expect(nodeVerifyFrame(bad, KEY), `byte ${i}`).toBe(false);
      expect(midstateVerifyFrame(bad, KEY), `byte ${i}`).toBe(false);
    }
    const other = KEY.slice();
    other[0] = (other[0] as number) ^ 0xff;
    expect(nodeVerifyFrame(frame, other)).toBe(false);
    expect(midstateVerifyFrame(frame, other)).toBe(false);
    expect(nodeVerifyFrame(frame.subarray(0, 10), KEY)).toBe(false);
    expect(midstateVerifyFrame(frame.subarray(0, 10), KEY)).toBe(false);
  });

  it("the midstate HMAC equals node:crypto for every message length 0-300 and key length 1-80", () => {
    for (let n = 0; n <= 300; n++) {
      const key = new Uint8Array(randomBytes(1 + (n % 80)));
      const data = new Uint8Array(randomBytes(n));
      expect(Buffer.from(midstateHmac(key, data)).toString("hex"), `length ${n}`).toBe(
        Buffer.from(nodeHmac(key, data)).toString("hex"),
      );
      // the same key again (its states are cached) and a view into a larger buffer
      const big = new Uint8Array(n + 7);
      big.set(data, 7);
      expect(midstateHmac(key, big.subarray(7))).toEqual(nodeHmac(key, data));
    }
  });

  it("keeps each key's states apart when a thousand keys share slab chunks, and a new key gets its own", () => {
    const keys = Array.from({ length: 1000 }, () => new Uint8Array(randomBytes(16)));
    const data = new Uint8Array(randomBytes(40));
    for (const key of keys) midstateHmac(key, data); // every key's states made, chunk after chunk
    for (const key of keys.slice().reverse())
      expect(midstateHmac(key, data)).toEqual(nodeHmac(key, data));
    // a rekeyed device: the same bytes but one, in a new array
    const rekeyed = keys[500]!.slice();
    rekeyed[15] = (rekeyed[15] as number) ^ 1;
    expect(midstateHmac(rekeyed, data)).toEqual(nodeHmac(rekeyed, data));
    expect(midstateHmac(keys[500]!, data)).toEqual(nodeHmac(keys[500]!, data));
  });
});
