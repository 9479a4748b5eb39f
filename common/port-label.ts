/**
 * Ports as people read them. On the wire, in the database and in the APIs a
 * charger's port is an index from 0 (`port`); everything a person reads —
 * evidence, notifications, webhooks, reports, the pages, the CLI — numbers the
 * ports of a charger from 1, the way they are labelled on the charger. Where
 * a shed has several chargers, the charger's position in the shed (from 1)
 * comes first: "charger 2 port 1". The dashboards follow the same rule
 * (cloud-bridge/web/js/views/common.js portText).
 */

/** "port 3" for the port with index 2. */
export function portLabel(index: number): string {
  return `port ${index + 1}`;
}

/** "charger 2 port 1" in a shed of several chargers (`chargerPos` from 0), else "port 1". */
export function shedPortLabel(index: number, chargerPos?: number, chargers = 1): string {
  return chargers > 1 && chargerPos !== undefined
    ? `charger ${chargerPos + 1} ${portLabel(index)}`
    : portLabel(index);
}
