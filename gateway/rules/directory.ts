/**
 * What rules may look up about devices besides the one that sent: the
 * detectors of a building (interlink), every device (absence). gw-core's
 * DeviceRegistry has these methods; `memoryDirectory` serves tests and tools.
 */
import type { DeviceRecord } from "../types.js";

export interface DeviceDirectory {
  get(deviceId: number): DeviceRecord | undefined;
  /** Active devices of one building. */
  inBuilding(building: string): readonly DeviceRecord[];
  /** Every registered device (any status). */
  list(): readonly DeviceRecord[];
}

export function memoryDirectory(devices: readonly DeviceRecord[]): DeviceDirectory & {
  put(d: DeviceRecord): void;
} {
  const byId = new Map<number, DeviceRecord>();
  for (const d of devices) byId.set(d.deviceId, d);
  return {
    get: (id) => byId.get(id),
    inBuilding: (b) => [...byId.values()].filter((d) => d.status === "active" && d.building === b),
    list: () => [...byId.values()],
    put: (d) => {
      byId.set(d.deviceId, d);
    },
  };
}
