import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { PtyPair } from "../../common/services.js";
import { keyToHex } from "../../gateway/registry/keys.js";
import { type ChildGateway, startChildGateway } from "../../gateway/testing/child-gateway.js";
import { ACK, framed, keyOf, smokeAlarmMsg } from "../../gateway/testing/frames.js";
import { PtyDevice } from "../../gateway/testing/pty-device.js";
import { testSiteYaml } from "../../gateway/testing/site.js";
import { createPtyPair, freePort, tmpDir, waitFor } from "../../tests/support/services.js";
import { run } from "./gateway.js";

async function captureStderr(fn: () => Promise<number>): Promise<{ code: number; text: string }> {
  let text = "";
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    text += chunk.toString();
    return true;
  });
  try {
    return { code: await fn(), text };
  } finally {
    spy.mockRestore();
  }
}

describe("haitang gateway", () => {
  const dir = tmpDir("haitang-cli-gw-");
  let pty: PtyPair | undefined;
  let child: ChildGateway | undefined;
  let device: PtyDevice | undefined;

  afterAll(async () => {
    await device?.close();
    if (child && child.proc.exitCode === null) child.proc.kill("SIGKILL");
    await pty?.close();
    dir.remove();
  });

  it("refuses a malformed config file with an error naming the path and the value", async () => {
    const path = join(dir.path, "bad.yaml");
    writeFileSync(
      path,
      "site: s\ngateway: g\nserial:\n  - { name: radio, path: /dev/ttyUSB0, baud: 12345 }\nhttp: { port: 99999 }\n",
    );
    const r = await captureStderr(() => run(["--config", path]));
    expect(r.code).toBe(2);
    expect(r.text).toContain("serial[0].baud");
    expect(r.text).toContain("12345");
    expect(r.text).toContain("http.port");
    expect(r.text).toContain("99999");
  });

  it("names a missing config file", async () => {
    const r = await captureStderr(() => run(["--config", join(dir.path, "nope.yaml")]));
    expect(r.code).toBe(2);
    expect(r.text).toContain("nope.yaml");
  });

  it("reloads rules on SIGHUP and keeps the last good config when the new one is invalid", async () => {
    pty = await createPtyPair(dir.path, "radio");
    const smoke = 0x00d00001;
    const key = keyOf(7);
    const configPath = join(dir.path, "site.yaml");
    const httpPort = await freePort();
    const mqttPort = await freePort();
    const yaml = (rules: string) =>
      testSiteYaml({
        dir: dir.path,
        httpPort,
        mqttPort,
        serial: [{ name: "radio", path: pty!.hostPath }],
        extra: `${rules}\ndevices:\n  - { id: "00d00001", kind: smoke, key: "${keyToHex(key)}", building: b1, location: "101" }`,
      });
    writeFileSync(configPath, yaml("rules: []"));
    child = await startChildGateway(configPath, "pw");
    device = await PtyDevice.open(pty.devicePath, new Map([[smoke, key]]));
    const auth = { authorization: `Basic ${Buffer.from("x:pw").toString("base64")}` };
    const get = async (p: string) =>
      (await (await fetch(`http://127.0.0.1:${httpPort}${p}`, { headers: auth })).json()) as {
        alarms: unknown[];
      };
    const metric = async (name: string) => {
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith(`${name} `));
      return line ? Number(line.split(" ")[1]) : undefined;
    };

    await device.write(framed(smoke, 1, smokeAlarmMsg(1), key, ACK));
    await waitFor(
      () => (device!.acksFor(smoke).length === 1 ? true : undefined),
      "ack of the first alarm",
    );
    expect((await get("/api/alarms")).alarms).toEqual([]);

    writeFileSync(
      configPath,
      yaml(
        "rules:\n  - { id: fire, kind: device-event, on: [smoke-alarm], clearOn: [smoke-clear], alarm: fire, severity: critical }",
      ),
    );
    child.proc.kill("SIGHUP");
    await waitFor(
      async () =>
        (await metric('haitang_gateway_config_reloads_total{outcome="applied"}')) === 1
          ? true
          : undefined,
      "reload applied",
    );
    await device.write(framed(smoke, 2, smokeAlarmMsg(2), key, ACK));
    await waitFor(
      async () => ((await get("/api/alarms")).alarms.length === 1 ? true : undefined),
      "fire alarm after the reload",
    );

    writeFileSync(configPath, "site: [this is not a site\n");
    child.proc.kill("SIGHUP");
    await waitFor(
      async () =>
        (await metric('haitang_gateway_config_reloads_total{outcome="rejected"}')) === 1
          ? true
          : undefined,
      "reload rejected",
    );
    expect(await metric("haitang_gateway_rules")).toBe(1);
    await device.write(framed(smoke, 3, smokeAlarmMsg(3), key, ACK));
    await waitFor(
      () => (device!.acksFor(smoke).length === 3 ? true : undefined),
      "still running after a bad reload",
    );

    child.proc.kill("SIGTERM");
    expect((await child.exited).code).toBe(0);
  });
});
