/**
 * Applies a live telemetry event (the gateway's UplinkEnvelope of a
 * charger-telemetry frame, protocol/uplink.ts) to a shed's view model. Limits
 * are not in the frame: the shed keeps the limits it was loaded with.
 */
import { toShed } from "./models.js";
import { obj } from "./narrow.js";

/** @typedef {import("./models.js").ShedLive} ShedLive */

/**
 * Returns the updated shed when `data` is newer telemetry of this shed, else undefined.
 * @param {ShedLive} shed
 * @param {unknown} data
 * @returns {ShedLive | undefined}
 */
export function applyTelemetry(shed, data) {
  const env = obj(data);
  const body = obj(env.body);
  if (body.type !== "charger-telemetry") return undefined;
  if (env.site !== shed.site || env.deviceId !== shed.deviceId) return undefined;
  if (typeof env.ts === "number" && typeof shed.ts === "number" && env.ts < shed.ts) {
    return undefined;
  }
  const first = shed.ports[0];
  const next = toShed(
    { ...body, deviceId: env.deviceId, gateway: env.gateway, ts: env.ts },
    {
      site: shed.site,
      shedLimitW: shed.shedLimitW,
      tempLimitC: shed.tempLimitC,
      ...(first ? { portLimitW: first.limitW } : {}),
    },
  );
  return { ...next, name: shed.name };
}
