/**
 * The fleet API as the dashboard calls it (cloud-bridge/README.md documents the server side).
 */
import { toAlarm, toDevice, toGateway, toResident, toShed, toSiteSummary } from "./models.js";
import { arr, counts, num, obj, optNum, optStr, str } from "./narrow.js";
import { request } from "./session.js";

/** @typedef {import("./models.js").Alarm} Alarm */
/** @typedef {import("./models.js").DeviceInfo} DeviceInfo */
/** @typedef {import("./models.js").GatewayInfo} GatewayInfo */
/** @typedef {import("./models.js").Point} Point */
/** @typedef {import("./models.js").ShedLive} ShedLive */
/** @typedef {import("./models.js").SiteSummary} SiteSummary */
/** @typedef {import("./models.js").WeeklyReport} WeeklyReport */

/** The token's identity and sites. */
export async function me() {
  const r = obj(await request("/api/me"));
  const names = obj(r.siteNames);
  /** @type {Record<string, string>} */
  const siteNames = {};
  for (const [k, v] of Object.entries(names)) if (typeof v === "string") siteNames[k] = v;
  return {
    name: str(r.name),
    role: str(r.role),
    sites: arr(r.sites).map((s) => str(s)),
    siteNames,
  };
}

/** @returns {Promise<SiteSummary[]>} */
export async function listSites() {
  return arr(obj(await request("/api/sites")).sites).map(toSiteSummary);
}

/** @param {string} site */
const sitePath = (site) => `/api/sites/${encodeURIComponent(site)}`;

/** @param {string} site @returns {Promise<GatewayInfo[]>} */
export async function listGateways(site) {
  return arr(obj(await request(`${sitePath(site)}/gateways`)).gateways).map(toGateway);
}

/** @param {string} site @returns {Promise<DeviceInfo[]>} */
export async function listDevices(site) {
  return arr(obj(await request(`${sitePath(site)}/devices`)).devices).map(toDevice);
}

/** Every shed of a site with its live ports (one request per shed). @param {string} site */
export async function listSheds(site) {
  const list = arr(obj(await request(`${sitePath(site)}/sheds`)).sheds);
  return Promise.all(list.map((s) => getShed(site, str(obj(s).shed))));
}

/** @param {string} site @param {string} shed */
export async function getShed(site, shed) {
  return toShed(await request(`${sitePath(site)}/sheds/${encodeURIComponent(shed)}`), { site });
}

/**
 * Alarms of one site, or of every site the token sees when `site` is empty (one request either
 * way: /api/alarms covers all the token's sites).
 * @param {{ site?: string, active?: boolean, severity?: string }} filter
 * @returns {Promise<Alarm[]>}
 */
export async function listAlarms(filter) {
  const q = new URLSearchParams({ limit: "500" });
  if (filter.active !== undefined) q.set("active", String(filter.active));
  if (filter.severity) q.set("severity", filter.severity);
  const path = filter.site ? `${sitePath(filter.site)}/alarms` : "/api/alarms";
  return arr(obj(await request(`${path}?${q}`)).alarms).map(toAlarm);
}

/** Guardian residents of a site, most urgent first. @param {string} site */
export async function listResidents(site) {
  return arr(obj(await request(`${sitePath(site)}/residents`)).residents).map(toResident);
}

/** @param {string} site @param {string} alarmId */
export async function getAlarm(site, alarmId) {
  return toAlarm(await request(`${sitePath(site)}/alarms/${encodeURIComponent(alarmId)}`));
}

/**
 * Sends the acknowledgement; the alarm turns acknowledged when the gateway's transition arrives.
 * @param {string} site @param {string} alarmId @param {string} comment
 */
export async function acknowledgeAlarm(site, alarmId, comment) {
  const path = `${sitePath(site)}/alarms/${encodeURIComponent(alarmId)}/ack`;
  return request(path, { method: "POST", json: { comment } });
}

/**
 * Buildings, floors, flats and detectors of a site, with its guardian residents (issue 13).
 * @param {string} site
 */
