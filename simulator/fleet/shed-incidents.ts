/**
 * Incidents in the charging sheds. Each acts on the charger's physical model
 * and the charger's firmware and the gateway's rules do the rest:
 * - overload: an e-bike pack on a faulty, too-strong charger (the charger cuts
 *   the port: port-overload);
 * - heater: a resistive load under the port limit (the gateway's illegal-load
 *   rule cuts it);
 * - short: a short circuit (the charger cuts at once);
 * - shed-total: several fast chargers in one shed until its total passes the
 *   limit (the gateway cuts the newest session: shed-overload);
 * - hot-contact: a corroded terminal under a charging pack heats the shed
 *   (over-temperature, every port cut).
 * Each is undone after its hold: the loads are taken away, a hot terminal is
 * repaired. Cut ports stay off until an operator restores them.
 */
import { portLabel } from "../../common/port-label.js";
import type { ChargerModel } from "../devices/charger-model.js";
import { createLoad, type LoadParams } from "../physics/charger-loads.js";
import type { Rng } from "../physics/prng.js";
import {
  holdOf,
  type IncidentDevice,
  type IncidentHost,
  type IncidentKind,
  report,
} from "./incident-host.js";

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

/**
 * A fast (13 A) e-bike charger: about 670 W rising to 790 W, under the port
 * limit and the illegal-load rule's 800 W flat mark, soft-started so no
 * reading steps by 600 W. A few of them pass a small shed's limit.
 */
const FAST_PACK: LoadParams & { load: "lithium" } = {
  load: "lithium",
  startSoc: 0.3,
  chargeCurrentA: 13,
  softStartS: 10,
};
const FAST_PACK_W = createLoad("lithium", FAST_PACK).powerW(FAST_PACK.softStartS! * 1000);
/** The shed-total incident aims this far over the limit (the gateway's hysteresis is 300 W). */
const OVER_LIMIT_W = 100;
/** A hot terminal's rise over ambient and time constant: about 60 °C within a minute. */
const HOT_CONTACT = { riseC: 70, tauMs: 60_000 };

function plugText(kind: IncidentKind, a: LoadParams & { load: string }): string {
  if (kind === "short") return "short circuit";
  if (kind === "heater") return `${a.powerW} W heater`;
  const w = createLoad("lithium", a).powerW((a.softStartS ?? 0) * 1000);
  return `${Math.round(w)} W overload (e-bike pack on a faulty ${a.chargeCurrentA} A charger)`;
}

function unplugLater(h: IncidentHost, kind: IncidentKind, picks: PortPick[], fix = false): void {
  h.at(h.nowMs() + holdOf(h, kind), () => {
    for (const { dev, port } of picks) {
      h.act(dev, "unplug", { port });
      if (fix) h.act(dev, "fix-contact", { port });
      report(h, "undo", dev, `${portLabel(port)}: ${kind} ${fix ? "repaired" : "unplugged"}`);
    }
  });
}

/** One of the shed incidents now; false when no charger can take it (all ports busy...). */
export function runShedIncident(h: IncidentHost, kind: IncidentKind): boolean {
  if (kind === "shed-total") return shedTotal(h);
  if (kind === "hot-contact") return hotContact(h);
  const ports = freePorts(h.devices);
  if (ports.length === 0) return false;
  const pick = ports[h.rng.int(ports.length)]!;
  const { dev, port } = pick;
  const args =
    kind === "overload"
      ? { port, ...overloadPack(h.rng) }
      : kind === "heater"
        ? { port, load: "heater", powerW: 900 + h.rng.int(150) }
        : { port, load: "short" };
  h.act(dev, "plug", args);
  report(h, kind, dev, `${portLabel(port)}: ${plugText(kind, args)}`);
  unplugLater(h, kind, [pick]);
  return true;
}

/** Draw of a shed's ports that are on, and its free ports. */
function shedsNow(
  h: IncidentHost,
): Map<string, { limitW: number; drawW: number; free: PortPick[] }> {
  const sheds = new Map<string, { limitW: number; drawW: number; free: PortPick[] }>();
  for (const dev of h.devices) {
    if (dev.kind !== "charger" || dev.shed === undefined) continue;
    const m = dev.model as ChargerModel;
    const s = sheds.get(dev.shed) ?? { limitW: dev.shedLimitW ?? 8700, drawW: 0, free: [] };
    m.ports.forEach((p, port) => {
      s.drawW += m.portPowerW(port);
      if (p.relayOn && !p.load) s.free.push({ dev, port });
    });
    sheds.set(dev.shed, s);
  }
  return sheds;
}

/** Fast packs into the shed that needs the fewest to pass its limit. */
function shedTotal(h: IncidentHost): boolean {
  let best: { shed: string; picks: PortPick[] } | undefined;
  for (const [shed, s] of shedsNow(h)) {
    const need = Math.max(1, Math.ceil((s.limitW + OVER_LIMIT_W - s.drawW) / FAST_PACK_W));
    if (need > s.free.length || (best && best.picks.length <= need)) continue;
    best = { shed, picks: s.free.slice(0, need) };
  }
  if (!best) return false;
  const picks = best.picks;
  // One after the other, a few seconds apart: the newest session is the one cut.
  const now = h.nowMs();
  for (const [i, p] of picks.entries())
    h.at(now + i * 3000, () => h.act(p.dev, "plug", { port: p.port, ...FAST_PACK }));
  const first = picks[0]!;
  report(
    h,
    "shed-total",
    first.dev,
    `${picks.length} fast chargers (${Math.round(FAST_PACK_W)} W each) in shed ${best.shed}, over its limit`,
  );
  unplugLater(h, "shed-total", picks);
  return true;
}

/** A corroded terminal under a charging pack: the shed heats until the charger or the gateway cuts. */
function hotContact(h: IncidentHost): boolean {
  const ports = freePorts(h.devices);
  if (ports.length === 0) return false;
  const pick = ports[h.rng.int(ports.length)]!;
  const { dev, port } = pick;
  h.act(dev, "plug", { port, load: "lithium", startSoc: 0.4, chargeCurrentA: 5 });
  h.act(dev, "hot-contact", { port, riseC: HOT_CONTACT.riseC, tauMs: HOT_CONTACT.tauMs });
  report(
    h,
    "hot-contact",
    dev,
    `${portLabel(port)}: corroded terminal heating under a charging pack`,
  );
  unplugLater(h, "hot-contact", [pick], true);
  return true;
}
