/**
 * The physical side of a shed charger: what is plugged into each port (drawn
 * only while the port's relay is on), the over-current comparator of each
 * port, and the shed's NTC temperature with hot contacts.
 */
import { PORT_FULL_SCALE_W } from "../../firmware/devices/shed-charger.js";
import { ntcFraction } from "../../firmware/devices/shed-temperature.js";
import {
  createLoad,
  type LoadKind,
  type LoadParams,
  type PortLoad,
} from "../physics/charger-loads.js";
import type { Rng } from "../physics/prng.js";
import {
  newShedThermal,
  type ShedThermal,
  shedTempDeciC,
  stepShed,
} from "../physics/shed-thermal.js";
import {
  clamp01,
  type DeviceModel,
  type ModelEvent,
  type PinSink,
  type ScheduledInput,
} from "./pins.js";

/** A short trips the port's comparator above this (the firmware also sees the ADC saturate). */
const COMPARATOR_W = 3000;

interface Port {
  load: PortLoad | undefined;
  energizedMs: number;
  relayOn: boolean;
}

export class ChargerModel implements DeviceModel {
  /** The comparators: a short plugged in, or a relay closed onto one, trips at that instant. */
  readonly instantInputs = true;
  readonly ports: Port[];
  readonly shed: ShedThermal;
  private lastMs = 0;
  private readonly rng: Rng;
  /** Pin roles per port, made once: drive() runs before every firmware timer (20 a second). */
  private readonly powerRoles: string[];
  private readonly shortRoles: string[];

  constructor(rng: Rng, ports: number, ambientDeciC = 250) {
    this.rng = rng;
    this.ports = Array.from({ length: ports }, () => ({
      load: undefined,
      energizedMs: 0,
      relayOn: false,
    }));
    this.shed = newShedThermal(ambientDeciC);
    this.powerRoles = this.ports.map((_, i) => `power${i}`);
    this.shortRoles = this.ports.map((_, i) => `short${i}`);
  }

  /** Wall power of a port at the last drive. */
  portPowerW(i: number): number {
    const p = this.ports[i];
    if (!p?.load || !p.relayOn) return 0;
    return p.load.powerW(p.energizedMs);
  }

  private advance(nowMs: number): void {
    const dt = nowMs - this.lastMs;
    if (dt <= 0) return;
    for (const p of this.ports) if (p.relayOn && p.load) p.energizedMs += dt;
    stepShed(this.shed, dt, (i) => {
      const p = this.ports[i];
      return !!p && p.relayOn && !!p.load;
    });
    this.lastMs = nowMs;
  }

  drive(nowMs: number, pins: PinSink): void {
    this.advance(nowMs);
    for (let i = 0; i < this.ports.length; i++) {
      const w = this.portPowerW(i);
      const noisy = w > 0 ? w * (1 + 0.003 * this.rng.normal()) : 0;
      pins.analog(this.powerRoles[i]!, clamp01(noisy / PORT_FULL_SCALE_W));
      pins.digital(this.shortRoles[i]!, w > COMPARATOR_W);
    }
    pins.analog("temp", ntcFraction(Math.round(shedTempDeciC(this.shed, nowMs))));
  }

  onOutput(role: string, high: boolean, nowMs: number): ModelEvent | undefined {
    const m = /^relay(\d+)$/.exec(role);
    if (!m) return undefined;
    const i = Number(m[1]);
    const p = this.ports[i];
    if (!p || p.relayOn === high) return undefined;
    this.advance(nowMs);
    p.relayOn = high;
    return {
      event: high ? "relay-on" : "relay-off",
      port: i,
      powerW: Math.round(p.load ? p.load.powerW(p.energizedMs) : 0),
    };
  }

  apply(action: string, args: Record<string, unknown>, nowMs: number): ScheduledInput[] {
    this.advance(nowMs);
    const i = args.port as number;
    const p = this.ports[i];
    if (!p) return [];
    switch (action) {
      case "plug": {
        const params: LoadParams = {};
        for (const k of [
          "powerW",
          "capacityWh",
          "startSoc",
          "chargeCurrentA",
          "softStartS",
        ] as const)
          if (typeof args[k] === "number") params[k] = args[k] as number;
        p.load = createLoad(args.load as LoadKind, params);
        p.energizedMs = 0;
        return [];
      }
      case "unplug":
        p.load = undefined;
        p.energizedMs = 0;
        return [];
      case "hot-contact":
        this.shed.contacts.push({
          port: i,
          riseDeciC: Math.round((args.riseC as number) * 10),
          tauMs: (args.tauMs as number | undefined) ?? 120_000,
        });
        return [];
      case "fix-contact":
        // The terminal is repaired: it heats no more and cools from where it is.
        for (const c of this.shed.contacts) if (c.port === i) c.riseDeciC = 0;
        return [];
      default:
        return [];
    }
  }

  tempDeciC(nowMs: number): number {
    return shedTempDeciC(this.shed, nowMs);
  }
}
