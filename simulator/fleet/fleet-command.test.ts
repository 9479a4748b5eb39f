/**
 * `haitang sim fleet` on the command line: help, refused arguments, and a
 * site file written for a separately started gateway that its loader takes.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { formatConfigErrors, loadSiteConfig } from "../../gateway/config/load.js";
import { tmpDir } from "../../tests/support/services.js";
import { fleetCommand } from "./fleet-command.js";

const dir = tmpDir("haitang-fleet-cli-");
afterAll(() => dir.remove());

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
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
    return { code: await fleetCommand(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe("haitang sim fleet", () => {
  it("prints its options with --help", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("--gateway-mqtt URL");
    expect(r.out).toContain("--site-config OUT");
  });

  it("refuses a missing device count, an unknown kind and two transports", async () => {
    expect((await run([])).err).toContain("--devices must be");
    const kind = await run(["--devices", "5", "--kinds", "smoke,boiler"]);
    expect(kind.code).toBe(2);
    expect(kind.err).toContain("unknown kind 'boiler'");
    const two = await run([
      "--devices",
      "5",
      "--gateway-mqtt",
      "mqtt://x:1",
      "--serial",
      "/dev/null",
    ]);
    expect(two.err).toContain("give one of");
    const inc = await run(["--devices", "5", "--incident", "flood:3m"]);
    expect(inc.err).toContain("--incident wants KIND:EVERY");
  });

  it("writes a site file a gateway starts from, and the same seed gives the same devices", async () => {
    const a = join(dir.path, "a.yaml");
    const b = join(dir.path, "b.yaml");
    const r = await run([
      "--devices",
      "50",
      "--seed",
      "9",
      "--site-config",
      a,
      "--mqtt-port",
      "18830",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("50 devices");
    await run(["--devices", "50", "--seed", "9", "--site-config", b, "--mqtt-port", "18830"]);
    const la = loadSiteConfig(a, { checkFiles: false });
    const lb = loadSiteConfig(b, { checkFiles: false });
    if (!la.ok) throw new Error(formatConfigErrors(la.errors));
    if (!lb.ok) throw new Error(formatConfigErrors(lb.errors));
    expect(la.config.devices).toHaveLength(50);
    expect(la.config.mqtt.port).toBe(18830);
    expect(lb.config.devices).toEqual(la.config.devices);
  });
});
