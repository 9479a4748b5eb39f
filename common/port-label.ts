/**
 * Ports as people read them. On the wire, in the database, in the APIs and in
 * page URLs a charger's port is an index from 0 (`port`); everything a person
 * reads — evidence, notifications, webhooks, reports, the pages, the CLI —
 * numbers the ports of a charger from 1, the way they are labelled on the
 * charger. Where a shed has several chargers, the charger's position in the
 * shed (from 1, chargers in device-id order) comes first: "charger 2 port 1".
 * The dashboard's browser module cloud-bridge/web/js/port-label.js applies the
 * same rule (a test pins the two together).
 */

/** The numbers of one port as people read them; `charger` only in a shed of several chargers. */
export interface PortNumbers {
  charger?: number;
  port: number;
}

/** "port 3" for the port with index 2. */
export function portLabel(index: number): string {
  return `port ${index + 1}`;
}

/**
 * The numbers of port `index` of charger `deviceId` in a shed whose chargers
 * are `chargerIds` (any order; positions follow device-id order).
 */
export function portNumbers(
  index: number,
  deviceId?: string,
  chargerIds: readonly string[] = [],
): PortNumbers {
  const ids = [...new Set(chargerIds)].sort((a, b) => a.localeCompare(b));
  const pos = deviceId === undefined ? -1 : ids.indexOf(deviceId);
  return ids.length > 1 && pos >= 0 ? { charger: pos + 1, port: index + 1 } : { port: index + 1 };
}

/** The text of `portNumbers`: "charger 2 port 1" or "port 1". */
export function portNumbersText(n: PortNumbers): string {
  return n.charger === undefined ? `port ${n.port}` : `charger ${n.charger} port ${n.port}`;
}
