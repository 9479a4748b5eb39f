import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../common/paths.js";
import { fromHex } from "../../protocol/bytes.js";
import { hmacSha256 } from "../../protocol/hmac.js";
import { decodeManifest } from "../../protocol/ota.js";
import { packageTagMatches } from "../../protocol/ota-tag.js";
import { sha256 } from "../../protocol/sha256.js";
import { buildOtaPackage } from "./ota-package.js";

const device = JSON.parse(
  readFileSync(join(repoRoot(), "firmware", "build", "fixtures", "smoke-pico.json"), "utf8"),
);

describe("update package", () => {
  it("binds the built image to a manifest and tags it for the device", async () => {
    const pkg = await buildOtaPackage({
      kind: "smoke",
      board: "PICO",
      device,
      version: "1.4.0",
      minVersion: "1.0.0",
    });
    const manifest = fromHex(pkg.manifestHex)!;
    const m = decodeManifest(manifest)!;
    const image = Uint8Array.from(Buffer.from(pkg.image, "latin1"));
    expect(m).toMatchObject({
      deviceKind: 1,
      boardCode: 2,
      version: "1.4.0",
      minVersion: "1.0.0",
      force: false,
      size: image.length,
    });
    expect(m.sha256).toEqual(sha256(image));
    const key = fromHex(device.key)!;
    expect(
      packageTagMatches(hmacSha256, key, manifest, device.deviceId, fromHex(pkg.tagHex)!),
    ).toBe(true);
    // A forged package (the force flag set after signing) does not verify.
    const forged = manifest.slice();
    forged[8] = 1;
    expect(packageTagMatches(hmacSha256, key, forged, device.deviceId, fromHex(pkg.tagHex)!)).toBe(
      false,
    );
  }, 60_000);

  it("refuses a board whose images carry no update receiver", async () => {
    await expect(
      buildOtaPackage({
        kind: "guardian",
        board: "ESP8266",
        device: { ...device, kind: "guardian" },
      }),
    ).rejects.toThrow(/USB only/);
  });
});
