import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../common/paths.js";
import { freePort, tmpDir, waitFor } from "../../tests/support/services.js";

const TOKEN = "test-demo-token-0123";

describe("haitang demo", () => {
  const dir = tmpDir("haitang-demo-");
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill("SIGKILL");
    dir.remove();
  });

  it("runs a compound whose devices reach the gateway, the cloud and the dashboard API, and stops on SIGINT", async () => {
    const gatewayPort = await freePort();
    const dashboardPort = await freePort();
    child = spawn(
      process.execPath,
      [
        join(repoRoot(), "bin/haitang.js"),
        "demo",
        "--devices",
        "12",
        "--gateway-port",
        String(gatewayPort),
        "--dashboard-port",
        String(dashboardPort),
        "--data",
        dir.path,
        "--token",
        TOKEN,
        "--password",
        "pw-for-test",
        "--no-incidents",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await waitFor(
      () => (out.includes("is running") ? true : undefined),
      `demo start: ${out}`,
      60_000,
    );
    expect(out).toContain(`http://127.0.0.1:${dashboardPort}/`);

    // Frames from the simulated devices are accepted by the gateway...
    const health = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${gatewayPort}/api/health`, {
          headers: {
            authorization: `Basic ${Buffer.from("installer:pw-for-test").toString("base64")}`,
          },
        });
        if (res.status !== 200) return undefined;
        const h = (await res.json()) as { counters: Record<string, number>; devices: number };
        return (h.counters.accepted ?? 0) > 0 ? h : undefined;
      },
      "accepted frames at the gateway",
      30_000,
    );
    expect(health.devices).toBe(12);

    // ...and reach the cloud bridge, which sees the gateway online and the devices.
    const sites = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${dashboardPort}/api/sites`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        if (res.status !== 200) return undefined;
        const body = (await res.json()) as {
          sites: Array<{ gateways: { online: number }; devices: { total: number } }>;
        };
        const s = body.sites[0];
        return s && s.gateways.online === 1 && s.devices.total > 0 ? body : undefined;
      },
      "the site online at the bridge",
      30_000,
    );
    expect(sites.sites).toHaveLength(1);

    const wrong = await fetch(`http://127.0.0.1:${dashboardPort}/api/sites`, {
      headers: { authorization: "Bearer not-the-demo-token-at-all" },
    });
    expect(wrong.status).toBe(401);

    const exited = new Promise<number | null>((resolve) =>
      child?.once("exit", (code) => resolve(code)),
    );
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });
});
