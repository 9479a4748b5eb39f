/**
 * What is wired to a virtual board's pins: the sensors of a healthy device of
 * a kind, on the pins the installer gives that kind by default
 * (installer/device-defaults.ts).
 */
import type { Board } from "../../firmware/build/boards.js";
import type { DeviceKind } from "../../firmware/device-config.js";
import { ntcFraction } from "../../firmware/devices/shed-temperature.js";
import { DEFAULT_CHARGER, defaultPins } from "../../installer/device-defaults.js";

export interface Wiring {
  analog: Record<string, number>;
  digital: Record<string, boolean>;
}

/**
 * Sensors of a healthy device on the pins installer/device-defaults.ts gives
 * it: clean-air chamber, a fresh battery, detector on its base, test button
 * up, door closed, shed at 25 °C, nothing charging.
 */
export function healthyWiring(kind: DeviceKind, board: Board): Wiring {
  const plan = defaultPins(kind, board, DEFAULT_CHARGER.ports);
  if (!plan.ok) throw new Error(plan.reason);
  const pin = (role: string) => plan.pins[role] as string;
  const w: Wiring = { analog: {}, digital: {} };
  if (kind === "smoke") {
    w.analog[pin("smoke")] = 0.02; // 40 of 2,000: clean air, chamber alive
    w.analog[pin("battery")] = 0.45; // 2,970 mV
    w.digital[pin("test")] = true; // button to ground: up
    w.digital[pin("tamper")] = false; // on its base
  } else if (kind === "guardian") {
    w.analog[pin("battery")] = 0.45;
    w.digital[pin("door")] = false; // closed
    w.digital[pin("motion")] = false;
  } else {
    w.analog[pin("temp")] = ntcFraction(250);
    for (let i = 0; i < DEFAULT_CHARGER.ports; i++) w.analog[pin(`power${i}`)] = 0;
  }
  return w;
}
