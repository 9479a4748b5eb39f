/** A device's OTA_REASON_* in words, for the campaign view, the CLI and the cloud. */
import {
  OTA_REASON_BOOT_CRASH,
  OTA_REASON_BUSY,
  OTA_REASON_DOWNGRADE,
  OTA_REASON_HASH_MISMATCH,
  OTA_REASON_INCOMPLETE,
  OTA_REASON_MIN_VERSION,
  OTA_REASON_NO_REPORT,
  OTA_REASON_NO_TRANSFER,
  OTA_REASON_NOT_IN_FLASH,
  OTA_REASON_TOO_LARGE,
  OTA_REASON_WRONG_BOARD,
  OTA_REASON_WRONG_KIND,
} from "../../protocol/constants.js";

const TEXT: Record<number, string> = {
  [OTA_REASON_WRONG_KIND]: "refused: image for another device kind",
  [OTA_REASON_WRONG_BOARD]: "refused: image for another board",
  [OTA_REASON_DOWNGRADE]: "refused: not newer than the running version (downgrade)",
  [OTA_REASON_MIN_VERSION]: "refused: the running version is below the image's minimum",
  [OTA_REASON_TOO_LARGE]: "refused: image too large",
  [OTA_REASON_HASH_MISMATCH]: "refused: image hash mismatch (corrupted)",
  [OTA_REASON_BUSY]: "refused: device busy (alarming or a port near its limit)",
  [OTA_REASON_NO_REPORT]: "rolled back: the new image did not report in time",
  [OTA_REASON_BOOT_CRASH]: "rolled back: the new image restarted too often",
  [OTA_REASON_NO_TRANSFER]: "refused: no transfer to switch to",
  [OTA_REASON_INCOMPLETE]: "refused: image incomplete",
  [OTA_REASON_NOT_IN_FLASH]: "refused: running code is not in flash (nothing to roll back to)",
};

export function otaReasonText(reason: number): string {
  return TEXT[reason] ?? `reason ${reason}`;
}
