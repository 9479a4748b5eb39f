import { createHash, createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "./bytes.js";
import { computeMac, hmacSha256, macMatches } from "./hmac.js";
import { sha256 } from "./sha256.js";

const utf8 = (s: string) => new TextEncoder().encode(s);

describe("sha256 (plain JavaScript, for boards without a native one)", () => {
  it("matches the FIPS 180-4 examples", () => {
    expect(toHex(sha256(utf8("abc")))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(toHex(sha256(utf8("")))).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(toHex(sha256(utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("agrees with node:crypto on every length across block boundaries", () => {
    for (let len = 0; len < 200; len++) {
      const data = new Uint8Array(randomBytes(len));
      expect(toHex(sha256(data))).toBe(createHash("sha256").update(data).digest("hex"));
    }
  });
});

describe("HMAC-SHA256", () => {
  it("matches RFC 4231 test case 2 and a long key (test case 6)", () => {
    expect(toHex(hmacSha256(utf8("Jefe"), utf8("what do ya want for nothing?")))).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
    const longKey = new Uint8Array(131).fill(0xaa);
    expect(
      toHex(hmacSha256(longKey, utf8("Test Using Larger Than Block-Size Key - Hash Key First"))),
    ).toBe("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  });

  it("truncates to 8 bytes and rejects any changed byte", () => {
    const key = fromHex("000102030405060708090a0b0c0d0e0f")!;
    const data = new Uint8Array(randomBytes(40));
    const mac = computeMac(hmacSha256, key, data);
    expect(toHex(mac)).toBe(createHmac("sha256", key).update(data).digest("hex").slice(0, 16));
    expect(macMatches(hmacSha256, key, data, mac)).toBe(true);
    for (let i = 0; i < data.length; i++) {
      const forged = data.slice();
      forged[i] = (forged[i] as number) ^ 1;
      expect(macMatches(hmacSha256, key, forged, mac)).toBe(false);
    }
    const otherKey = key.slice();
    otherKey[0] = 0xff;
    expect(macMatches(hmacSha256, otherKey, data, mac)).toBe(false);
  });
});
