import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../../common/log.js";
import { InstallAuth } from "../../gateway/http/auth.js";
import { GatewayService } from "../../gateway/service.js";
import { testSite } from "../../gateway/testing/site.js";
import { freePort, tmpDir } from "../../tests/support/services.js";
import { capture as captureRun } from "../testing/capture.js";
import { run } from "./devices.js";

const capture = (argv: string[]) => captureRun(run, argv);

describe("haitang devices", () => {
  const dir = tmpDir("haitang-cli-dev-");
  let gw: GatewayService;
  let base: string[];

  beforeAll(async () => {
    gw = new GatewayService({
      config: testSite({ dir: dir.path, httpPort: await freePort(), mqttPort: await freePort() }),
      auth: new InstallAuth((p) => p === "pw"),
      log: memoryLogger(),
    });
    await gw.start();
    base = ["--gateway", `http://127.0.0.1:${gw.httpPort()}`, "--password", "pw"];
  });

  afterAll(async () => {
    await gw.stop();
    dir.remove();
  });

  it("registers with a generated key shown once, then lists without keys", async () => {
    const reg = await capture([
      "register",
      "00e00001",
      "--kind",
      "smoke",
      "--building",
      "b1",
      "--location",
      "101",
      ...base,
    ]);
    expect(reg.code).toBe(0);
    const key = /key \(shown once.*\): ([0-9a-f]{32})/.exec(reg.out)?.[1];
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    const list = await capture(["list", ...base]);
    expect(list.out).toContain("00e00001");
    expect(list.out).toContain("smoke");
    expect(list.out).not.toContain(key!);
  });

  it("replaces, rekeys and decommissions through the API", async () => {
    const rep = await capture([
      "replace",
      "00e00001",
      "--new-id",
      "00e00002",
      "--key",
      "ab".repeat(16),
      ...base,
    ]);
    expect(rep.code).toBe(0);
    const shown = JSON.parse((await capture(["show", "00e00002", "--json", ...base])).out);
    expect(shown.device).toMatchObject({
      id: "00e00002",
      location: "101",
      historyId: "dev-00e00001",
      status: "active",
    });
    const old = JSON.parse((await capture(["show", "00e00001", "--json", ...base])).out);
    expect(old.device).toMatchObject({ status: "decommissioned", replacedBy: 0x00e00002 });
    expect((await capture(["rekey", "00e00002", ...base])).out).toMatch(/key \(shown once/);
    expect((await capture(["decommission", "00e00002", ...base])).code).toBe(0);
  });

  it("fails with the API's reason and a hint on a wrong password", async () => {
    const r = await capture([
      "list",
      "--gateway",
      `http://127.0.0.1:${gw.httpPort()}`,
      "--password",
      "nope",
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("401");
    expect(r.err).toContain("--password");
    const missing = await capture(["show", "0000dead", ...base]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("not registered");
  });
});
