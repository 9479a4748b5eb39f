/**
 * The bytes each device of a campaign gets, from one of two sources:
 * - a release: the generic image of a kind and board (built with the
 *   placeholder identity, firmware/build/identity-swap.ts); the gateway, which
 *   holds every device key, puts each device's id and key in place and makes
 *   its manifest. Every begin frame is then MACed under the device key.
 * - per-device packages (firmware/build/ota-package.ts), made by an operator
 *   who holds the device files: each package's tag is checked under the
 *   registry's key for that device (a forged one is refused and counted) and
 *   its image against the manifest's SHA-256 (a corrupted one likewise)
 *   before a byte is sent.
 */
import { createHmac } from "node:crypto";
import { PLACEHOLDER_ID, swapIdentity } from "../../firmware/build/identity-swap.js";
import { bytesEqual, fromHex } from "../../protocol/bytes.js";
import {
  DEVICE_KIND_CHARGER,
  DEVICE_KIND_GUARDIAN,
  DEVICE_KIND_SMOKE,
  OTA_MANIFEST_LENGTH,
} from "../../protocol/constants.js";
import { decodeManifest, encodeManifest, OTA_BOARD_CODES } from "../../protocol/ota.js";
import { packageTagMatches } from "../../protocol/ota-tag.js";
import { sha256 } from "../../protocol/sha256.js";
import type { DeviceKindName } from "../../protocol/uplink.js";
import type { RegisteredDevice } from "../registry/registry.js";
import type { DeviceImage } from "./campaign-store.js";

export const KIND_CODES: Record<DeviceKindName, number> = {
  smoke: DEVICE_KIND_SMOKE,
  charger: DEVICE_KIND_CHARGER,
  guardian: DEVICE_KIND_GUARDIAN,
};

export interface Release {
  kind: DeviceKindName;
  board: string;
  version: string;
  minVersion?: string;
  force?: boolean;
  /** The generic image (ASCII JavaScript) with the placeholder identity. */
  image: string;
}

/** A package file as firmware/build/ota-package.ts writes it (fields as JSON). */
export interface PackageInput {
  deviceId: number;
  manifestHex: string;
  tagHex: string;
  image: string;
}

export interface Refusal {
  deviceId: number;
  /** "forged" (tag), "corrupt" (image vs manifest), "no-slot" (identity), "wrong-device". */
  code: "forged" | "corrupt" | "no-slot" | "wrong-device";
  why: string;
}

export interface Prepared {
  images: DeviceImage[];
  refused: Refusal[];
}

const hmac = (k: Uint8Array, d: Uint8Array) =>
  new Uint8Array(createHmac("sha256", k).update(d).digest());
const latin1 = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));

export function fromRelease(r: Release, devices: readonly RegisteredDevice[]): Prepared {
  const out: Prepared = { images: [], refused: [] };
  const board = OTA_BOARD_CODES[r.board.toUpperCase()];
  for (const d of devices) {
    const code =
      board === undefined
        ? undefined
        : swapIdentity(r.image, d.deviceId, Buffer.from(d.key).toString("hex"));
    if (board === undefined || code === undefined) {
      out.refused.push({
        deviceId: d.deviceId,
        code: "no-slot",
        why:
          board === undefined
            ? `board ${r.board} has no update code`
            : `the release image has no single placeholder identity (${PLACEHOLDER_ID}) to put this device's in`,
      });
      continue;
    }
    const image = latin1(code);
    const manifest = encodeManifest({
      deviceKind: KIND_CODES[r.kind],
      boardCode: board,
      version: r.version,
      minVersion: r.minVersion ?? "0.0.0",
      force: r.force === true,
      size: image.length,
      sha256: sha256(image),
    });
    out.images.push({ deviceId: d.deviceId, manifest, image });
  }
  return out;
}

export function fromPackages(
  pkgs: readonly PackageInput[],
  lookup: (deviceId: number) => RegisteredDevice | undefined,
): Prepared {
  const out: Prepared = { images: [], refused: [] };
  for (const p of pkgs) {
    const dev = lookup(p.deviceId);
    const manifest = fromHex(p.manifestHex);
    const tag = fromHex(p.tagHex);
    if (dev?.status !== "active") {
      out.refused.push({
        deviceId: p.deviceId,
        code: "wrong-device",
        why: "no such active device",
      });
      continue;
    }
    if (
      !manifest ||
      !tag ||
      manifest.length !== OTA_MANIFEST_LENGTH ||
      !packageTagMatches(hmac, dev.key, manifest, p.deviceId, tag)
    ) {
      out.refused.push({
        deviceId: p.deviceId,
        code: "forged",
        why: "the package tag does not verify under this device's key",
      });
      continue;
    }
    const image = latin1(p.image);
    const m = decodeManifest(manifest);
    if (!m || m.size !== image.length || !bytesEqual(m.sha256, sha256(image))) {
      out.refused.push({
        deviceId: p.deviceId,
        code: "corrupt",
        why: "the image does not match the manifest's size and SHA-256",
      });
      continue;
    }
    out.images.push({ deviceId: p.deviceId, manifest, image });
  }
  return out;
}
