/**
 * `haitang gateway --service-unit`: the unit systemd would load is valid
 * (systemd-analyze verify), and what it runs (its ExecStart with its
 * Environment) is a gateway that starts with the service's environment, says
 * ready and stops cleanly on the unit's KillSignal. Needs the build (npm test
 * builds first): the unit runs bin/haitang.js.
 */
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../common/paths.js";
import { freePort, tmpDir } from "../tests/support/services.js";
import { SERVICE_ENVIRONMENT, serviceUnit } from "./service-unit.js";
import { testSiteYaml } from "./testing/site.js";

const dir = tmpDir("haitang-unit-");
afterAll(() => dir.remove());

const BIN = join(repoRoot(), "bin", "haitang.js");

/** The ExecStart words and Environment of a unit, read as systemd reads them (quotes, \\ escapes, %% and $$). */
function unitCommand(unit: string): { argv: string[]; env: Record<string, string> } {
  const env: Record<string, string> = {};
  let argv: string[] = [];
  for (const line of unit.split("\n")) {
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === "Environment") {
      const e = value.indexOf("=");
      env[value.slice(0, e)] = value.slice(e + 1);
    } else if (key === "ExecStart") argv = splitWords(value);
  }
  return { argv, env };
}

function splitWords(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s))
    out.push(
      (m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] as string)).replace(
        /([%$])\1/g,
        "$1",
      ),
    );
  return out;
}

describe("serviceUnit", () => {
  it("gives back every ExecStart word as written, whatever the characters in the paths", () => {
    const odd = ["/opt/my haitang/bin/haitang.js", '/etc/site "A"/100%$HOME\\x.yaml'];
    const unit = serviceUnit({
      node: "/usr/bin/node",
      bin: odd[0]!,
      config: odd[1]!,
      site: "s",
      gateway: "g",
      user: "pi",
      environmentFile: "/etc/default/haitang-gateway",
    });
    // % and $ doubled, so systemd expands neither; words with spaces or quotes quoted.
    expect(unit).toContain("100%%$$HOME");
    expect(unitCommand(unit)).toEqual({
      argv: ["/usr/bin/node", odd[0], "gateway", "--config", odd[1]],
      env: SERVICE_ENVIRONMENT,
    });
  });
});

describe("haitang gateway --service-unit", () => {
  it("prints a unit systemd accepts, whose command runs the gateway in the service's environment", async () => {
    const config = join(dir.path, "site.yaml");
    writeFileSync(
      config,
      testSiteYaml({
        dir: dir.path,
        httpPort: await freePort(),
        mqttPort: await freePort(),
        extra: "rules: []\n",
      }),
    );
    const user = process.env.USER ?? "root";
    const printed = spawnSync(
      process.execPath,
      [BIN, "gateway", "--config", config, "--service-unit", "--user", user],
      { encoding: "utf8" },
    );
    expect(printed.status, printed.stderr).toBe(0);
    const unit = printed.stdout;
    expect(unit).toContain("Description=Haitang gateway gw-test (site test-site)");
    expect(unit).toContain(`User=${user}`);
    expect(unit).toContain("Environment=MALLOC_ARENA_MAX=2");

    const file = join(dir.path, "haitang-gateway.service");
    writeFileSync(file, unit);
    const verify = spawnSync("systemd-analyze", ["verify", "--man=no", file], { encoding: "utf8" });
    expect(verify.error).toBeUndefined();
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stderr).not.toContain(file);

    const { argv, env } = unitCommand(unit);
    expect(argv).toEqual([process.execPath, BIN, "gateway", "--config", config]);
    // The gateway as systemd starts it: the unit's environment, nothing inherited but PATH.
    const child = spawn(argv[0]!, argv.slice(1), {
      env: {
        PATH: process.env.PATH ?? "",
        ...env,
        HAITANG_INSTALL_PASSWORD: "unit-test",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    const ready = await new Promise<boolean>((resolve) => {
      const poll = setInterval(() => {
        if (out.includes('"event":"ready"')) {
          clearInterval(poll);
          resolve(true);
        }
      }, 50);
      exited.then(() => {
        clearInterval(poll);
        resolve(false);
      });
    });
    expect(ready, err).toBe(true);
    expect(unit).toContain("KillSignal=SIGTERM");
    child.kill("SIGTERM");
    expect(await exited, err).toBe(0);
  }, 60_000);
});