export async function getBuildings(site) {
  return arr(obj(await request(`${sitePath(site)}/buildings`)).buildings).map((raw) => {
    const b = obj(raw);
    return {
      building: str(b.building),
      fire: b.fire === true,
      floors: arr(b.floors).map((f) => ({
        floor: str(obj(f).floor),
        flats: arr(obj(f).flats).map((fl) => ({
          flat: str(obj(fl).flat),
          detectors: arr(obj(fl).detectors).map((d) => {
            const o = obj(d);
            return {
              deviceId: str(o.deviceId),
              state: str(o.state),
              sounding: o.sounding === true,
              started: o.started === true,
              location: optStr(o.location),
              alarmId: optStr(o.alarmId),
            };
          }),
        })),
      })),
      residents: arr(b.residents).map((r) => {
        const o = obj(r);
        const open = arr(o.alarms)
          .map((a) => obj(a))
          .find((a) => a.active === true);
        return {
          deviceId: str(o.deviceId),
          state: str(o.state),
          lastActivityAt: optNum(o.lastActivityAt),
          location: optStr(o.location),
          alarmId: open ? str(open.alarmId) : undefined,
        };
      }),
    };
  });
}

/**
 * Asks the gateway to switch a cut port back on (operator role; the API refuses a viewer with
 * 403). The port shows on only when the charger's telemetry says so.
 * @param {string} site @param {string} shed @param {string} deviceId the charger's id
 * @param {number} devicePort its own port index from 0 @param {string} reason
 */
export async function restorePort(site, shed, deviceId, devicePort, reason) {
  const path = `${sitePath(site)}/sheds/${encodeURIComponent(shed)}/chargers/${encodeURIComponent(deviceId)}/ports/${devicePort}/restore`;
  return request(path, { method: "POST", json: { reason } });
}

/**
 * One charger port's power between `from` and `to` (ms), or a whole shed's
 * (`shed`): the bridge sums the shed's chargers per instant first, then takes
 * each step's peak, so one overload has one peak whatever the range.
 * @param {{ site: string, from: number, to: number } & ({ deviceId: string, port: number } | { shed: string })} q
 * @returns {Promise<Point[]>}
 */
export async function getHistory(q) {
  const params = new URLSearchParams({
    metric: "power_w",
    from: String(q.from),
    to: String(q.to),
    step: String(historyStepS(q.from, q.to)),
    agg: "max",
  });
  if ("shed" in q) params.set("shed", q.shed);
  else {
    params.set("device", q.deviceId);
    params.set("port", String(q.port));
  }
  const series = arr(obj(await request(`${sitePath(q.site)}/history?${params}`)).series);
  return series.flatMap((s) =>
    arr(obj(s).points).map((p) => /** @type {Point} */ ([num(arr(p)[0]), num(arr(p)[1])])),
  );
}

/** About 300 points over the range, at least 10 s apart. @param {number} from @param {number} to */
export function historyStepS(from, to) {
  return Math.max(10, Math.round((to - from) / 1000 / 300));
}

/** @param {string} site @param {string} week ISO week, e.g. 2025-W47 @returns {Promise<WeeklyReport>} */
export async function getWeeklyReport(site, week) {
  const r = obj(await request(`${sitePath(site)}/report?week=${encodeURIComponent(week)}`));
  const overloads = obj(r.overloads);
  return {
    site: str(r.site, site),
    week: str(r.week, week),
    from: num(r.from),
    to: num(r.to),
    portOverloads: num(overloads.port),
    shedOverloads: num(overloads.shed),
    cutsByReason: counts(r.cutsByReason),
    illegalLoad: num(r.illegalLoadIncidents),
    fireAlarms: num(r.fireAlarms),
    alarmsByKind: counts(r.alarmsByKind),
    devicesOffline: arr(r.devicesOffline).map((d) => ({
      deviceId: str(obj(d).deviceId),
      lastSeen: optNum(obj(d).lastSeen),
    })),
    lowBatteries: arr(r.lowBatteries).map((d) => ({
      deviceId: str(obj(d).deviceId),
      batteryMv: num(obj(d).batteryMv),
    })),
    ports: arr(r.ports).map((raw) => {
      const p = obj(raw);
      return {
        deviceId: str(p.deviceId),
        shed: optStr(p.shed),
        chargerNo: optNum(p.chargerNo),
        portNo: num(p.portNo),
        where: str(p.where),
        cuts: num(p.cuts),
        overloadAlarms: num(p.overloadAlarms),
        peakW: optNum(p.peakW),
      };
    }),
  };
}
