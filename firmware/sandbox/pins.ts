/**
 * The board's pins as the image sees them (Pin objects, one per board pin
 * name) and as the host drives them (analog and digital input levels, outputs
 * the image wrote). Watches fire on edges the host makes with setDigital,
 * after an optional debounce measured on the virtual clock.
 */
import type { ClockTask, VirtualClock } from "./virtual-clock.js";

export type PinModeName =
  | "input"
  | "input_pullup"
  | "input_pulldown"
  | "output"
  | "analog"
  | "auto";

export interface PinState {
  name: string;
  /** The Pin object handed to the image. */
  pin: object;
  analog: boolean;
  mode: PinModeName;
  /** Level the host drives (setDigital); undefined = not driven. */
  hostLevel: 0 | 1 | undefined;
  /** Analog level the host drives, 0..1. */
  analogLevel: number;
  /** Last value the image wrote, undefined before the first write. */
  output: 0 | 1 | undefined;
  watches: Watch[];
}

export interface WatchEventLike {
  state: boolean;
  time: number;
  lastTime: number | undefined;
}

/** A watch's debounce timer is its own clock task. */
export class Watch implements ClockTask {
  dueMs = 0;
  seq = 0;
  heapIndex = -1;
  /** Level last reported to the image. */
  reported: 0 | 1;
  /** When the level last changed (device ms), for a debounced event's time. */
  changedAtMs = 0;
  lastTimeS: number | undefined = undefined;
  constructor(
    readonly id: number,
    readonly fn: unknown,
    readonly state: PinState,
    readonly repeat: boolean,
    readonly edge: "rising" | "falling" | "both",
    readonly debounceMs: number,
    initialLevel: 0 | 1,
    private readonly fire: (w: Watch, level: 0 | 1, atMs: number) => void,
  ) {
    this.reported = initialLevel;
  }

  run(): void {
    this.fire(this, levelOf(this.state), this.changedAtMs);
  }

  matches(level: 0 | 1): boolean {
    return this.edge === "both" || (this.edge === "rising" ? level === 1 : level === 0);
  }
}

/** The level an input reads: what the host drives, else the pull resistor. */
export function levelOf(s: PinState): 0 | 1 {
  if (s.mode === "output" && s.output !== undefined) return s.output;
  if (s.hostLevel !== undefined) return s.hostLevel;
  return s.mode === "input_pullup" ? 1 : 0;
}

export class PinBank {
  private readonly byName = new Map<string, PinState>();
  private readonly byPin = new Map<object, PinState>();

  constructor(
    names: readonly string[],
    analogNames: readonly string[],
    makePin: (name: string) => object,
  ) {
    const analog = new Set(analogNames);
    for (const name of names) {
      const pin = makePin(name);
      const s: PinState = {
        name,
        pin,
        analog: analog.has(name),
        mode: "auto",
        hostLevel: undefined,
        analogLevel: 0,
        output: undefined,
        watches: [],
      };
      this.byName.set(name, s);
      this.byPin.set(pin, s);
    }
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The state behind a Pin object (or a pin name, as Espruino also accepts). */
  fromImage(value: unknown): PinState | undefined {
    if (typeof value === "string") return this.byName.get(value);
    if (value !== null && typeof value === "object") return this.byPin.get(value);
    return undefined;
  }

  byHostName(name: string): PinState {
    const s = this.byName.get(name);
    if (!s) throw new Error(`no pin ${name} on this board`);
    return s;
  }

  /** Power cycle: outputs float, modes reset, watches gone; host-driven levels stay. */
  reset(clock: VirtualClock): void {
    for (const s of this.byName.values()) {
      s.mode = "auto";
      s.output = undefined;
      for (const w of s.watches) clock.cancel(w);
      s.watches.length = 0;
    }
  }
}
