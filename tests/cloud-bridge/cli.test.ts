/** `haitang bridge`: help, config errors and --check, without starting anything. */
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { run } from "../../cli/commands/bridge.js";
import { repoRoot } from "../../common/paths.js";
import { tmpDir } from "../support/services.js";

const EXAMPLE = join(repoRoot(), "cloud-bridge/examples/cloud.yaml");

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((s) => out.push(String(s)) > 0);
  vi.spyOn(process.stderr, "write").mockImplementation((s) => err.push(String(s)) > 0);
  return { out: () => out.join(""), err: () => err.join("") };
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("haitang bridge", () => {
  it("prints its options with --help", async () => {
    const io = capture();
    expect(await run(["--help"])).toBe(0);
    expect(io.out()).toContain("--config <file>");
  });

  it("needs --config", async () => {
    const io = capture();
    expect(await run([])).toBe(2);
    expect(io.err()).toContain("--config is required");
  });

  it("names the path and value of a bad setting", async () => {
    const dir = tmpDir();
    const file = join(dir.path, "cloud.yaml");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      file,
      "mqtt: { url: 'mqtt://x' }\ninflux: { url: 'http://x', org: o, bucket: b, token: t }\nsites: { s1: { commandKey: '12', gateways: [g] } }\n",
    );
    const io = capture();
    expect(await run(["--config", file, "--check"])).toBe(1);
    expect(io.err()).toContain(`${file}: /sites/s1/commandKey: must match pattern`);
    expect(io.err()).toContain('(value: "12")');
    dir.remove();
  });

  it("accepts the example config with --check", async () => {
    for (const v of [
      "HAITANG_MQTT_PASSWORD",
      "HAITANG_INFLUX_TOKEN",
      "HAITANG_TOKEN_PROPERTY",
      "HAITANG_TOKEN_GARDEN",
      "HAITANG_TOKEN_DISTRICT",
      "HAITANG_WEBHOOK_DUTY_SECRET",
      "HAITANG_WEBHOOK_MAINT_SECRET",
      "HAITANG_WEBHOOK_MANAGER_SECRET",
      "HAITANG_WEBHOOK_GRID_SECRET",
      "HAITANG_WEBHOOK_FAMILY_WANG_SECRET",
      "HAITANG_GUARDIAN_ACK_SECRET",
    ]) {
      vi.stubEnv(v, `${v.toLowerCase()}-value-0123456789`);
    }
    const io = capture();
    expect(await run(["--config", EXAMPLE, "--check"])).toBe(0);
    expect(io.out()).toContain("ok (2 sites)");
  });
});
