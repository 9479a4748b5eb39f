import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { InstallRig, RIG_PASSWORD } from "../../installer/testing/install-rig.js";
import { run } from "./flash.js";

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    err += String(s);
    return true;
  });
  try {
    const code = await run(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

// A flash builds, uploads and commissions over a pseudo-terminal: 10 s on an idle machine,
// several times that on a loaded one.
describe("haitang flash (command line)", { timeout: 180_000 }, () => {
  let rig: InstallRig;
  beforeAll(async () => {
    rig = await InstallRig.start();
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it("prints its options with --help", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("--no-wait");
    expect(r.out).toContain("--replace ID");
  });

  it("names every missing option", async () => {
    const r = await cli(["--kind", "smoke"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("missing --board, --port, --site, --location");
  });

  it("refuses a board that cannot be the kind asked for, saying why", async () => {
    const r = await cli(
      ["--kind", "smoke", "--board", "esp32", "--port", "/dev/null", "--site", "s"].concat([
        "--location",
        "x",
      ]),
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ESP32 cannot be a smoke .*batter/s);
  });

  it("tells the installer what to do about a port that does not exist", async () => {
    const r = await cli([
      ...["--kind", "smoke", "--board", "pico", "--port", "/dev/ttyUSB93", "--site", "s"],
      ...["--location", "x", "--gateway", rig.url, "--password", RIG_PASSWORD],
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("there is no serial port /dev/ttyUSB93");
    expect(r.err).toContain("what to do:");
  });

  it("flashes a guardian sensor with --no-wait, prints the report and saves it", async () => {
    const board = await rig.addBoard({ kind: "guardian" });
    const reports = join(rig.dir.path, "cli-reports");
    process.env.HAITANG_INSTALL_PASSWORD = RIG_PASSWORD;
    try {
      const r = await cli([
        ...["--kind", "guardian", "--board", "PICO", "--port", board.consolePath],
        ...["--site", "test-site", "--location", "Building 3, 2-201", "--building", "b1"],
        ...["--gateway", rig.url, "--no-wait", "--report-dir", reports],
      ]);
      expect(r.err).toContain("[8/8] writing the commissioning report");
      expect(r.code).toBe(0);
      expect(r.out).toContain("FLASHED (first frame not awaited)");
      expect(r.out).toContain("Building 3, 2-201");
      const files = readdirSync(reports).sort();
      expect(files.map((f) => f.replace(/.*\./, ""))).toEqual(["json", "txt"]);
      const json = JSON.parse(readFileSync(join(reports, files[0]!), "utf8"));
      expect(json).toMatchObject({ kind: "guardian", status: "flashed-not-waited" });
      expect(board.isProgramRunning()).toBe(true);
    } finally {
      delete process.env.HAITANG_INSTALL_PASSWORD;
    }
  });
});
