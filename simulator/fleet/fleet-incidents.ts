/**
 * Things that happen to a fleet on a schedule, for demos and soak runs: an
 * overload on a free shed port (an e-bike pack on a faulty, too-strong
 * charger), a heater (an illegal load under the port limit), cooking smoke
 * that alarms and clears, a fire, a short, a detector taken off its base;
 * and, in the background, residents plugging e-bike packs into free ports.
 * Each incident acts on the device's physical model (as a scenario's
 * timeline does) and is undone after a while; the firmware and the gateway
 * do the rest.
 */
import { portLabel } from "../../common/port-label.js";
import type { ChargerModel } from "../devices/charger-model.js";
import type { DeviceModel } from "../devices/pins.js";
import type { SmokeModel } from "../devices/smoke-model.js";
import { createLoad, type LoadParams } from "../physics/charger-loads.js";
import type { Rng } from "../physics/prng.js";

export type IncidentKind = "overload" | "heater" | "cooking" | "fire" | "short" | "tamper";

export const INCIDENT_KINDS: readonly IncidentKind[] = [
  "overload",
  "heater",
  "cooking",
  "fire",
  "short",
  "tamper",
];

export interface IncidentSchedule {
  kind: IncidentKind;
  /** First one this long after the start. */
  firstMs?: number;
  everyMs: number;
}

/**
 * The demo's script, every kind within its first 15 minutes: an overload every
 * 4 min, a heater every 7, cooking smoke every 6, a detector taken off its
 * base every 8, a short circuit every 9 and a fire every 15 (from minute 10).
 */
export const DEMO_INCIDENTS: IncidentSchedule[] = [
  { kind: "overload", firstMs: 60_000, everyMs: 4 * 60_000 },
  { kind: "heater", firstMs: 150_000, everyMs: 7 * 60_000 },
  { kind: "cooking", firstMs: 240_000, everyMs: 6 * 60_000 },
  { kind: "tamper", firstMs: 330_000, everyMs: 8 * 60_000 },
  { kind: "short", firstMs: 420_000, everyMs: 9 * 60_000 },
  { kind: "fire", firstMs: 600_000, everyMs: 15 * 60_000 },
];

/** How long an incident lasts before it is undone (load unplugged, air clean, base back). */
const HOLD_MS: Record<IncidentKind, number> = {
  overload: 2 * 60_000,
  heater: 3 * 60_000,
  cooking: 25 * 60_000,
  fire: 10 * 60_000,
  short: 60_000,
  tamper: 2 * 60_000,
};

export interface IncidentDevice {
  name: string;
  kind: "smoke" | "charger" | "guardian";
  location: string;
  model: DeviceModel;
}

/** One thing the fleet did, for logs and the demo's output. */
export interface FleetEvent {
  atMs: number;
  incident: IncidentKind | "charging" | "undo";
  device: string;
  location: string;
  detail: string;
}

export interface IncidentHost {
  devices: IncidentDevice[];
  rng: Rng;
  nowMs(): number;
  at(atMs: number, fn: () => void): void;
  /** Applies a model action to a device now (the firmware sees it at its next sample). */
  act(dev: IncidentDevice, action: string, args: Record<string, unknown>): void;
  onEvent(e: FleetEvent): void;
}

interface PortPick {
  dev: IncidentDevice;
  port: number;
}

function freePorts(devs: IncidentDevice[]): PortPick[] {
  const out: PortPick[] = [];
  for (const dev of devs) {
    if (dev.kind !== "charger") continue;
    const m = dev.model as ChargerModel;
    m.ports.forEach((p, port) => {
      if (p.relayOn && !p.load) out.push({ dev, port });
    });
  }
  return out;
}

function cleanDetectors(devs: IncidentDevice[]): IncidentDevice[] {
  return devs.filter(
    (d) =>
      d.kind === "smoke" &&
      (d.model as SmokeModel).source.profile === "clean" &&
      !(d.model as SmokeModel).tamperRemoved,
  );
}

