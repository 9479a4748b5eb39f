/**
 * The installer page's view models and the conversions of the gateway API's
 * JSON into them (gateway/http documents the JSON).
 */
import { arr, num, obj, optNum, optStr, str } from "./narrow.js";

/**
 * @typedef {{
 *   deviceId: string, kind: string, status: string,
 *   building: string | undefined, location: string | undefined, shed: string | undefined,
 *   lastSeen: number | undefined, batteryMv: number | undefined, rssiDbm: number | undefined,
 *   firmware: string | undefined, board: string | undefined, registeredAt: number | undefined,
 *   listening: string | undefined,
 * }} Device
 * @typedef {{
 *   deviceId: string, firstHeard: number, lastHeard: number, count: number,
 *   receivers: string[], kindHint: string | undefined,
 * }} PendingDevice
 * @typedef {{ id: number, createdAt: number, deviceId: string | undefined, report: Record<string, unknown> }} Report
 * @typedef {{ name: string, connected: boolean, path: string | undefined, frames: number | undefined }} Receiver
 * @typedef {{
 *   site: string, gateway: string, version: string | undefined, uptimeS: number | undefined,
 *   uplink: string, outboxDepth: number, oldestEntryAgeS: number,
 *   devices: number, pendingDevices: number, activeAlarms: number,
 *   receivers: Receiver[], drops: Array<{ reason: string, count: number }>,
 *   counters: Array<{ name: string, count: number }>,
 * }} Health
 * @typedef {{ metric: string, port: number | undefined, points: Array<[number, number]> }} ReadingSeries
 * @typedef {{
 *   alarmId: string, kind: string, severity: string, port: number | undefined, active: boolean,
 *   raisedAt: number, clearedAt: number | undefined, evidence: string | undefined,
 * }} DeviceAlarm
 * @typedef {{ deviceId: string, from: number, to: number, series: ReadingSeries[], alarms: DeviceAlarm[] }} DeviceReadings
 */

/** Drop reasons of the pipeline (gateway/types.ts DropReason), in display order. */
export const DROP_REASONS = [
  "bad-crc",
  "garbage",
  "oversize",
  "malformed",
  "unknown-device",
  "decommissioned",
  "bad-mac",
  "replayed",
  "duplicate",
  "rate-limited",
  "wrong-direction",
];

/** Device ids are shown as 8 hex digits. @param {unknown} v */
export function hexId(v) {
  if (typeof v === "number") return (v >>> 0).toString(16).padStart(8, "0");
  return str(v);
}

/** @param {unknown} raw @returns {Device} */
export function toDevice(raw) {
  const r = obj(raw);
  return {
    deviceId: hexId(r.deviceId),
    kind: str(r.kind, "unknown"),
    status: str(r.status, "active"),
    building: optStr(r.building),
    location: optStr(r.location),
    shed: optStr(r.shed),
    lastSeen: optNum(r.lastSeen),
    batteryMv: optNum(r.batteryMv),
    rssiDbm: optNum(r.lastRssi ?? r.rssiDbm ?? r.rssi),
    firmware: optStr(r.firmware),
    board: optStr(r.board),
    registeredAt: optNum(r.createdAt),
    listening: optStr(r.listening),
  };
}

/** Message type code of the frames heard -> the kind it hints at (protocol/constants.ts). */
const KIND_BY_TYPE = { 2: "smoke", 3: "charger", 4: "charger", 5: "guardian" };

/** @param {unknown} raw @returns {PendingDevice} */
export function toPending(raw) {
  const r = obj(raw);
  const type = optNum(r.typeCode);
  return {
    deviceId: hexId(r.deviceId),
    firstHeard: num(r.firstHeard),
    lastHeard: num(r.lastHeard),
    count: num(r.count),
    receivers: arr(r.receivers).map((x) => str(x)),
    kindHint:
      optStr(r.kindHint) ??
      (type === undefined ? undefined : KIND_BY_TYPE[/** @type {2} */ (type)]),
  };
}

/** @param {unknown} raw @returns {Report} */
export function toReport(raw) {
  const r = obj(raw);
  return {
    id: num(r.id),
    createdAt: num(r.createdAt),
    deviceId: r.deviceId === undefined ? undefined : hexId(r.deviceId),
    report: obj(r.report),
  };
}

