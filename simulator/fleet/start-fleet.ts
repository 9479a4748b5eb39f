/**
 * A fleet of virtual devices in real time against a running gateway. Each
 * device runs its kind's firmware app (native: in this process, the
 * default, cheap enough for thousands; sandbox: the built image in a vm
 * context, for small fleets) with its physical model, woken by one shared
 * real-time clock at its own timers; its frames go over the fleet's links
 * (MQTT or serial) and the gateway's answers come back to it. Incidents and
 * background charging follow a schedule (fleet-incidents.ts).
 */
import type { DeviceKind } from "../../firmware/device-config.js";
import { fromHex } from "../../protocol/bytes.js";
import { ChargerModel } from "../devices/charger-model.js";
import type { FirmwareRuntimeFactory } from "../devices/firmware-runtime.js";
import { GuardianModel } from "../devices/guardian-model.js";
import { nativeAppSource } from "../devices/native-image.js";
import { nativeRuntime } from "../devices/native-runtime.js";
import type { DeviceModel } from "../devices/pins.js";
import { sandboxRuntime } from "../devices/sandbox-runtime.js";
import { SmokeModel } from "../devices/smoke-model.js";
import { VirtualDevice } from "../devices/virtual-device.js";
import { createRng } from "../physics/prng.js";
import { CountingTrace } from "../report/counting-trace.js";
import { localMidnightBefore } from "../runner/device-setup.js";
import { ImageCache } from "../runner/firmware-source.js";
import { formatDurationMs } from "../scenario/duration.js";
import {
  chargingChurn,
  DEMO_INCIDENTS,
  type FleetEvent,
  type IncidentDevice,
  type IncidentHost,
  type IncidentKind,
  type IncidentSchedule,
  runIncident,
} from "./fleet-incidents.js";
import { type FleetLinks, MqttFleetLinks, SerialFleetLinks } from "./fleet-links.js";
import type { FleetPlan } from "./fleet-plan.js";
import { RealTimeClock } from "./real-time-clock.js";

export type FleetTransport =
  | { kind: "mqtt"; url: string; concurrency?: number }
  | { kind: "serial"; paths: string[]; baud?: number };

export interface FleetOptions {
  plan: FleetPlan;
  transport: FleetTransport;
  /** "native" (default) or "sandbox" (the built images; slower, for small fleets). */
  runtime?: "native" | "sandbox";
  /** true: the demo's schedule (DEMO_INCIDENTS); a list: that schedule; false/absent: none. */
  incidents?: boolean | IncidentSchedule[];
  /** Residents plug packs into free ports now and then (default true). */
  charging?: boolean;
  /** Devices power on spread over this long (default: 2 ms each, at most 30 s). */
  rampMs?: number;
  /** How long each incident kind lasts before it is undone (fleet-incidents.ts's HOLD_MS when absent). */
  holdMs?: Partial<Record<IncidentKind, number>>;
  /** Images for the sandbox runtime (shared with other runs). */
  images?: ImageCache;
  onEvent?(e: FleetEvent): void;
}

export interface FleetStats {
  uptimeS: number;
  devices: number;
  poweredOn: number;
  byKind: Record<DeviceKind, number>;
  /** Uplink frames the devices sent, by message name (status, charger-telemetry, smoke-alarm...). */
  uplinks: Record<string, number>;
  uplinksTotal: number;
  /** What the devices did to their outputs (relay-off, sounding, chirp...). */
  outputs: Record<string, number>;
  links: ReturnType<FleetLinks["stats"]>;
  incidents: { done: number; skipped: number };
  /** Frames not sent because their device was cut off the network (device-lost incidents). */
  silenced: number;
  /** How late device timers ran (the fleet keeps up while this stays small). */
  lag: ReturnType<RealTimeClock["lag"]>;
  clockErrors: number;
  firmwareErrors: number;
}

export interface Fleet {
  readonly plan: FleetPlan;
  stats(): FleetStats;
  describe(): string;
  /** Carries out one incident now (demos, tests); false when no device can take it. */
  incident(kind: IncidentSchedule["kind"]): boolean;
  /**
   * The resident takes the pack away from a port (device id as 8 hex digits,
   * the charger's own port from 0) and a hot terminal there is repaired:
   * what happens before an operator switches a cut port back on.
   */
  clearPort(deviceId: string, port: number): boolean;
  /** Resets the lateness statistics (after a warm-up). */
  resetLag(): void;
  stop(): Promise<void>;
}

