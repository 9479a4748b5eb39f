/**
 * An update package for one device (issue 14): the built image, its manifest
 * (protocol/ota.ts) and the operator's tag over manifest + device id under the
 * device key (protocol/ota-tag.ts). Images carry the device's identity and
 * key, so a package is per device and as secret as its device file. The
 * gateway checks the tag before it sends a byte; the device checks the begin
 * frame's MAC and, before switching, the whole image's SHA-256.
 */
import { createHmac } from "node:crypto";
import { toHex } from "../../protocol/bytes.js";
import {
  DEVICE_KIND_CHARGER,
  DEVICE_KIND_GUARDIAN,
  DEVICE_KIND_SMOKE,
} from "../../protocol/constants.js";
import { encodeManifest, OTA_BOARD_CODES, OTA_MAX_IMAGE_BYTES } from "../../protocol/ota.js";
import { packageTag } from "../../protocol/ota-tag.js";
import { getBoard } from "./boards.js";
import { type BuildFirmwareOptions, buildFirmware, FirmwareBuildError } from "./build.js";

export const OTA_PACKAGE_FORMAT = "haitang-ota/1";

export interface OtaPackage {
  format: typeof OTA_PACKAGE_FORMAT;
  deviceId: number;
  kind: string;
  board: string;
  version: string;
  minVersion: string;
  force: boolean;
  /** Hex of the 44 manifest bytes. */
  manifestHex: string;
  /** Hex of the package tag. */
  tagHex: string;
  /** The image, as flashed (ASCII JavaScript). */
  image: string;
}

const KIND_CODES = {
  smoke: DEVICE_KIND_SMOKE,
  charger: DEVICE_KIND_CHARGER,
  guardian: DEVICE_KIND_GUARDIAN,
};

export async function buildOtaPackage(
  opts: BuildFirmwareOptions & { minVersion?: string; force?: boolean },
): Promise<OtaPackage> {
  const board = typeof opts.board === "string" ? getBoard(opts.board) : opts.board;
  if (!board.ota)
    throw new FirmwareBuildError("config", `${board.name} images carry no update receiver`, [
      `a ${board.name} is updated over USB only (firmware/build/README.md, "ota")`,
    ]);
  const built = await buildFirmware(opts);
  const image = Buffer.from(built.code, "latin1");
  if (image.length > OTA_MAX_IMAGE_BYTES)
    throw new FirmwareBuildError("size", "image too large for an update", [
      `${image.length} bytes`,
    ]);
  const manifest = encodeManifest({
    deviceKind: KIND_CODES[opts.kind],
    boardCode: OTA_BOARD_CODES[board.name] as number,
    version: built.version,
    minVersion: opts.minVersion ?? "0.0.0",
    force: opts.force === true,
    size: image.length,
    sha256: Uint8Array.from(Buffer.from(built.sha256, "hex")),
  });
  const key = Buffer.from((opts.device as { key: string }).key, "hex");
  const hmac = (k: Uint8Array, d: Uint8Array) =>
    new Uint8Array(createHmac("sha256", k).update(d).digest());
  return {
    format: OTA_PACKAGE_FORMAT,
    deviceId: built.report.deviceId,
    kind: opts.kind,
    board: board.name,
    version: built.version,
    minVersion: opts.minVersion ?? "0.0.0",
    force: opts.force === true,
    manifestHex: toHex(manifest),
    tagHex: toHex(packageTag(hmac, key, manifest, built.report.deviceId)),
    image: built.code,
  };
}
