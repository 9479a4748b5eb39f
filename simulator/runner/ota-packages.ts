/**
 * The update packages a scenario's `ota-campaign` step hands the gateway, one
 * per device, made the way an operator's builder makes them
 * (firmware/build/ota-package.ts): the built image of the new version with
 * the device's id and key, its manifest, and the tag under the device key.
 * Faults on purpose, by device name:
 * - forged: the tag is made under another key (the gateway refuses it);
 * - corrupt: a byte of the image changed after the manifest (refused too);
 * - downgrade: the manifest says an older version than the device runs
 *   (the device refuses it);
 * - silent: the new image is an app that never reports (the device's boot
 *   loader rolls back to the old image after the confirm time).
 */
import { createHmac } from "node:crypto";
import { buildFirmware } from "../../firmware/build/build.js";
import {
  PLACEHOLDER_ID,
  PLACEHOLDER_KEY,
  swapIdentity,
} from "../../firmware/build/identity-swap.js";
import type { DeviceConfig } from "../../firmware/device-config.js";
import { KIND_CODES } from "../../gateway/ota/campaign-packages.js";
import { fromHex, toHex } from "../../protocol/bytes.js";
import { encodeManifest, OTA_BOARD_CODES } from "../../protocol/ota.js";
import { packageTag } from "../../protocol/ota-tag.js";
import { sha256 } from "../../protocol/sha256.js";
import type { TimelineItem } from "../scenario/types.js";

/** The scenario step's arguments (simulator/scenario/types.ts). */
export type OtaStepArgs = NonNullable<TimelineItem["ota-campaign"]>;

export interface PackageTarget {
  name: string;
  board: string;
  config: DeviceConfig;
}

const SILENT_APP = "firmware/build/fixtures/silent-app.ts";
const hmac = (k: Uint8Array, d: Uint8Array) =>
  new Uint8Array(createHmac("sha256", k).update(d).digest());

/** Generic builds, once per (kind, board, settings, version, entry). */
export class ReleaseBuilds {
  private readonly builds = new Map<string, Promise<string>>();

  generic(config: DeviceConfig, board: string, version: string, entry?: string): Promise<string> {
    const generic = { ...config, deviceId: PLACEHOLDER_ID, key: PLACEHOLDER_KEY };
    const key = `${board}:${version}:${entry ?? ""}:${JSON.stringify(generic)}`;
    let p = this.builds.get(key);
    if (!p) {
      p = buildFirmware({
        kind: config.kind,
        board,
        device: generic,
        version,
        ...(entry ? { entry } : {}),
      }).then((r) => r.code);
      this.builds.set(key, p);
    }
    return p;
  }
}

export async function otaPackages(
  args: OtaStepArgs,
  targets: readonly PackageTarget[],
  builds: ReleaseBuilds,
): Promise<{ deviceId: number; manifestHex: string; tagHex: string; image: string }[]> {
  const named = (list: string[] | undefined, name: string) => list?.includes(name) === true;
  const out = [];
  for (const t of targets) {
    const silent = named(args.silent, t.name);
    const generic = await builds.generic(
      t.config,
      t.board,
      args.version,
      silent ? SILENT_APP : undefined,
    );
    // The silent app carries no identity: nothing to put in place.
    const code = silent ? generic : swapIdentity(generic, t.config.deviceId, t.config.key);
    if (code === undefined)
      throw new Error(`ota-campaign: cannot put ${t.name}'s identity in the image`);
    const image = new Uint8Array(Buffer.from(code, "latin1"));
    const manifest = encodeManifest({
      deviceKind: KIND_CODES[t.config.kind],
      boardCode: OTA_BOARD_CODES[t.board] ?? 0,
      version: named(args.downgrade, t.name) ? "0.0.1" : args.version,
      minVersion: "0.0.0",
      force: false,
      size: image.length,
      sha256: sha256(image),
    });
    const key = named(args.forged, t.name) ? new Uint8Array(16).fill(0x42) : fromHex(t.config.key)!;
    const mid = Math.floor(image.length / 2);
    if (named(args.corrupt, t.name)) image[mid] = (image[mid] as number) ^ 0x20;
    out.push({
      deviceId: t.config.deviceId,
      manifestHex: toHex(manifest),
      tagHex: toHex(packageTag(hmac, key, manifest, t.config.deviceId)),
      image: Buffer.from(image).toString("latin1"),
    });
  }
  return out;
}
