import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadFirmware } from "../sandbox/sandbox.js";
import { getBoard } from "./boards.js";
import { buildFirmware, FirmwareBuildError } from "./build.js";
import { checkEspruinoCompat } from "./compat-check.js";
import { beaconImage, fixtureDevice } from "./fixtures/fixture-images.js";

const BEACON = "firmware/build/fixtures/beacon-app.ts";

async function buildError(p: Promise<unknown>): Promise<FirmwareBuildError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FirmwareBuildError) return err;
    throw err;
  }
  throw new Error("the build succeeded");
}

describe("buildFirmware", () => {
  it("builds an ES5 image that passes the check, with its size and SHA-256", async () => {
    const r = await beaconImage("PICO");
    expect(r.bytes).toBe(Buffer.byteLength(r.code));
    expect(r.sha256).toBe(createHash("sha256").update(r.code).digest("hex"));
    expect(checkEspruinoCompat(r.code, "beacon.js")).toEqual([]);
    expect(r.report).toMatchObject({
      kind: "guardian",
      board: "PICO",
      version: "1.2.3",
      bytes: r.bytes,
      budgetBytes: getBoard("PICO").codeBudgetBytes,
    });
    expect(r.report.modules).toContain(BEACON);
    expect(r.report.modules).toContain("protocol/codec.ts");
  });

  it("emits HAITANG_PINS as the board's Pin globals, not strings", async () => {
    const r = await beaconImage("PICO");
    expect(r.code).toMatch(/sensor:A1\b/);
    expect(r.code).toMatch(/led:LED1\b/);
    expect(r.code).not.toContain('"A1"');
  });

  it("uses the native SHA-256 on the Pico and bundles the plain-JS one on the Original", async () => {
    const pico = await beaconImage("PICO");
    const original = await beaconImage("ORIGINAL");
    expect(pico.code).toContain('require("crypto")');
    // The plain-JS SHA-256 computes its constants from primes: x 2^32 marks it.
    expect(pico.code).not.toContain("4294967296");
    expect(original.code).toContain("4294967296");
    expect(original.bytes).toBeGreaterThan(pico.bytes);
  });

  it("produces an image whose frames a sandboxed run sends with the build's constants", async () => {
    const r = await beaconImage("ORIGINAL");
    const dev = loadFirmware(r.code, { board: "ORIGINAL" });
    dev.setAnalog("A1", 0.5);
    dev.start();
    dev.advance(10_000);
    expect(dev.errors).toEqual([]);
    expect(dev.log.map((l) => l.text)).toEqual(["beacon boot 1 on ESPRUINOBOARD"]);
    const out = dev.takeSerialOutput();
    expect(out[0]).toBe(0x7e);
    expect(out.length).toBeGreaterThan(20);
  });

  it("measures the bytes each module takes in the image when asked", async () => {
    const r = await buildFirmware({
      kind: "guardian",
      board: "PICO",
      device: fixtureDevice("beacon-device.json"),
      entry: BEACON,
      measureModules: true,
    });
    const sizes = r.report.moduleBytes ?? {};
    expect(sizes[BEACON]).toBeGreaterThan(100);
    expect(sizes["protocol/payload-uplink.ts"] ?? sizes["protocol/codec.ts"]).toBeGreaterThan(100);
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    // The transform's var lines are not attributed; the rest is.
    expect(total).toBeLessThanOrEqual(r.bytes);
    expect(total).toBeGreaterThan(r.bytes * 0.9);
  });

  it("fails naming the .ts file and line of a Map", async () => {
    const err = await buildError(
      buildFirmware({
        kind: "guardian",
        board: "PICO",
        device: fixtureDevice("beacon-device.json"),
        entry: "firmware/build/fixtures/bad-map-app.ts",
      }),
    );
    expect(err.failure).toBe("compat");
    expect(err.violations).toEqual([
      expect.objectContaining({
        file: "firmware/build/fixtures/bad-map-app.ts",
        line: 6,
        rule: "missing-global",
      }),
    ]);
    expect(err.message).toContain("firmware/build/fixtures/bad-map-app.ts:6:");
  });

  it("fails at the spread whose helper needs Array.prototype.slice", async () => {
    const err = await buildError(
      buildFirmware({
        kind: "guardian",
        board: "PICO",
        device: fixtureDevice("beacon-device.json"),
        entry: "firmware/build/fixtures/bad-spread-app.ts",
      }),
    );
    expect(err.violations).toEqual([
      expect.objectContaining({
        file: "firmware/build/fixtures/bad-spread-app.ts",
        line: 8,
        rule: "prototype-property",
      }),
    ]);
  });

  it("fails at a class that extends Error", async () => {
    const err = await buildError(
      buildFirmware({
        kind: "guardian",
        board: "PICO",
        device: fixtureDevice("beacon-device.json"),
        entry: "firmware/build/fixtures/bad-extends-app.ts",
      }),
    );
    expect(err.violations).toEqual([
      expect.objectContaining({
        file: "firmware/build/fixtures/bad-extends-app.ts",
        line: 3,
        rule: "extends-error",
      }),
    ]);
  });

  it("fails with a clear message when the image exceeds the board's budget", async () => {
    const tiny = { ...getBoard("PICO"), jsVars: 300, codeBudgetBytes: 1800 };
    const err = await buildError(
      buildFirmware({
        kind: "guardian",
        board: tiny,
        device: fixtureDevice("beacon-device.json"),
        entry: BEACON,
      }),
    );
    expect(err.failure).toBe("size");
    expect(err.message).toMatch(/\d+ bytes exceeds the PICO budget of 1800 bytes/);
  });

  it("refuses an image whose JsVars would not fit the board, with the measured numbers", async () => {
    // The guardian measured on a Pico uses about a thousand JsVars: a Pico with 900 cannot run it.
    const small = { ...getBoard("PICO"), jsVars: 900 };
    const err = await buildError(
      buildFirmware({
        kind: "guardian",
        board: small,
        device: fixtureDevice("guardian-pico.json"),
      }),
    );
    expect(err.failure).toBe("size");
    expect(err.message).toMatch(/the guardian image does not fit PICO's memory/);
    expect(err.message).toMatch(
      /a \d+-byte guardian image does not leave PICO enough memory: about \d+ of 900 JsVars used after boot \(-?\d+ % free\)/,
    );
    expect(err.message).toMatch(
      /measured for a \d+-byte image \(firmware [\d.]+, Espruino 2v29, 13-byte JsVars\)/,
    );
    // The same image on the real Pico passes the check.
    const ok = await buildFirmware({
      kind: "guardian",
      board: "PICO",
      device: fixtureDevice("guardian-pico.json"),
    });
    expect(ok.bytes).toBeGreaterThan(0);
  });

  it("fails on an invalid device config before bundling, naming path and value", async () => {
    const device = {
      ...fixtureDevice("beacon-device.json"),
      heartbeatS: 0,
      pins: { sensor: "Q9" },
    };
    const err = await buildError(
      buildFirmware({
        kind: "guardian",
        board: "PICO",
        device,
        entry: BEACON,
        deviceSource: "dev.json",
      }),
    );
    expect(err.failure).toBe("config");
    expect(err.problems).toEqual(["dev.json: heartbeatS = 0: must be >= 1"]);
  });

  it("fails on a pin the board does not have, naming it", async () => {
    const device = {
      ...fixtureDevice("beacon-device.json"),
      pins: { sensor: "A1", button: "C7", led: "LED1" },
    };
    const err = await buildError(
      buildFirmware({
        kind: "guardian",
        board: "PICO",
        device,
        entry: BEACON,
        deviceSource: "dev.json",
      }),
    );
    expect(err.problems).toEqual([
      expect.stringMatching(/^dev\.json: pins\.button = "C7": pin C7 does not exist on PICO/),
    ]);
  });

  it("refuses a firmware version the status frame cannot carry", async () => {
    const err = await buildError(
      buildFirmware({
        kind: "guardian",
        board: "PICO",
        device: fixtureDevice("beacon-device.json"),
        entry: BEACON,
        version: "1.300.0",
      }),
    );
    expect(err.failure).toBe("config");
  });
});
