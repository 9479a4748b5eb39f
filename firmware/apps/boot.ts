/**
 * What every app does first on the board: the Espruino HAL, the link with the
 * device's identity and key, and the stored config overrides.
 * HAITANG_DEVICE is only ever read field by field (never aliased or passed
 * on): the minifier then keeps just the fields an image reads.
 */
import { RESET_FLASHED, RESET_POWER_ON } from "../../protocol/constants.js";
import { versionNumber } from "../../protocol/ota.js";
import { loadConfigOverrides } from "../devices/config-update.js";
import { keyFromHex } from "../devices/group-sounding.js";
import {
  type CommandHandler,
  createLink,
  type GroupHandler,
  type Link,
  type ListenSettings,
} from "../devices/link.js";
import { createOtaReceiver, type OtaReceiver } from "../devices/ota-receiver.js";
import type { Identity } from "../devices/status.js";
import { createEspruinoHal } from "../hal/espruino-hal.js";
import type { Hal } from "../hal/hal.js";

export interface Boot {
  hal: Hal;
  link: Link;
  id: Identity;
  /** The device key (a group rekey is masked with it). */
  key: Uint8Array;
}

/**
 * `settings` gets the stored config overrides; the link reads its
 * listenWindowMs (absent = 0 = always listening, mains) at each use.
 * `listenEveryMs` > 0 adds the listening schedule of sleepy detectors.
 * Retries back off from about 1 s to `backoffMaxMs` (battery devices keep it longer).
 * On boards whose images carry it (HAITANG_BOARD.ota), the update receiver
 * takes TYPE_OTA_* frames; `busy` (alarming, a port near its limit) holds an
 * update back. `onGroup` takes the building group soundings (smoke detectors).
 * `lineAccess` wraps the HAL before the link starts (chargers: listen before
 * talk on a shared bus, firmware/devices/bus-access.ts).
 */
export function boot(
  deviceKind: number,
  settings: object,
  backoffMaxMs: number,
  listenEveryMs: number,
  onCommand: CommandHandler,
  busy: () => boolean,
  onGroup?: GroupHandler,
  lineAccess?: (hal: Hal, baud: number) => void,
): Boot {
  const hal = createEspruinoHal(HAITANG_DEVICE.link.baud);
  if (lineAccess) lineAccess(hal, HAITANG_DEVICE.link.baud);
  loadConfigOverrides(hal, settings);
  let ota: OtaReceiver | undefined;
  const key = keyFromHex(HAITANG_DEVICE.key);
  const link = createLink(
    hal,
    HAITANG_DEVICE.deviceId,
    key,
    settings as ListenSettings,
    listenEveryMs,
    backoffMaxMs,
    onCommand,
    HAITANG_BOARD.ota
      ? function (code, p, now) {
          (ota as OtaReceiver).frame(code, p, now);
        }
      : undefined,
    onGroup,
  );
  link.start();
  if (HAITANG_BOARD.ota) {
    ota = createOtaReceiver(
      hal,
      link,
      require("Storage"),
      deviceKind,
      HAITANG_BOARD.code,
      versionNumber(HAITANG_FIRMWARE_VERSION),
      busy,
      function () {
        E.reboot();
      },
    );
    ota.start(hal.nowMs());
  }
  return {
    hal: hal,
    link: link,
    key: key,
    id: {
      deviceKind: deviceKind,
      firmwareVersion: HAITANG_FIRMWARE_VERSION,
      resetCause: link.firstBoot() ? RESET_FLASHED : RESET_POWER_ON,
    },
  };
}
