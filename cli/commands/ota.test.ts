import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../../common/log.js";
import { InstallAuth } from "../../gateway/http/auth.js";
import { GatewayService } from "../../gateway/service.js";
import { testSite } from "../../gateway/testing/site.js";
import { toHex } from "../../protocol/bytes.js";
import { DEVICE_KIND_CHARGER } from "../../protocol/constants.js";
import { encodeManifest, OTA_BOARD_CODES } from "../../protocol/ota.js";
import { packageTag } from "../../protocol/ota-tag.js";
import { sha256 } from "../../protocol/sha256.js";
import { freePort, tmpDir } from "../../tests/support/services.js";
import { capture as captureRun } from "../testing/capture.js";
import { run } from "./ota.js";

const capture = (argv: string[]) => captureRun(run, argv);

const CHARGERS = ["00f00001", "00f00002", "00f00003"];

describe("haitang ota", () => {
  const dir = tmpDir("haitang-cli-ota-");
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
    for (const [i, id] of CHARGERS.entries())
      gw.running().admin.register({
        deviceId: Number.parseInt(id, 16),
        kind: "charger",
        key: new Uint8Array(16).fill(i + 1),
        board: "PICO",
        firmware: i === 2 ? "0.9.0" : "1.0.0",
        shed: "s1",
      });
  });

  afterAll(async () => {
    await gw.stop();
    dir.remove();
  });

  it("builds the release, starts a campaign for the chargers on 1.0.0, and pauses, resumes, aborts it", async () => {
    const start = await capture([
      "start",
      "--kind",
      "charger",
      "--board",
      "pico",
      "--from",
      "1.0.0",
      "--version",
      "1.1.0",
      "--id",
      "c1",
      ...base,
    ]);
    expect(start.err).toContain("building the charger release 1.1.0 for PICO");
    expect(start.code).toBe(0);
    expect(start.out).toMatch(/^c1 {2}1\.1\.0 {2}running/);
    expect(start.out).toContain("2 queued");
    const status = await capture(["status", "c1", ...base]);
    expect(status.out).toContain("00f00001  stage 0  queued");
    expect(status.out).not.toContain("00f00003"); // runs 0.9.0
    // Each device got its own image: its own id and key put in place of the placeholder.
    const images = gw.running().ota.list()[0]!;
    expect(images.devices).toHaveLength(2);
    expect((await capture(["pause", "c1", ...base])).out).toContain(
      "paused (paused by an operator)",
    );
    expect((await capture(["resume", "c1", ...base])).out).toContain("running");
    const again = await capture([
      "start",
      "--kind",
      "charger",
      "--version",
      "1.1.0",
      "--board",
      "PICO",
      "--image",
      join(dir.path, "none.js"),
      ...base,
    ]);
    expect(again.code).toBe(1);
    const abort = await capture(["abort", "c1", ...base]);
    expect(abort.out).toContain("aborted");
    expect(abort.out).toContain("2 failed");
    const list = await capture(["list", ...base]);
    expect(list.out).toContain("c1  1.1.0  aborted");
  });

  it("refuses a forged package and counts it; names what it refused", async () => {
    const image = new TextEncoder().encode("/* 1.2.0 */");
    const manifest = encodeManifest({
      deviceKind: DEVICE_KIND_CHARGER,
      boardCode: OTA_BOARD_CODES.PICO!,
      version: "1.2.0",
      minVersion: "0.0.0",
      force: false,
      size: image.length,
      sha256: sha256(image),
    });
    const hmac = (k: Uint8Array, d: Uint8Array) =>
      new Uint8Array(createHmac("sha256", k).update(d).digest());
    const file = join(dir.path, "forged.json");
    writeFileSync(
      file,
      JSON.stringify({
        deviceId: 0x00f00003,
        manifestHex: toHex(manifest),
        tagHex: toHex(packageTag(hmac, new Uint8Array(16).fill(9), manifest, 0x00f00003)),
        image: "/* 1.2.0 */",
      }),
    );
    const r = await capture(["start", "--kind", "charger", "--package", file, ...base]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("422 every package was refused");
    expect(r.err).toContain("refused 00f00003: forged");
    expect(gw.health().counters["ota.forged"]).toBe(1);
  });

  it("says what is missing", async () => {
    const r = await capture(["start", "--board", "PICO", ...base]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--kind smoke|charger|guardian is required");
    expect((await capture(["status", ...base])).code).toBe(2);
  });
});
