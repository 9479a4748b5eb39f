/**
 * Small pieces of a run's set-up: each planned device's physical model, the
 * local midnight routines count from, and a folder for the gateway's database
 * in memory-backed storage.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChargerModel } from "../devices/charger-model.js";
import { GuardianModel, type GuardianRoutine } from "../devices/guardian-model.js";
import type { DeviceModel } from "../devices/pins.js";
import { SmokeModel } from "../devices/smoke-model.js";
import type { Rng } from "../physics/prng.js";
import { parseDurationMs } from "../scenario/duration.js";
import type { PlannedDevice } from "./site-build.js";

/** The physics behind a device's pins; `midnightMs` is the virtual ms of the local midnight before the start. */
export function modelFor(p: PlannedDevice, rng: Rng, midnightMs: number): DeviceModel {
  if (p.config.kind === "smoke")
    return new SmokeModel(
      rng,
      p.spec.battery?.startMv ?? 3000,
      p.spec.battery?.drainMvPerDay ?? 0.5,
    );
  if (p.config.kind === "charger") return new ChargerModel(rng, p.config.charger?.ports ?? 4);
  return new GuardianModel(rng, midnightMs, routineOf(p.spec.routine), p.spec.battery ?? {});
}

/** A scenario's routine keys as model options (durations from the start -> virtual ms). */
function routineOf(r: PlannedDevice["spec"]["routine"]): GuardianRoutine {
  if (!r) return {};
  const { away, visitors, ...rest } = r;
  const o: GuardianRoutine = { ...rest };
  if (away)
    o.away = away.map((a) => ({ fromMs: parseDurationMs(a.from), toMs: parseDurationMs(a.to) }));
  if (visitors) o.visitorsMs = visitors.map((v) => parseDurationMs(v));
  return o;
}

/** Epoch ms of the local midnight at or before `epochMs`. */
export function localMidnightBefore(epochMs: number, utcOffsetMin: number): number {
  const day = 86_400_000;
  const local = epochMs + utcOffsetMin * 60_000;
  return local - (local % day) - utcOffsetMin * 60_000;
}

/** A fresh folder on /dev/shm (tmpfs) when there is one, else in the temp folder. */
export function memoryBackedDir(): string {
  try {
    if (existsSync("/dev/shm")) return mkdtempSync("/dev/shm/haitang-sim-db-");
  } catch {
    // not writable: fall back
  }
  return mkdtempSync(join(tmpdir(), "haitang-sim-db-"));
}
