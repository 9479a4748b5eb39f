/**
 * User errors at the command line end in one line that names the file and the
 * fix, with a non-zero exit and no stack trace; output folders are created.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { repoRoot } from "../common/paths.js";
import { fixturePath } from "../firmware/build/fixtures/fixture-images.js";
import { fleetCommand } from "../simulator/fleet/fleet-command.js";
import { freePort, tmpDir } from "../tests/support/services.js";
import { run as buildFirmware } from "./commands/build-firmware.js";
import { run as sim } from "./commands/sim.js";
import { failureText } from "./failure-text.js";

let out = "";
let err = "";
const dir = tmpDir("haitang-cli-errors-");
const STACK_LINE = /\n\s+at /;

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

describe("output folders", () => {
  it("build-firmware -o creates the missing folder", async () => {
    const file = join(dir.path, "new", "deeper", "smoke.js");
    const code = await buildFirmware([
      "--kind",
      "smoke",
      "--board",
      "PICO",
      "--device",
      fixturePath("smoke-pico.json"),
      "-o",
      file,
    ]);
    expect(code, err).toBe(0);
    expect(readFileSync(file, "utf8").length).toBeGreaterThan(1000);
  });

  it("says which output cannot be written, before any work, without a stack trace", async () => {
    const blocker = join(dir.path, "a-file");
    writeFileSync(blocker, "");
    const target = join(blocker, "junit.xml");
    const code = await sim(["run", "scenarios/07-port-overload.yaml", "--junit", target]);
    expect(code).toBe(2);
    expect(err).toContain(`cannot write ${target}`);
    expect(err).toContain("choose a path");
    expect(err).not.toMatch(STACK_LINE);
    expect(out).not.toContain("PASS");
  });
});

describe("failures the command did not expect", () => {
  it("are one line without a stack trace, unless HAITANG_DEBUG=1", () => {
    const e = Object.assign(new Error("ENOENT: no such file or directory, open 'x.yaml'"), {
      code: "ENOENT",
    });
    const text = failureText(e, false);
    expect(text).toContain("x.yaml");
    expect(text).toContain("check the path");
    expect(text).not.toMatch(STACK_LINE);
    expect(failureText(e, true)).toMatch(STACK_LINE);
  });
});

describe("sim fleet", () => {
  it("says when it cannot reach the gateway's broker", async () => {
    const port = await freePort();
    const code = await fleetCommand([
      "--devices",
      "2",
      "--gateway-mqtt",
      `mqtt://127.0.0.1:${port}`,
      "--duration",
      "2s",
    ]);
    expect(code).toBe(1);
    expect(err).toContain(`cannot reach the gateway's MQTT broker at mqtt://127.0.0.1:${port}`);
    expect(err).toContain("ECONNREFUSED");
  });
});

describe("haitang (built)", () => {
  const bin = join(repoRoot(), "bin", "haitang.js");
  const built = existsSync(join(repoRoot(), "dist", "cli", "main.js"));

  it("prints its version", () => {
    expect(built, "run `npm run build` first").toBe(true);
    const r = spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8" });
    const pkg = JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8"));
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`haitang ${pkg.version}`);
  });

  it("answers an unknown option with a message and exit 2, not a stack trace", () => {
    const r = spawnSync(process.execPath, [bin, "sim", "run", "--no-such-option"], {
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--no-such-option");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
