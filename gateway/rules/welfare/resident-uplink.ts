/**
 * A resident-state action as an outbox item for the cloud (topic
 * dev/{deviceId}/resident): states and times only, with the flat it is about;
 * the raw door and motion counts are not part of it. Ordered per resident;
 * event priority (behind alarms, ahead of telemetry).
 */
import { deviceIdHex, type ResidentState, topics } from "../../../protocol/uplink.js";
import { type Action, type OutboxItem, PRIORITY_EVENT } from "../../types.js";

export function residentStateItem(
  a: Extract<Action, { type: "resident-state" }>,
  id: { site: string; gateway: string },
  place: { building?: string; location?: string } | undefined,
  now: number,
): OutboxItem {
  const dev = deviceIdHex(a.deviceId);
  const body: Omit<ResidentState, "seq" | "historical"> = {
    v: 1,
    site: id.site,
    gateway: id.gateway,
    deviceId: dev,
    state: a.state,
    since: a.since,
    ...(a.lastActivityAt === undefined ? {} : { lastActivityAt: a.lastActivityAt }),
    ...(place?.building === undefined ? {} : { building: place.building }),
    ...(place?.location === undefined ? {} : { location: place.location }),
    ts: now,
  };
  return {
    priority: PRIORITY_EVENT,
    topic: topics.resident(id.site, id.gateway, dev),
    payload: JSON.stringify(body),
    key: `resident/${dev}`,
    createdAt: now,
  };
}
