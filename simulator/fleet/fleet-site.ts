/**
 * What a gateway needs to know about a fleet: its static `devices:` (ids,
 * keys, placement; gateway/static-devices.ts registers them at start), the
 * buildings and sheds they refer to, and, for `haitang sim fleet
 * --site-config`, a whole site file a gateway can start from.
 */
import type { FleetPlan } from "./fleet-plan.js";

/** The site file's `devices:` entries (gateway/config/README.md). */
export function staticDevices(plan: FleetPlan): Record<string, unknown>[] {
  return plan.devices.map((d) => {
    const out: Record<string, unknown> = {
      id: d.id,
      kind: d.kind,
      key: d.key,
      location: d.location,
      heartbeatS: d.heartbeatS,
      sleepy: d.sleepy,
      board: "PICO",
    };
    if (d.building) out.building = d.building;
    if (d.shed) out.shed = d.shed;
    return out;
  });
}

export interface FleetSiteOptions {
  site?: string;
  gateway?: string;
  database?: string;
  /** Port of the embedded MQTT broker the Wi-Fi devices log in to. */
  mqttPort?: number;
  /** Serial ports the gateway opens (the other ends of the fleet's serial links). */
  serial?: { name: string; path: string; baud?: number }[];
  httpPort?: number;
  cloudUrl?: string;
}

/** A complete site config (JSON is YAML) with the fleet's buildings, sheds and devices. */
export function fleetSiteConfig(
  plan: FleetPlan,
  o: FleetSiteOptions = {},
): Record<string, unknown> {
  const cfg: Record<string, unknown> = {
    site: o.site ?? "fleet",
    gateway: o.gateway ?? "gw1",
    name: `simulated fleet of ${plan.devices.length} devices (seed ${plan.seed})`,
    database: o.database ?? "data/fleet-gateway.db",
    serial: (o.serial ?? []).map((s) => ({ name: s.name, path: s.path, baud: s.baud ?? 9600 })),
    mqtt: { mode: "embedded", host: "127.0.0.1", port: o.mqttPort ?? 1883 },
    http: { host: "127.0.0.1", port: o.httpPort ?? 8080 },
    buildings: plan.buildings,
    sheds: plan.sheds,
    devices: staticDevices(plan),
  };
  if (o.cloudUrl) cfg.cloud = { url: o.cloudUrl };
  return cfg;
}
