import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { run } from "../../cli/commands/build-firmware.js";
import { tmpDir } from "../../tests/support/services.js";
import { fixturePath } from "./fixtures/fixture-images.js";

let out = "";
let err = "";
const dir = tmpDir("build-firmware-cli");

beforeEach(() => {
  out = "";
  err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    err += String(s);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());
afterAll(() => dir.remove());

describe("haitang build-firmware", () => {
  it("builds the image, writes it and prints its size", async () => {
    const file = join(dir.path, "guardian.js");
    const code = await run([
      "--kind",
      "guardian",
      "--board",
      "PICO",
      "--device",
      fixturePath("guardian-pico.json"),
      "-o",
      file,
    ]);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toMatch(
      /^guardian for PICO: \d+ bytes \(\d+(\.\d)?% of the 47104-byte budget\), about \d+ of 5100 JsVars after boot and \d+ at the alarm peak/,
    );
    expect(readFileSync(file, "utf8").length).toBeGreaterThan(1000);
  });

  it("exits 1 naming the device file and setting when the config is wrong", async () => {
    const file = join(dir.path, "smoke.js");
    const code = await run([
      "--kind",
      "smoke",
      "--board",
      "PUCKJS",
      "--device",
      fixturePath("guardian-pico.json"),
      "-o",
      file,
    ]);
    expect(code).toBe(1);
    expect(err).toContain(
      "guardian-pico.json: kind = \"guardian\": the build was asked for kind 'smoke'",
    );
    expect(existsSync(file)).toBe(false);
  });

  it("exits 2 with the usage on a missing option or an unknown kind", async () => {
    expect(await run(["--kind", "smoke"])).toBe(2);
    expect(err).toContain("missing --board, --device, -o");
    expect(
      await run(["--kind", "toaster", "--board", "PICO", "--device", "x.json", "-o", "y.js"]),
    ).toBe(2);
  });

  it("exits 1 when the device file does not exist", async () => {
    expect(
      await run([
        "--kind",
        "smoke",
        "--board",
        "PICO",
        "--device",
        join(dir.path, "none.json"),
        "-o",
        "y.js",
      ]),
    ).toBe(1);
    expect(err).toContain("none.json: no such file");
  });

  it("prints help and the board table", async () => {
    expect(await run(["--help"])).toBe(0);
    expect(out).toContain("usage: haitang build-firmware");
    expect(await run(["--list-boards"])).toBe(0);
    expect(out).toMatch(/ESP8266\s+1600\s+194560\s+JS\s+ESP8266 \(4 MB\)/);
    expect(out).toMatch(
      /ESP8266: 1,600 JsVars are too few: measured on the real Espruino 2v29 interpreter/,
    );
  });
});
