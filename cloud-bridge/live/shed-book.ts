/**
 * One site's charging sheds, live: the last telemetry of each charger, grouped
 * by the envelope's `shed` (the charger's device id when the gateway sent
 * none, so a charger without placement is a shed of its own). A charger whose
 * shed changes moves; a shed left without chargers disappears.
 */
import { portNumbers } from "../../common/port-label.js";
import type { ChargerTelemetryMsg } from "../../protocol/messages.js";
import type { UplinkEnvelope } from "../../protocol/uplink.js";
import { portStateName } from "../storage/code-names.js";
import type { ChargerView, PortView, ShedView } from "./views.js";

interface ChargerState {
  view: ChargerView;
  building?: string;
  ports: Omit<PortView, "port" | "portNo" | "chargerNo">[];
}

/** The shed a charger's telemetry belongs to. */
export function shedKey(env: Pick<UplinkEnvelope, "shed" | "deviceId">): string {
  return env.shed ?? env.deviceId;
}

export class ShedBook {
  private readonly sheds = new Map<string, Map<string, ChargerState>>();
  private readonly shedOf = new Map<string, string>();

  /** Applies charger telemetry; returns the shed's view, or undefined when it was older than held. */
  apply(env: UplinkEnvelope<ChargerTelemetryMsg>): ShedView | undefined {
    const key = shedKey(env);
    const was = this.shedOf.get(env.deviceId);
    const cur = was === undefined ? undefined : this.sheds.get(was)?.get(env.deviceId);
    if (cur && cur.view.ts > env.ts) return undefined;
    if (was !== undefined && was !== key) {
      const old = this.sheds.get(was);
      old?.delete(env.deviceId);
      if (old?.size === 0) this.sheds.delete(was);
    }
    let total = 0;
    const ports = env.body.ports.map((p, i) => {
      total += p.powerW;
      return {
        deviceId: env.deviceId,
        devicePort: i,
        powerW: p.powerW,
        energyWh: p.energyWh,
        state: portStateName(p.state),
        stateCode: p.state,
        relayOn: p.relayOn,
      };
    });
    const view: ChargerView = {
      deviceId: env.deviceId,
      gateway: env.gateway,
      ts: env.ts,
      historical: env.historical,
      tempC: env.body.tempDeciC / 10,
      totalPowerW: total,
      ports: ports.length,
    };
    if (env.location !== undefined) view.location = env.location;
    const state: ChargerState = { view, ports };
    if (env.building !== undefined) state.building = env.building;
    let chargers = this.sheds.get(key);
    if (!chargers) {
      chargers = new Map();
      this.sheds.set(key, chargers);
    }
    chargers.set(env.deviceId, state);
    this.shedOf.set(env.deviceId, key);
    return compose(key, chargers);
  }

  /** Each shed's live total over its chargers, without building the views (the cockpit). */
  forEachTotal(fn: (shed: string, totalPowerW: number) => void): void {
    for (const [key, chargers] of this.sheds) {
      let total = 0;
      for (const c of chargers.values()) total += c.view.totalPowerW;
      fn(key, total);
    }
  }

  get size(): number {
    return this.sheds.size;
  }

  /** The ids of the chargers in `deviceId`'s shed (itself included), or undefined when unknown. */
  chargersWith(deviceId: string): string[] | undefined {
    const key = this.shedOf.get(deviceId);
    const chargers = key === undefined ? undefined : this.sheds.get(key);
    return chargers ? [...chargers.keys()] : undefined;
  }

  list(): ShedView[] {
    return [...this.sheds.entries()]
      .map(([key, chargers]) => compose(key, chargers))
      .sort((a, b) => a.shed.localeCompare(b.shed));
  }

  get(shed: string): ShedView | undefined {
    const chargers = this.sheds.get(shed);
    return chargers ? compose(shed, chargers) : undefined;
  }
}

/** The value when every charger has the same one, else undefined. */
function shared(values: Array<string | undefined>): string | undefined {
  const first = values[0];
  return first !== undefined && values.every((v) => v === first) ? first : undefined;
}

function compose(shed: string, chargers: Map<string, ChargerState>): ShedView {
  const list = [...chargers.values()].sort((a, b) =>
    a.view.deviceId.localeCompare(b.view.deviceId),
  );
  let newest = list[0]!.view;
  let total = 0;
  let tempC = Number.NEGATIVE_INFINITY;
  const ports: PortView[] = [];
  const ids = list.map((c) => c.view.deviceId);
  for (const c of list) {
    if (c.view.ts > newest.ts) newest = c.view;
    total += c.view.totalPowerW;
    tempC = Math.max(tempC, c.view.tempC);
    for (const p of c.ports) {
      const n = portNumbers(p.devicePort, p.deviceId, ids);
      ports.push({
        port: ports.length,
        ...p,
        portNo: n.port,
        ...(n.charger === undefined ? {} : { chargerNo: n.charger }),
      });
    }
  }
  const view: ShedView = {
    shed,
    gateway: newest.gateway,
    ts: newest.ts,
    historical: newest.historical,
    tempC,
    totalPowerW: total,
    chargers: list.map((c) => ({ ...c.view })),
    ports,
  };
  const building = shared(list.map((c) => c.building));
  if (building !== undefined) view.building = building;
  const location = shared(list.map((c) => c.view.location));
  if (location !== undefined) view.location = location;
  return view;
}
