/**
 * The dashboard's view models and the conversions of the fleet API's JSON into them
 * (cloud-bridge/README.md documents the JSON), so views never read raw responses.
 */
import { arr, num, obj, optNum, optStr, str } from "./narrow.js";
import { numberPorts } from "./port-label.js";

/** @typedef {import("../../../protocol/uplink.js").Severity} Severity */
/** @typedef {import("../../../protocol/uplink.js").AlarmTransition} AlarmTransition */

/**
 * @typedef {{
 *   site: string, name: string,
 *   gatewaysOnline: number, gatewaysTotal: number,
 *   devicesOffline: number, devicesTotal: number,
 *   alarms: Record<Severity, number>, fire: number, welfare: number,
 * }} SiteSummary
 * @typedef {{ gateway: string, online: boolean, lastSeen: number | undefined, version: string | undefined }} GatewayInfo
 * @typedef {{
 *   port: number, deviceId: string, devicePort: number, chargerNo: number | undefined, portNo: number,
 *   powerW: number, limitW: number, state: number, relayOn: boolean, energyWh: number | undefined,
 * }} PortLive `port` is the port's place in the shed's list; deviceId/devicePort (from 0) name the
 * charger's own port for the API; chargerNo/portNo (from 1) are what people read (port-label.js)
 * @typedef {{ deviceId: string, ts: number | undefined, tempC: number | undefined }} ChargerLive
 * @typedef {{
 *   site: string, gateway: string, shed: string, name: string | undefined,
 *   building: string | undefined, location: string | undefined, chargers: ChargerLive[],
 *   ports: PortLive[], totalW: number, shedLimitW: number,
 *   tempC: number | undefined, tempLimitC: number | undefined, ts: number | undefined,
 * }} ShedLive
 * @typedef {{
 *   deviceId: string, gateway: string, kind: string, online: boolean, lastSeen: number | undefined,
 *   batteryMv: number | undefined, rssiDbm: number | undefined,
 *   building: string | undefined, location: string | undefined, shed: string | undefined,
 *   heard: boolean, registeredAt: number | undefined,
 * }} DeviceInfo `heard` false: installed (registered at its gateway) but no message of it yet
 * @typedef {{ transition: string, ts: number, by: string | undefined, comment: string | undefined, detail: string | undefined }} TimelineEntry
 * @typedef {AlarmTransition & { timeline: TimelineEntry[], updatedAt: number, chargerNo?: number }} Alarm
 * @typedef {{
 *   deviceId: string, gateway: string, state: string, since: number,
 *   lastActivityAt: number | undefined, building: string | undefined,
 *   location: string | undefined, alarms: Alarm[],
 * }} Resident
 * @typedef {[number, number]} Point
 * @typedef {{ key: string, count: number }} Count
 * @typedef {{
 *   site: string, week: string, from: number, to: number,
 *   portOverloads: number, shedOverloads: number, cutsByReason: Count[],
 *   illegalLoad: number, fireAlarms: number, alarmsByKind: Count[],
 *   devicesOffline: Array<{ deviceId: string, lastSeen: number | undefined }>,
 *   lowBatteries: Array<{ deviceId: string, batteryMv: number }>,
 *   ports: ReportPort[],
 * }} WeeklyReport
 * @typedef {{
 *   deviceId: string, shed: string | undefined, chargerNo: number | undefined, portNo: number,
 *   where: string, cuts: number, overloadAlarms: number, peakW: number | undefined,
 * }} ReportPort a port cut or overloaded in the week; `where` is the bridge's English name of it
 */

/** Defaults from HAZARDS.md, used only when the server does not send a limit. */
export const DEFAULT_PORT_LIMIT_W = 1100;
export const DEFAULT_SHED_LIMIT_W = 8700;

/** Port state names of the API, in wire-code order (protocol/constants.ts PORT_*). */
export const PORT_STATE_NAMES = [
  "idle",
  "charging",
  "full",
  "off",
  "cut-overload",
  "cut-shed-total",
  "cut-over-temp",
  "cut-short-circuit",
  "cut-time-limit",
  "cut-illegal-load",
  "cut-command",
  "fault",
];

/** @param {unknown} raw @returns {SiteSummary} */
export function toSiteSummary(raw) {
  const r = obj(raw);
  const gw = obj(r.gateways);
  const dev = obj(r.devices);
  const alarms = obj(r.alarms);
  const al = obj(alarms.active);
  return {
    site: str(r.site),
    name: str(r.name, str(r.site)),
    gatewaysOnline: num(gw.online),
    gatewaysTotal: num(gw.total),
    devicesOffline: num(dev.offline),
    devicesTotal: num(dev.total),
    alarms: {
      critical: num(al.critical),
      major: num(al.major),
      minor: num(al.minor),
      maintenance: num(al.maintenance),
    },
    fire: num(alarms.fire),
    welfare: num(alarms.welfare),
  };
}

/** @param {unknown} raw @returns {GatewayInfo} */
export function toGateway(raw) {
  const r = obj(raw);
  const health = obj(r.health);
  return {
    gateway: str(r.gateway),
    online: r.online === true,
    // The latest message of any kind (the bridge keeps it); statusTs is only the birth message.
    lastSeen: optNum(r.lastSeen ?? health.ts ?? r.statusTs),
    version: optStr(r.version),
  };
}

