/**
 * Virtual devices get the placeholder image with their own id and key put in
 * (a build takes a second; a compound has hundreds of devices). That must be
 * the program a direct build for the device gives: the same tokens, the same
 * literals (the id and the key among them), the same length, differing at
 * most in which short names the minifier picked (it ranks names by how often
 * characters occur in the output, and the key's characters count). And the
 * swap must really be taken (not a quiet fallback to a build of its own).
 */
import { tokenizer } from "acorn";
import { describe, expect, it } from "vitest";
import { buildFirmware } from "../../firmware/build/build.js";
import type { DeviceKind } from "../../firmware/device-config.js";
import { deriveDeviceId, deriveKeyHex, deviceConfigFor } from "../devices/device-config-for.js";
import { ImageCache, PLACEHOLDER_ID, swapIdentity } from "./firmware-source.js";

const CASES: { kind: DeviceKind; name: string }[] = [
  { kind: "smoke", name: "det-swap" },
  { kind: "charger", name: "chg-swap" },
  { kind: "guardian", name: "grd-swap" },
];

describe("placeholder-swapped images", () => {
  const images = new ImageCache();
  for (const c of CASES) {
    it(`is the direct build of a ${c.kind} image for the device, up to the minifier's names`, {
      timeout: 60_000,
    }, async () => {
      const config = deviceConfigFor({
        name: c.name,
        kind: c.kind,
        deviceId: deriveDeviceId(c.name, 77),
        key: deriveKeyHex(c.name, 77),
      });
      expect(String(config.deviceId)).not.toMatch(/000$/);
      const swapped = await images.imageFor(config, "PICO");
      expect(images.ownBuilds).toBe(0);
      const direct = await buildFirmware({ kind: c.kind, board: "PICO", device: config });
      expect(swapped.length).toBe(direct.code.length);
      expect(differenceUpToNames(swapped, direct.code)).toBeUndefined();
      expect(swapped).toContain(String(config.deviceId));
      expect(swapped).not.toContain(String(PLACEHOLDER_ID));
    });
  }

  it("tells programs that differ in more than their names apart", () => {
    expect(differenceUpToNames("var a=1;f(a)", "var b=1;f(b)")).toBeUndefined();
    expect(differenceUpToNames("var a=1;f(a)", "var b=2;f(b)")).toContain("1");
    expect(differenceUpToNames("var a=1;f(a)", "var a=1;f(a.b)")).toContain(".");
    expect(differenceUpToNames("var a=1;f(a)", "var a=1;f(a);")).toContain("ends first");
    expect(differenceUpToNames('f("5a")', 'f("00")')).toContain('"5a"');
  });

  it("refuses to swap when the placeholder is not there exactly once", () => {
    const key = `"${"5a".repeat(16)}"`;
    expect(swapIdentity(`f(${PLACEHOLDER_ID},${key})`, 7, "00".repeat(16))).toBe(
      `f(7,"${"00".repeat(16)}")`,
    );
    expect(swapIdentity(`f(${PLACEHOLDER_ID},${PLACEHOLDER_ID},${key})`, 7, "00")).toBeUndefined();
    expect(swapIdentity(`f(${PLACEHOLDER_ID}0,${key})`, 7, "00")).toBeUndefined();
    expect(swapIdentity(`f(${PLACEHOLDER_ID})`, 7, "00")).toBeUndefined();
  });
});

/**
 * Undefined when `a` and `b` are the same token stream but for the names
 * (scoped renaming is the minifier's business); else where they first part.
 */
function differenceUpToNames(a: string, b: string): string | undefined {
  const ta = [...tokenizer(a, { ecmaVersion: "latest" })];
  const tb = [...tokenizer(b, { ecmaVersion: "latest" })];
  for (let i = 0; i < Math.max(ta.length, tb.length); i++) {
    const x = ta[i];
    const y = tb[i];
    if (!x || !y) return `token ${i}: one program ends first`;
    const where = `token ${i} at ${x.start}: ${a.slice(x.start, x.end)} vs ${b.slice(y.start, y.end)}`;
    if (x.type.label !== y.type.label) return where;
    // Names are the minifier's choice: it ranks them by character frequency (the key's
    // characters count) and reuses one short name in nested scopes and for properties, so
    // only their places are compared; every other token (literals included) must match.
    if (x.type.label === "name") continue;
    if (a.slice(x.start, x.end) !== b.slice(y.start, y.end)) return where;
  }
  return undefined;
}
