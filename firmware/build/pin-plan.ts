/**
 * Which board pin serves which role of a device kind, from the board table
 * (boards.ts): analog roles on ADC pins, outputs and inputs on plain GPIO,
 * the link's UART pins kept free. One planner for the installer's defaults
 * and the simulator's virtual devices, so a scenario device gets the pins a
 * flashed board of the same kind and board would get.
 *
 * A charger whose power meters outnumber the board's free ADC channels reads
 * them through a 16-channel analog multiplexer (a CD74HC4067 or the like):
 * one ADC pin "mux" and four select lines "muxS0".."muxS3"
 * (firmware/devices/shed-charger.ts). That is how a 12-port charger fits an
 * ESP32 (8 ADC1 channels, and too few GPIO for 12 relays plus 12 meters).
 */
import type { DeviceKind } from "../device-config.js";
import type { Board } from "./boards.js";

/** Pins the UART to the radio / RS-485 uses by default on each board (kept free of roles). */
export const UART_PINS: ReadonlySet<string> = new Set([
  "B6",
  "B7",
  "A9",
  "A10",
  "D16",
  "D17",
  "D1",
  "D3",
]);

/** Select lines of the port-meter multiplexer. */
export const MUX_SELECT_ROLES = ["muxS0", "muxS1", "muxS2", "muxS3"] as const;
/** Channels one multiplexer gives. */
export const MUX_CHANNELS = 16;

export type PinPlan = { ok: true; pins: Record<string, string> } | { ok: false; reason: string };

export interface PinRoles {
  analog: string[];
  digital: string[];
  /** Inputs that are welcome but not needed: given only when every one of them fits. */
  optional: string[];
}

/**
 * Roles of a kind. A charger's port meters go behind the multiplexer when
 * they do not fit the ADC channels left beside the shed's temperature input;
 * `shorts` asks for an over-current comparator input per port (optional).
 */
export function pinRoles(
  kind: DeviceKind,
  ports: number,
  adcFree = Infinity,
  shorts = false,
  wake = false,
): PinRoles {
  // `wake`: a wake-on-radio module's output that wakes the board (device config wakeOnRadio).
  if (kind === "smoke")
    return {
      analog: ["smoke", "battery"],
      digital: ["buzzer", "test", "tamper"],
      optional: wake ? ["wake"] : [],
    };
  if (kind === "guardian")
    return { analog: ["battery"], digital: ["door", "motion"], optional: [] };
  const analog = ["temp"];
  const digital: string[] = [];
  const optional: string[] = [];
  const muxed = ports + 1 > adcFree;
  if (muxed) {
    analog.push("mux");
    digital.push(...MUX_SELECT_ROLES);
  }
  for (let i = 0; i < ports; i++) {
    if (!muxed) analog.push(`power${i}`);
    digital.push(`relay${i}`);
    if (shorts) optional.push(`short${i}`);
  }
  return { analog, digital, optional };
}

/**
 * Assigns pins: analog roles to ADC pins, the rest to plain GPIO, optional
 * inputs to what is left (spare ADC pins read digital levels too).
 */
export function planPins(
  kind: DeviceKind,
  board: Board,
  ports: number,
  opts: { shorts?: boolean; wake?: boolean } = {},
): PinPlan {
  const adc = board.analogPins.filter((p) => !UART_PINS.has(p));
  const gpio = board.pins.filter(
    (p) => !UART_PINS.has(p) && !board.analogPins.includes(p) && !/^(LED|BTN)/.test(p),
  );
  if (kind === "charger" && ports > MUX_CHANNELS) {
    return { ok: false, reason: `a charger has at most ${MUX_CHANNELS} ports (got ${ports})` };
  }
  const roles = pinRoles(kind, ports, adc.length, opts.shorts === true, opts.wake === true);
  if (roles.analog.length > adc.length) {
    return {
      ok: false,
      reason:
        `${kind} needs ${roles.analog.length} analog inputs (${roles.analog.join(", ")}) ` +
        `but ${board.name} has ${adc.length}`,
    };
  }
  if (roles.digital.length > gpio.length) {
    return {
      ok: false,
      reason: `${kind} needs ${roles.digital.length} digital pins but ${board.name} has ${gpio.length}`,
    };
  }
  const pins: Record<string, string> = {};
  roles.analog.forEach((role, i) => {
    pins[role] = adc[i] as string;
  });
  roles.digital.forEach((role, i) => {
    pins[role] = gpio[i] as string;
  });
  const spare = [...gpio.slice(roles.digital.length), ...adc.slice(roles.analog.length)];
  if (roles.optional.length <= spare.length) {
    roles.optional.forEach((role, i) => {
      pins[role] = spare[i] as string;
    });
  }
  return { ok: true, pins };
}
