/**
 * The physical side of a smoke detector: chamber, battery, test button,
 * tamper switch, and an ear on the buzzer (a fire pattern is 500 ms tones; a
 * fault chirp is 60 ms).
 */
import { SMOKE_FULL_SCALE } from "../../firmware/devices/smoke-detector.js";
import { BATTERY_FULL_SCALE_MV } from "../../firmware/devices/status.js";
import { type BatteryState, batteryMvAt, newBattery } from "../physics/battery.js";
import type { Rng } from "../physics/prng.js";
import { type SmokeProfileName, type SmokeSource, smokeReading } from "../physics/smoke-chamber.js";
import {
  clamp01,
  type DeviceModel,
  type ModelEvent,
  type PinSink,
  type ScheduledInput,
} from "./pins.js";

/** A buzzer tone at least this long is the fire pattern, not a chirp. */
const FIRE_TONE_MS = 300;
const BUTTON_PRESS_MS = 1500;

export class SmokeModel implements DeviceModel {
  source: SmokeSource = { profile: "clean", startMs: 0 };
  battery: BatteryState;
  tamperRemoved = false;
  private buzzerOnAtMs = -1;
  private lastFireToneMs = Number.NEGATIVE_INFINITY;
  private overrideMv: number | undefined;
  private readonly rng: Rng;

  constructor(rng: Rng, startMv = 3000, drainMvPerDay = 0.5) {
    this.rng = rng;
    this.battery = newBattery(startMv, 0, drainMvPerDay);
  }

  drive(nowMs: number, pins: PinSink): void {
    pins.analog(
      "smoke",
      clamp01(smokeReading(this.source, nowMs, this.rng.normal()) / SMOKE_FULL_SCALE),
    );
    const mv = this.overrideMv ?? batteryMvAt(this.battery, nowMs);
    pins.analog("battery", clamp01(mv / BATTERY_FULL_SCALE_MV));
    pins.digital("tamper", this.tamperRemoved);
  }

  onOutput(role: string, high: boolean, nowMs: number): ModelEvent | undefined {
    if (role !== "buzzer") return undefined;
    if (high) {
      if (this.buzzerOnAtMs < 0) this.buzzerOnAtMs = nowMs;
      return undefined;
    }
    if (this.buzzerOnAtMs < 0) return undefined;
    const on = this.buzzerOnAtMs;
    const len = nowMs - on;
    this.buzzerOnAtMs = -1;
    this.battery.soundingMs += len;
    if (len < FIRE_TONE_MS) return { event: "chirp" };
    // One "sounding" trace event per burst of fire tones.
    const first = on - this.lastFireToneMs > 5000;
    this.lastFireToneMs = nowMs;
    return first ? { event: "sounding", toneMs: len } : undefined;
  }

  apply(action: string, args: Record<string, unknown>, nowMs: number): ScheduledInput[] {
    switch (action) {
      case "smoke": {
        const src: SmokeSource = { profile: args.profile as SmokeProfileName, startMs: nowMs };
        if (typeof args.peak === "number") src.peak = args.peak;
        this.source = src;
        return [];
      }
      case "press-test":
        // Button to ground: pressed = low. Held 1.5 s: test / hush.
        return [
          { atMs: nowMs, role: "test", high: false },
          { atMs: nowMs + BUTTON_PRESS_MS, role: "test", high: true },
        ];
      case "tamper":
        this.tamperRemoved = args.removed !== false;
        return [{ atMs: nowMs, role: "tamper", high: this.tamperRemoved }];
      case "battery":
        this.overrideMv = args.mv as number;
        return [];
      default:
        return [];
    }
  }

  /** Idle input levels at power-on. */
  initialInputs(): ScheduledInput[] {
    return [
      { atMs: 0, role: "test", high: true },
      { atMs: 0, role: "tamper", high: false },
    ];
  }
}
