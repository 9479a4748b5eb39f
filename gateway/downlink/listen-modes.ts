/**
 * How each battery detector listens, from the site YAML (gateway/config
 * README): by wake-on-radio (the default: its radio module sniffs the
 * channel every `interlink.sniffEveryMs`, so a frame it is not listening for
 * needs a wake-up preamble at least that long) or in scheduled listening
 * windows (`listen: windows`, interlink.listenWindowMs every listenEveryS).
 * A device's own `listen` wins over the site's `interlink.listen`: the one
 * it was registered with through the API (the registry's record), else the
 * site YAML's devices[].listen. Mains
 * devices always listen and need no preamble.
 */
import type { SiteConfig } from "../config/site-config.js";
import { parseDeviceId } from "../registry/keys.js";
import type { RegisteredDevice } from "../registry/registry.js";
import type { ListenMode } from "../types.js";
import { wakePreambleMs } from "./interlink-budget.js";

export type { ListenMode } from "../types.js";

/** How a device listens: a battery detector's mode; undefined for a device that always listens. */
export function listeningOf(cfg: SiteConfig): (dev: RegisteredDevice) => ListenMode | undefined {
  const own = new Map<number, ListenMode>();
  for (const d of cfg.devices) {
    const id = parseDeviceId(d.id);
    if (id !== undefined && d.listen !== undefined) own.set(id, d.listen);
  }
  return (dev) => {
    if (!dev.sleepy || dev.kind !== "smoke") return undefined;
    return dev.listen ?? own.get(dev.deviceId) ?? cfg.interlink.listen;
  };
}

/** The wake-up preamble (ms) a device needs before a frame it is not listening for; 0 = none. */
export function preambleFor(cfg: SiteConfig): (dev: RegisteredDevice) => number {
  const listening = listeningOf(cfg);
  const preamble = wakePreambleMs(cfg.interlink.sniffEveryMs);
  return (dev) => (listening(dev) === "wake-on-radio" ? preamble : 0);
}
