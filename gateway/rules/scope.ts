/** Whether a rule's devices / buildings / sheds filters admit a device. */
import { deviceIdHex } from "../../protocol/uplink.js";
import type { RuleScope } from "../config/site-config.js";
import type { DeviceRecord } from "../types.js";

export function inScope(rule: RuleScope, device: DeviceRecord): boolean {
  if (rule.devices && !rule.devices.some((d) => d.toLowerCase() === deviceIdHex(device.deviceId))) {
    return false;
  }
  if (
    rule.buildings &&
    (device.building === undefined || !rule.buildings.includes(device.building))
  ) {
    return false;
  }
  if (rule.sheds && (device.shed === undefined || !rule.sheds.includes(device.shed))) return false;
  return true;
}
