/**
 * What counts as a device's self-test result, read from the frames the
 * gateway accepted after the installer queued SOUND_SELF_TEST:
 * - a smoke detector tests its chamber, battery and sounder and reports a
 *   smoke event SELF_TEST_OK or SELF_TEST_FAIL;
 * - chargers and guardian sensors answer the command (command-ack) and
 *   report their status and readings at once.
 */

import type { DeviceKind } from "../firmware/device-config.js";
import {
  COMMAND_RESULT_OK,
  SMOKE_SELF_TEST_FAIL,
  SMOKE_SELF_TEST_OK,
} from "../protocol/constants.js";
import type { AcceptedFrame } from "./gateway-api.js";

export interface SelfTestVerdict {
  result: "passed" | "failed";
  detail: string;
}

export function selfTestVerdict(kind: DeviceKind, f: AcceptedFrame): SelfTestVerdict | undefined {
  const m = f.msg;
  if (kind === "smoke") {
    if (m.type !== "smoke-event") return undefined;
    if (m.event === SMOKE_SELF_TEST_OK) {
      return {
        result: "passed",
        detail: `chamber, battery and sounder OK (smoke level ${m.smokeLevel}, battery ${m.batteryMv} mV)`,
      };
    }
    if (m.event === SMOKE_SELF_TEST_FAIL) {
      return {
        result: "failed",
        detail: `chamber or battery fault (smoke level ${m.smokeLevel}, battery ${m.batteryMv} mV)`,
      };
    }
    return undefined;
  }
  if (m.type !== "command-ack") return undefined;
  return m.result === COMMAND_RESULT_OK
    ? { result: "passed", detail: "answered the self-test command and reported its status" }
    : { result: "failed", detail: `refused the self-test command (result ${String(m.result)})` };
}
