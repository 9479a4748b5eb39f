/**
 * Ports as people read them, in the dashboard: a charger's ports from 1, and
 * the charger's position in the shed (from 1, chargers in device-id order)
 * first when the shed has several — the rule of common/port-label.ts, which a
 * test (cloud-bridge/web/port-label.test.ts) holds this module to. URLs and
 * API calls keep the charger's own 0-based index (`devicePort`). The words
 * around the numbers are the page's language (views/common.js portName).
 */
/**
 * The numbers of port `index` of charger `deviceId` in a shed whose chargers are `chargerIds`.
 * @param {number} index
 * @param {string} [deviceId]
 * @param {readonly string[]} [chargerIds]
 * @returns {{ charger?: number, port: number }}
 */
export function portNumbers(index, deviceId, chargerIds = []) {
  const ids = [...new Set(chargerIds)].sort((a, b) => a.localeCompare(b));
  const pos = deviceId === undefined ? -1 : ids.indexOf(deviceId);
  return ids.length > 1 && pos >= 0 ? { charger: pos + 1, port: index + 1 } : { port: index + 1 };
}

/**
 * Adds each port's people numbers (`chargerNo`, `portNo`) to a shed's ports.
 * @template {{ deviceId: string, devicePort: number }} P
 * @param {P[]} ports
 * @returns {Array<P & { chargerNo: number | undefined, portNo: number }>}
 */
export function numberPorts(ports) {
  const ids = ports.map((p) => p.deviceId);
  return ports.map((p) => {
    const n = portNumbers(p.devicePort, p.deviceId, ids);
    return { ...p, chargerNo: n.charger, portNo: n.port };
  });
}