/** @param {unknown} raw @returns {Health} */
export function toHealth(raw) {
  const r = obj(raw);
  const outbox = obj(r.outbox);
  // counters: {received, accepted, ..., "dropped.bad-crc": n, ...} (gateway/pipeline/stage-counters.ts)
  const counters = obj(r.counters);
  const dropped = obj(r.drops ?? r.dropped ?? counters.dropped);
  /** @type {Array<{ reason: string, count: number }>} */
  const drops = DROP_REASONS.map((reason) => ({
    reason,
    count: num(dropped[reason] ?? counters[reason] ?? counters[`dropped.${reason}`]),
  }));
  for (const [reason, count] of Object.entries(dropped)) {
    if (!DROP_REASONS.includes(reason)) drops.push({ reason, count: num(count) });
  }
  const uplink = obj(r.uplink);
  return {
    site: str(r.site),
    gateway: str(r.gateway),
    version: optStr(r.version),
    uptimeS: optNum(r.uptimeS),
    // uplinkState adds "disabled" (no cloud configured) to GatewayHealth's connected/disconnected.
    uplink: str(
      r.uplinkState ?? (typeof r.uplink === "string" ? r.uplink : uplink.state),
      "disconnected",
    ),
    outboxDepth: num(r.outboxDepth ?? outbox.depth),
    oldestEntryAgeS: num(r.oldestEntryAgeS ?? outbox.oldestAgeS ?? outbox.oldestEntryAgeS),
    devices: num(r.devices),
    pendingDevices: num(r.pendingDevices),
    activeAlarms: num(r.activeAlarms),
    receivers: arr(r.receivers).map((x) => {
      const o = obj(x);
      return {
        name: str(o.id ?? o.name),
        connected: o.up === true || o.connected === true,
        path: optStr(o.path),
        frames: optNum(o.frames),
      };
    }),
    drops,
    counters: Object.entries(counters)
      .filter(([name, v]) => typeof v === "number" && !name.startsWith("dropped."))
      .map(([name, v]) => ({ name, count: num(v) })),
  };
}

/**
 * @typedef {{ deviceId: string, stage: number, state: string, percent: number, reason: string | undefined }} OtaDevice
 * @typedef {{
 *   id: string, version: string, status: string, why: string | undefined, stage: number,
 *   selector: Record<string, string>, counts: Record<string, number>,
 *   held: Map<string, string>, devices: OtaDevice[],
 * }} Campaign
 */

/** @param {unknown} raw @returns {Campaign} */
export function toCampaign(raw) {
  const r = obj(raw);
  /** @type {Record<string, string>} */
  const selector = {};
  for (const [k, v] of Object.entries(obj(r.selector))) selector[k] = str(v);
  /** @type {Record<string, number>} */
  const counts = {};
  for (const [k, v] of Object.entries(obj(r.counts))) counts[k] = num(v);
  return {
    id: str(r.id),
    version: str(r.version),
    status: str(r.status, "running"),
    why: optStr(r.why),
    stage: num(r.stage),
    selector,
    counts,
    held: new Map(
      arr(r.held).map((x) => {
        const o = obj(x);
        return [hexId(o.deviceId), str(o.why)];
      }),
    ),
    devices: arr(r.devices).map((x) => {
      const o = obj(x);
      return {
        deviceId: hexId(o.deviceId),
        stage: num(o.stage),
        state: str(o.state, "queued"),
        percent: num(o.percent),
        reason: optStr(o.reason),
      };
    }),
  };
}

/** @param {unknown} raw @returns {DeviceReadings} */
export function toReadings(raw) {
  const r = obj(raw);
  return {
    deviceId: str(r.deviceId),
    from: num(r.from),
    to: num(r.to),
    series: arr(r.series).map((x) => {
      const s = obj(x);
      return {
        metric: str(s.metric),
        port: optNum(s.port),
        points: arr(s.points).map(
          (p) => /** @type {[number, number]} */ ([num(arr(p)[0]), num(arr(p)[1])]),
        ),
      };
    }),
    alarms: arr(r.alarms).map((x) => {
      const a = obj(x);
      return {
        alarmId: str(a.alarmId),
        kind: str(a.kind),
        severity: str(a.severity),
        port: optNum(a.port),
        active: a.active === true,
        raisedAt: num(a.raisedAt),
        clearedAt: optNum(a.clearedAt),
        evidence: optStr(a.evidence),
      };
    }),
  };
}