/**
 * The overload: an e-bike pack on a faulty fast charger that draws 1,200-1,450 W,
 * over the 1,100 W port limit, so the charger cuts the port by itself (reason
 * overload, the port-overload alarm). Like chargers do, it ramps its current
 * up (over 30 s): no reading jumps by the illegal-load rule's 600 W step, and
 * the charger's own cut comes long before that rule's 40 s flat window. A
 * heater there is a sudden step: the first reading after the plug (every
 * 10 s in the fleet, and in the demo right after it) made the gateway cut it
 * as illegal load before the charger's 3 s overload window ran out.
 */
function overloadPack(rng: Rng): LoadParams & { load: "lithium" } {
  return { load: "lithium", startSoc: 0.3, chargeCurrentA: 24 + rng.int(5), softStartS: 30 };
}

function plugText(kind: IncidentKind, a: LoadParams & { load: string }): string {
  if (kind === "short") return "short circuit";
  if (kind === "heater") return `${a.powerW} W heater`;
  const w = createLoad("lithium", a).powerW((a.softStartS ?? 0) * 1000);
  return `${Math.round(w)} W overload (e-bike pack on a faulty ${a.chargeCurrentA} A charger)`;
}

/** Carries out one incident now; false when no device can take it (all ports busy...). */
export function runIncident(h: IncidentHost, kind: IncidentKind): boolean {
  const now = h.nowMs();
  const hold = HOLD_MS[kind];
  const report = (dev: IncidentDevice, detail: string) =>
    h.onEvent({ atMs: now, incident: kind, device: dev.name, location: dev.location, detail });
  if (kind === "overload" || kind === "heater" || kind === "short") {
    const ports = freePorts(h.devices);
    if (ports.length === 0) return false;
    const { dev, port } = ports[h.rng.int(ports.length)]!;
    const args =
      kind === "overload"
        ? { port, ...overloadPack(h.rng) }
        : kind === "heater"
          ? { port, load: "heater", powerW: 900 + h.rng.int(150) }
          : { port, load: "short" };
    h.act(dev, "plug", args);
    report(dev, `${portLabel(port)}: ${plugText(kind, args)}`);
    h.at(now + hold, () => {
      h.act(dev, "unplug", { port });
      h.onEvent({
        atMs: h.nowMs(),
        incident: "undo",
        device: dev.name,
        location: dev.location,
        detail: `${portLabel(port)}: ${kind} unplugged`,
      });
    });
    return true;
  }
  const dets = cleanDetectors(h.devices);
  if (dets.length === 0) return false;
  const dev = dets[h.rng.int(dets.length)]!;
  if (kind === "tamper") {
    h.act(dev, "tamper", { removed: true });
    report(dev, "taken off its base");
    h.at(now + hold, () => h.act(dev, "tamper", { removed: false }));
    return true;
  }
  h.act(dev, "smoke", { profile: kind === "cooking" ? "cooking" : "flaming" });
  report(dev, kind === "cooking" ? "cooking smoke (alarms, then clears)" : "flaming fire");
  h.at(now + hold, () => h.act(dev, "smoke", { profile: "clean" }));
  return true;
}

/** Residents plug packs into free ports: about `share` of them busy once it settles. */
export function chargingChurn(h: IncidentHost, share = 0.5): void {
  for (const dev of h.devices) {
    if (dev.kind !== "charger") continue;
    const m = dev.model as ChargerModel;
    m.ports.forEach((p, port) => {
      // A pack whose session was stopped (full, time limit, a cut) is taken away.
      if (p.load && !p.relayOn && h.rng.chance(0.3)) h.act(dev, "unplug", { port });
      else if (!p.load && p.relayOn && h.rng.chance(share / 3)) {
        const lead = h.rng.chance(0.2);
        h.act(dev, "plug", {
          port,
          load: lead ? "lead-acid" : "lithium",
          startSoc: h.rng.range(0.2, 0.8),
        });
        h.onEvent({
          atMs: h.nowMs(),
          incident: "charging",
          device: dev.name,
          location: dev.location,
          detail: `${portLabel(port)}: ${lead ? "lead-acid" : "lithium"} pack plugged in`,
        });
      }
    });
  }
}