/** @param {unknown} raw @returns {DeviceInfo} */
export function toDevice(raw) {
  const r = obj(raw);
  return {
    deviceId: str(r.deviceId),
    gateway: str(r.gateway),
    kind: str(r.kind),
    online: r.online !== false,
    lastSeen: optNum(r.lastSeen),
    batteryMv: optNum(r.batteryMv),
    rssiDbm: optNum(r.rssiDbm),
    building: optStr(r.building),
    location: optStr(r.location),
    shed: optStr(r.shed),
    heard: r.heard !== false,
    registeredAt: optNum(r.registeredAt),
  };
}

/**
 * The state code from stateCode, a numeric state (stream envelopes) or a state name.
 * @param {Record<string, unknown>} p
 */
function portStateCode(p) {
  if (typeof p.stateCode === "number") return p.stateCode;
  if (typeof p.state === "number") return p.state;
  const i = PORT_STATE_NAMES.indexOf(str(p.state));
  return i === -1 ? 11 : i;
}

/**
 * A shed from GET /sheds/:shed (several chargers), or one charger's stream
 * envelope (its charger-telemetry body with deviceId, gateway, ts, shed).
 * @param {unknown} raw
 * @param {{ site: string, portLimitW?: number, shedLimitW?: number, tempLimitC?: number | undefined }} ctx
 * @returns {ShedLive}
 */
export function toShed(raw, ctx) {
  const r = obj(raw);
  const limits = obj(r.limits);
  const portLimitW = num(limits.portLimitW, ctx.portLimitW ?? DEFAULT_PORT_LIMIT_W);
  const shed = str(r.shed ?? r.deviceId);
  const ports = numberPorts(
    arr(r.ports).map((raw, i) => {
      const p = obj(raw);
      return {
        port: num(p.port, i),
        deviceId: str(p.deviceId ?? r.deviceId, shed),
        devicePort: num(p.devicePort, num(p.port, i)),
        powerW: num(p.powerW),
        limitW: portLimitW,
        state: portStateCode(p),
        relayOn: p.relayOn === true,
        energyWh: optNum(p.energyWh),
      };
    }),
  );
  const tempDeciC = optNum(r.tempDeciC);
  const tempC = optNum(r.tempC) ?? (tempDeciC === undefined ? undefined : tempDeciC / 10);
  const chargers = Array.isArray(r.chargers)
    ? r.chargers.map((c) => {
        const o = obj(c);
        return { deviceId: str(o.deviceId, str(c)), ts: optNum(o.ts), tempC: optNum(o.tempC) };
      })
    : [{ deviceId: str(r.deviceId, shed), ts: optNum(r.ts), tempC }];
  return {
    site: ctx.site,
    gateway: str(r.gateway),
    shed,
    name: optStr(r.name),
    building: optStr(r.building),
    location: optStr(r.location),
    chargers,
    ports,
    totalW: num(
      r.totalPowerW,
      ports.reduce((s, p) => s + p.powerW, 0),
    ),
    shedLimitW: num(limits.shedLimitW, ctx.shedLimitW ?? DEFAULT_SHED_LIMIT_W),
    tempC,
    tempLimitC: optNum(limits.overTempC) ?? ctx.tempLimitC,
    ts: optNum(r.ts),
  };
}

/** @param {unknown} raw @returns {TimelineEntry} */
function toTimelineEntry(raw) {
  const r = obj(raw);
  const level = optNum(r.level);
  return {
    transition: str(r.what ?? r.transition),
    ts: num(r.at ?? r.ts),
    by: optStr(r.by),
    comment: optStr(r.comment),
    detail: optStr(r.target) ?? (level === undefined ? undefined : `L${level}`),
  };
}

/** @param {unknown} raw @returns {Alarm} */
export function toAlarm(raw) {
  const r = obj(raw);
  const a = /** @type {Alarm} */ (/** @type {unknown} */ ({ ...r }));
  a.alarmId = str(r.alarmId);
  a.site = str(r.site);
  a.gateway = str(r.gateway);
  a.deviceId = str(r.deviceId);
  a.kind = /** @type {Alarm["kind"]} */ (str(r.kind));
  a.severity = /** @type {Alarm["severity"]} */ (str(r.severity, "minor"));
  a.active = r.active === true;
  a.acknowledged = r.acknowledged === true;
  a.historical = r.historical === true;
  a.raisedAt = num(r.raisedAt ?? r.ts);
  a.level = num(r.level);
  a.timeline = arr(r.timeline).map(toTimelineEntry);
  a.updatedAt = num(r.updatedAt ?? r.ts, a.raisedAt);
  const chargerNo = optNum(r.chargerNo);
  if (chargerNo === undefined) delete a.chargerNo;
  else a.chargerNo = chargerNo;
  return a;
}

/** A guardian resident as /api/sites/:site/residents sends it. @returns {Resident} */
export function toResident(/** @type {unknown} */ raw) {
  const r = obj(raw);
  return {
    deviceId: str(r.deviceId),
    gateway: str(r.gateway),
    state: str(r.state, "unknown"),
    since: num(r.since),
    lastActivityAt: optNum(r.lastActivityAt),
    building: optStr(r.building),
    location: optStr(r.location),
    alarms: arr(r.alarms).map(toAlarm),
  };
}
