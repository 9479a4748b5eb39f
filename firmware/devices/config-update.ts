/**
 * Applies TYPE_CONFIG updates to a device's settings and keeps them in Storage
 * so they survive a reboot. All or nothing: one unknown key or a value that is
 * not positive rejects the whole update.
 */
import { COMMAND_RESULT_OK, COMMAND_RESULT_REJECTED } from "../../protocol/constants.js";
import type { ConfigEntry } from "../../protocol/messages.js";
import type { Hal } from "../hal/hal.js";

export const CONFIG_FILE = "hcfg";

/** Alternating config key and settings field: [CONFIG_HEARTBEAT_S, "heartbeatS", ...]. */
export type ConfigFields = (number | string)[];

type Settings = { [field: string]: number };

function fieldOf(fields: ConfigFields, key: number): string | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === key) return fields[i + 1] as string;
  return undefined;
}

function stored(hal: Hal): Settings {
  const text = hal.load(CONFIG_FILE);
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as Settings;
  } catch (_e) {
    return {};
  }
}

/** Overlays settings changed by earlier config updates (call at boot). */
export function loadConfigOverrides(hal: Hal, settings: object): void {
  const s = settings as Settings;
  const o = stored(hal);
  for (const k in o) if (typeof s[k] === "number" && typeof o[k] === "number") s[k] = o[k];
}

export function applyConfig(
  hal: Hal,
  entries: ConfigEntry[],
  fields: ConfigFields,
  settings: object,
): number {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (fieldOf(fields, e.key) === undefined || !(e.value > 0)) return COMMAND_RESULT_REJECTED;
  }
  const s = settings as Settings;
  const o = stored(hal);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const f = fieldOf(fields, e.key)!;
    s[f] = e.value;
    o[f] = e.value;
  }
  hal.save(CONFIG_FILE, JSON.stringify(o));
  return COMMAND_RESULT_OK;
}
