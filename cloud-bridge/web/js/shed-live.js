/**
 * Applies a live telemetry event (the gateway's UplinkEnvelope of a
 * charger-telemetry frame, protocol/uplink.ts) to a shed's view model. A shed
 * may hold several chargers: the event belongs to the shed its `shed` names
 * (its device id when absent) and replaces that charger's ports only. Limits
 * are not in the frame: the shed keeps the limits it was loaded with.
 */
import { toShed } from "./models.js";
import { obj } from "./narrow.js";
import { numberPorts } from "./port-label.js";

/** @typedef {import("./models.js").ShedLive} ShedLive */
/** @typedef {import("./models.js").PortLive} PortLive */

/**
 * Returns the updated shed when `data` is newer telemetry of one of its chargers, else undefined.
 * @param {ShedLive} shed
 * @param {unknown} data
 * @returns {ShedLive | undefined}
 */
export function applyTelemetry(shed, data) {
  const env = obj(data);
  const body = obj(env.body);
  if (body.type !== "charger-telemetry") return undefined;
  if (env.site !== shed.site || (env.shed ?? env.deviceId) !== shed.shed) return undefined;
  const deviceId = String(env.deviceId);
  const held = shed.chargers.find((c) => c.deviceId === deviceId);
  if (typeof env.ts === "number" && typeof held?.ts === "number" && env.ts < held.ts) {
    return undefined;
  }
  const first = shed.ports[0];
  const one = toShed(
    { ...body, deviceId, gateway: env.gateway, ts: env.ts },
    {
      site: shed.site,
      shedLimitW: shed.shedLimitW,
      tempLimitC: shed.tempLimitC,
      ...(first ? { portLimitW: first.limitW } : {}),
    },
  );
  /** @type {PortLive[]} */
  const ports = numberPorts(
    [...shed.ports.filter((p) => p.deviceId !== deviceId), ...one.ports]
      .sort((a, b) => a.deviceId.localeCompare(b.deviceId) || a.devicePort - b.devicePort)
      .map((p, i) => ({ ...p, port: i })),
  );
  const chargers = [...shed.chargers.filter((c) => c.deviceId !== deviceId), ...one.chargers].sort(
    (a, b) => a.deviceId.localeCompare(b.deviceId),
  );
  const temps = chargers.flatMap((c) => (c.tempC === undefined ? [] : [c.tempC]));
  return {
    ...shed,
    gateway: one.gateway,
    chargers,
    ports,
    totalW: ports.reduce((s, p) => s + p.powerW, 0),
    tempC: temps.length ? Math.max(...temps) : undefined,
    ts: Math.max(one.ts ?? 0, shed.ts ?? 0) || undefined,
  };
}
