/**
 * Things that happen to a fleet on a schedule, for demos and soak runs: the
 * shed incidents (shed-incidents.ts), cooking smoke that alarms, is hushed
 * and clears, a fire, a detector taken off its base, a resident who stops
 * moving, a detector that goes silent; and, in the background, residents
 * plugging e-bike packs into free ports. Each incident acts on the device's
 * physical model (as a scenario's timeline does) and is undone after a
 * while; the firmware and the gateway do the rest.
 */
import { portLabel } from "../../common/port-label.js";
import type { ChargerModel } from "../devices/charger-model.js";
import type { SmokeModel } from "../devices/smoke-model.js";
import {
  holdOf,
  type IncidentDevice,
  type IncidentHost,
  type IncidentKind,
  type IncidentSchedule,
  report,
} from "./incident-host.js";
import { runShedIncident } from "./shed-incidents.js";

export {
  type FleetEvent,
  HOLD_MS,
  INCIDENT_KINDS,
  type IncidentDevice,
  type IncidentHost,
  type IncidentKind,
  type IncidentSchedule,
} from "./incident-host.js";

/**
 * `haitang sim fleet --incidents`: the kinds a fleet produces against any
 * site, each within the first 15 minutes: an overload every 4 min, a heater
 * every 7, cooking smoke every 6, a detector taken off its base every 8, a
 * short circuit every 9 and a fire every 15 (from minute 10). (The demo runs
 * its own schedule over every kind: cli/demo/.)
 */
export const DEMO_INCIDENTS: IncidentSchedule[] = [
  { kind: "overload", firstMs: 60_000, everyMs: 4 * 60_000 },
  { kind: "heater", firstMs: 150_000, everyMs: 7 * 60_000 },
  { kind: "cooking", firstMs: 240_000, everyMs: 6 * 60_000 },
  { kind: "tamper", firstMs: 330_000, everyMs: 8 * 60_000 },
  { kind: "short", firstMs: 420_000, everyMs: 9 * 60_000 },
  { kind: "fire", firstMs: 600_000, everyMs: 15 * 60_000 },
];

/** Cooking smoke passes the alarm level at about 80 s and peaks from 120 s to 180 s: hush then. */
const HUSH_AFTER_MS = 150_000;

function cleanDetectors(devs: IncidentDevice[]): IncidentDevice[] {
  return devs.filter(
    (d) =>
      d.kind === "smoke" &&
      (d.model as SmokeModel).source.profile === "clean" &&
      !(d.model as SmokeModel).tamperRemoved,
  );
}

const busy = new WeakSet<IncidentDevice>();

/**
 * A free device of `kind` for an incident: only the watched ones of `watch`
 * when the fleet has any (the site's rules are set up for them), else any.
 */
function pickFree(h: IncidentHost, kind: IncidentDevice["kind"], watch: IncidentDevice["watch"]) {
  const all = h.devices.filter((d) => d.kind === kind);
  const pool = all.some((d) => d.watch === watch) ? all.filter((d) => d.watch === watch) : all;
  const free = pool.filter((d) => !busy.has(d));
  return free.length > 0 ? free[h.rng.int(free.length)] : undefined;
}

/** A resident who stops moving (fell, fell ill) and is up again after the hold. */
function welfare(h: IncidentHost): boolean {
  const dev = pickFree(h, "guardian", "welfare");
  if (!dev) return false;
  busy.add(dev);
  h.act(dev, "stop-moving", {});
  report(h, "welfare", dev, "resident stops moving (no door, no motion)");
  h.at(h.nowMs() + holdOf(h, "welfare"), () => {
    h.act(dev, "resume-moving", {});
    busy.delete(dev);
    report(h, "undo", dev, "resident up and about again");
  });
  return true;
}

/** A detector that stops reporting (taken away, out of range) and comes back after the hold. */
function deviceLost(h: IncidentHost): boolean {
  if (!h.silence) return false;
  const dev = pickFree(h, "smoke", "device-lost");
  if (!dev) return false;
  busy.add(dev);
  h.silence(dev, true);
  report(h, "device-lost", dev, "detector goes silent (taken off the network)");
  h.at(h.nowMs() + holdOf(h, "device-lost"), () => {
    h.silence?.(dev, false);
    busy.delete(dev);
    report(h, "undo", dev, "detector reports again");
  });
  return true;
}

/** Carries out one incident now; false when no device can take it (all ports busy...). */
export function runIncident(h: IncidentHost, kind: IncidentKind): boolean {
  switch (kind) {
    case "overload":
    case "heater":
    case "short":
    case "shed-total":
    case "hot-contact":
      return runShedIncident(h, kind);
    case "welfare":
      return welfare(h);
    case "device-lost":
      return deviceLost(h);
    default:
      return smokeIncident(h, kind);
  }
}

function smokeIncident(h: IncidentHost, kind: "fire" | "cooking" | "tamper"): boolean {
  const dets = cleanDetectors(h.devices).filter((d) => !busy.has(d) && d.watch !== "device-lost");
  if (dets.length === 0) return false;
  const dev = dets[h.rng.int(dets.length)]!;
  const hold = holdOf(h, kind);
  if (kind === "tamper") {
    h.act(dev, "tamper", { removed: true });
    report(h, kind, dev, "taken off its base");
    h.at(h.nowMs() + hold, () => h.act(dev, "tamper", { removed: false }));
    return true;
  }
  h.act(dev, "smoke", { profile: kind === "cooking" ? "cooking" : "flaming" });
  if (kind === "cooking") {
    report(h, kind, dev, "cooking smoke: alarms, the resident hushes it, then it clears");
    // The resident presses the test button while it sounds: hush (smoke-hush).
    h.at(h.nowMs() + HUSH_AFTER_MS, () => h.act(dev, "press-test", {}));
  } else report(h, kind, dev, "flaming fire");
  h.at(h.nowMs() + hold, () => h.act(dev, "smoke", { profile: "clean" }));
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
        report(
          h,
          "charging",
          dev,
          `${portLabel(port)}: ${lead ? "lead-acid" : "lithium"} pack plugged in`,
        );
      }
    });
  }
}
