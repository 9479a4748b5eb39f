/**
 * What every app does first on the board: the Espruino HAL, the link with the
 * device's identity and key, and the stored config overrides.
 * HAITANG_DEVICE is only ever read field by field (never aliased or passed
 * on): the minifier then keeps just the fields an image reads.
 */
import { fromHex } from "../../protocol/bytes.js";
import { RESET_FLASHED, RESET_POWER_ON } from "../../protocol/constants.js";
import { loadConfigOverrides } from "../devices/config-update.js";
import {
  type CommandHandler,
  createLink,
  type Link,
  type ListenSettings,
} from "../devices/link.js";
import type { Identity } from "../devices/status.js";
import { createEspruinoHal } from "../hal/espruino-hal.js";
import type { Hal } from "../hal/hal.js";

export interface Boot {
  hal: Hal;
  link: Link;
  id: Identity;
}

/** Retries: first after about 1 s, doubling up to the cap (battery devices keep it longer). */
const BACKOFF_BASE_MS = 1000;

/**
 * `settings` gets the stored config overrides; the link reads its
 * listenWindowMs (absent = 0 = always listening, mains) at each use.
 * `listenEveryMs` > 0 adds the listening schedule of sleepy detectors.
 */
export function boot(
  deviceKind: number,
  settings: object,
  backoffMaxMs: number,
  listenEveryMs: number,
  onCommand: CommandHandler,
): Boot {
  const hal = createEspruinoHal(HAITANG_DEVICE.link.baud);
  loadConfigOverrides(hal, settings);
  const link = createLink(
    hal,
    {
      deviceId: HAITANG_DEVICE.deviceId,
      key: fromHex(HAITANG_DEVICE.key)!,
      listen: settings as ListenSettings,
      listenEveryMs: listenEveryMs,
      backoffBaseMs: BACKOFF_BASE_MS,
      backoffMaxMs: backoffMaxMs,
    },
    onCommand,
  );
  link.start();
  return {
    hal: hal,
    link: link,
    id: {
      deviceKind: deviceKind,
      firmwareVersion: HAITANG_FIRMWARE_VERSION,
      resetCause: link.firstBoot() ? RESET_FLASHED : RESET_POWER_ON,
    },
  };
}