const ROUTINE_CHUNK_MS = 3_600_000;
const CHURN_EVERY_MS = 60_000;

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const plan = opts.plan;
  const clock = new RealTimeClock();
  const rng = createRng(plan.seed).fork("fleet");
  const trace = new CountingTrace("fleet");
  const runtime = opts.runtime ?? "native";
  const factory: FirmwareRuntimeFactory = runtime === "native" ? nativeRuntime : sandboxRuntime;
  const images = opts.images ?? new ImageCache();
  const links: FleetLinks =
    opts.transport.kind === "mqtt"
      ? new MqttFleetLinks(opts.transport.url, opts.transport.concurrency)
      : new SerialFleetLinks(opts.transport.paths, opts.transport.baud);
  const incidentsDone = { done: 0, skipped: 0 };
  const silenced = new Set<number>();
  let silencedFrames = 0;
  let stopped = false;

  const code = new Map<string, string>();
  for (const d of plan.devices) {
    const k = runtime === "native" ? d.kind : d.name;
    if (!code.has(k))
      code.set(
        k,
        runtime === "native"
          ? await nativeAppSource(d.kind)
          : await images.imageFor(d.config, "PICO"),
      );
  }

  const startWall = Date.now();
  const midnightMs = localMidnightBefore(startWall, 480) - startWall;
  const devices = new Map<number, VirtualDevice>();
  const meta = new Map<VirtualDevice, IncidentDevice>();
  const byTarget = new Map<IncidentDevice, VirtualDevice>();
  for (const p of plan.devices) {
    const mrng = rng.fork(`model:${p.name}`);
    const model: DeviceModel =
      p.kind === "smoke"
        ? new SmokeModel(mrng)
        : p.kind === "charger"
          ? new ChargerModel(mrng, p.config.charger?.ports ?? 4)
          : new GuardianModel(mrng, midnightMs, p.routine);
    const dev = new VirtualDevice({
      name: p.name,
      config: p.config,
      model,
      link: opts.transport.kind,
      code: code.get(runtime === "native" ? p.kind : p.name)!,
      factory,
      trace,
      seed: plan.seed,
      onTransmit: (d, framed) => {
        if (silenced.has(d.deviceId)) silencedFrames++;
        else links.send(d.deviceId, framed);
      },
    });
    devices.set(p.deviceId, dev);
    const target: IncidentDevice = { name: p.name, kind: p.kind, location: p.where, model };
    if (p.shed !== undefined) {
      target.shed = p.shed;
      const limitW = plan.sheds.find((s) => s.id === p.shed)?.limitW;
      if (limitW !== undefined) target.shedLimitW = limitW;
    }
    if (p.watch) target.watch = p.watch;
    meta.set(dev, target);
    byTarget.set(target, dev);
  }

  const wakeAt = new Map<VirtualDevice, number>();
  const scheduleWake = (dev: VirtualDevice): void => {
    const w = dev.nextWakeMs();
    if (w === undefined || stopped) return;
    const cur = wakeAt.get(dev);
    if (cur !== undefined && cur <= w) return;
    wakeAt.set(dev, w);
    clock.at(w, () => {
      if (wakeAt.get(dev) !== w) return;
      wakeAt.delete(dev);
      dev.advanceTo(clock.nowMs);
      scheduleWake(dev);
    });
  };
  /** `routine`: an input of the model's daily routine, dropped if the model no longer makes it (stopped moving). */
  const setInputAt = (
    dev: VirtualDevice,
    atMs: number,
    role: string,
    high: boolean,
    routine = false,
  ) =>
    clock.at(atMs, () => {
      if (routine && dev.model.routineStillDue?.(atMs) === false) return;
      const now = clock.nowMs;
      dev.advanceTo(now);
      dev.setInput(role, high, now);
      scheduleWake(dev);
    });

  await links.start(
    [...devices.values()].map((d) => ({ deviceId: d.deviceId, key: fromHex(d.config.key)! })),
    (id, framed) => {
      const dev = devices.get(id);
      if (!dev) return;
      dev.receive(framed, clock.nowMs);
      scheduleWake(dev);
    },
  );
  clock.start();

  // Power on as each device's link comes up, spread over the ramp.
  const list = [...devices.values()];
  const rampMs = opts.rampMs ?? Math.min(30_000, list.length * 2);
  list.forEach((dev, i) => {
    const t = list.length > 1 ? (rampMs * i) / (list.length - 1) : 0;
    void links.ready(dev.deviceId).then((ok) => {
      if (!ok || stopped) return;
      clock.at(Math.max(t, clock.nowMs), () => {
        const m = dev.model as DeviceModel & {
          initialInputs?: () => { role: string; high: boolean }[];
        };
        dev.powerOn(clock.nowMs, m.initialInputs?.() ?? []);
        scheduleWake(dev);
      });
      if (dev.model.routine) {
        const refill = (from: number) => {
          if (stopped) return;
          for (const e of dev.model.routine!(from, from + ROUTINE_CHUNK_MS))
            setInputAt(dev, e.atMs, e.role, e.high, true);
          clock.at(from + ROUTINE_CHUNK_MS, () => refill(from + ROUTINE_CHUNK_MS));
        };
        refill(Math.max(t, clock.nowMs));
      }
    });
  });

  const host: IncidentHost = {
    devices: [...meta.values()],
    rng: rng.fork("incidents"),
    nowMs: () => clock.nowMs,
    at: (t, fn) => clock.at(t, fn),
    act: (target, action, args) => {
      const dev = byTarget.get(target);
      if (!dev?.poweredOn) return;
      const now = clock.nowMs;
      dev.advanceTo(now);
      for (const i of dev.model.apply(action, args, now)) setInputAt(dev, i.atMs, i.role, i.high);
      scheduleWake(dev);
    },
    silence: (target, silent) => {
      const dev = byTarget.get(target);
      if (!dev) return;
      if (silent) silenced.add(dev.deviceId);
      else silenced.delete(dev.deviceId);
    },
    onEvent: (e) => opts.onEvent?.(e),
  };
  if (opts.holdMs) host.holdMs = opts.holdMs;
  const schedule = opts.incidents === true ? DEMO_INCIDENTS : opts.incidents ? opts.incidents : [];
  for (const s of schedule) {
    const fire = (at: number) =>
      clock.at(at, () => {
        if (runIncident(host, s.kind)) incidentsDone.done++;
        else incidentsDone.skipped++;
        fire(at + s.everyMs);
      });
    fire(s.firstMs ?? s.everyMs);
  }
  if (opts.charging !== false && plan.devices.some((d) => d.kind === "charger")) {
    const churn = (at: number) =>
      clock.at(at, () => {
        chargingChurn(host);
        churn(at + CHURN_EVERY_MS);
      });
    churn(rampMs + 1000);
  }

  const byKind: Record<DeviceKind, number> = { smoke: 0, charger: 0, guardian: 0 };
  for (const d of plan.devices) byKind[d.kind]++;

  return {
    plan,
    stats: () => {
      const uplinks: Record<string, number> = {};
      const outputs: Record<string, number> = {};
      let total = 0;
      for (const [k, v] of trace.counts) {
        if (k.startsWith("uplink:")) {
          uplinks[k.slice(7)] = v;
          total += v;
        } else if (k.startsWith("device:")) outputs[k.slice(7)] = v;
      }
      let poweredOn = 0;
      let firmwareErrors = 0;
      for (const d of devices.values()) {
        if (d.poweredOn) poweredOn++;
        firmwareErrors += d.runtime?.errors?.().length ?? 0;
      }
      return {
        uptimeS: (Date.now() - startWall) / 1000,
        devices: devices.size,
        poweredOn,
        byKind,
        uplinks,
        uplinksTotal: total,
        outputs,
        links: links.stats(),
        incidents: { ...incidentsDone },
        silenced: silencedFrames,
        lag: clock.lag(),
        clockErrors: clock.errors,
        firmwareErrors,
      };
    },
    describe: () =>
      `${byKind.smoke} detectors, ${byKind.charger} chargers, ${byKind.guardian} guardians; ${runtime} firmware over ${opts.transport.kind}${schedule.length ? `; incidents: ${schedule.map((s) => `${s.kind} every ${formatDurationMs(s.everyMs)}`).join(", ")}` : ""}`,
    incident: (kind) => {
      const ok = runIncident(host, kind);
      if (ok) incidentsDone.done++;
      else incidentsDone.skipped++;
      return ok;
    },
    clearPort: (deviceId, port) => {
      const p = plan.devices.find((d) => d.id === deviceId.toLowerCase());
      const dev = p && devices.get(p.deviceId);
      const target = dev && meta.get(dev);
      if (target?.kind !== "charger") return false;
      host.act(target, "unplug", { port });
      host.act(target, "fix-contact", { port });
      return true;
    },
    resetLag: () => clock.resetLag(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clock.stop();
      for (const d of devices.values()) d.powerOff(clock.nowMs);
      await links.stop();
    },
  };
}
