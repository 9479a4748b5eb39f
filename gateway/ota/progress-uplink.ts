/**
 * A device's campaign progress as an outbox item for the cloud (topic
 * dev/{deviceId}/ota, OtaProgressSchema). Event priority: behind alarms,
 * ahead of telemetry; ordered per device.
 */
import { deviceIdHex, type OtaProgress, topics } from "../../protocol/uplink.js";
import { type OutboxItem, PRIORITY_EVENT } from "../types.js";
import type { DeviceProgress } from "./campaign-plan.js";

export function otaProgressItem(
  campaign: string,
  version: string,
  p: DeviceProgress,
  id: { site: string; gateway: string },
  place: { building?: string; location?: string } | undefined,
  now: number,
): OutboxItem {
  const dev = deviceIdHex(p.deviceId);
  const body: Omit<OtaProgress, "seq" | "historical"> = {
    v: 1,
    site: id.site,
    gateway: id.gateway,
    deviceId: dev,
    campaign,
    version,
    state: p.state,
    percent: p.percent,
    ...(p.reason === undefined ? {} : { reason: p.reason }),
    ...(place?.building === undefined ? {} : { building: place.building }),
    ...(place?.location === undefined ? {} : { location: place.location }),
    ts: now,
  };
  return {
    priority: PRIORITY_EVENT,
    topic: topics.ota(id.site, id.gateway, dev),
    payload: JSON.stringify(body),
    key: `ota/${dev}`,
    createdAt: now,
  };
}
