/**
 * Property names the firmware build may shorten in an image (terser's property
 * mangling, minify.ts). Program text is memory on Espruino, and
 * the names of the HAL, the link and the protocol's message objects repeat
 * through every image.
 *
 * Only names that never cross the image's edge belong here: object fields and
 * methods made and read inside the image. Never list
 * - a name Espruino or JavaScript itself defines on an object the image uses
 *   (read, write, on, setup, state, time, random, push, length, ...);
 * - a pin role or a settings field: those are looked up by string
 *   ("temp", "heartbeatS", "power" + i) and kept in Storage as JSON;
 * - a name read from outside the image: the installer's entry publishes
 *   E.HAITANG_ID = {firmware, deviceId, kind, board} for the REPL to read
 *   (installer/image-entries/publish-identity.js), so "deviceId" stays.
 * As a guard, propertiesToMangle drops every listed name that also appears as
 * a string value in the image (not a quoted object key: the build writes the
 * device config as JSON), so a role or settings field that shares a listed name
 * (a "tamper" pin, say) keeps its name. A listed name that Espruino
 * defines would break the image; the sandbox tests of the built images (which
 * offer Espruino's globals under their real names) catch that.
 */
import { type AstNode, isNode, parseScript } from "./ast.js";

export const MANGLED_PROPERTIES: readonly string[] = [
  // firmware/hal/hal.ts (not read/write: Storage has them; not random: Math has it)
  "nowMs",
  "has",
  "analog",
  "watch",
  "every",
  "after",
  "send",
  "onReceive",
  "load",
  "save",
  "sha256",
  "deepSleep",
  // firmware/devices/link.ts
  "stats",
  "framing",
  "start",
  "firstBoot",
  "holdOpen",
  "nextCounter",
  "pendingCount",
  "code",
  "payload",
  "counters",
  "attempt",
  "dueMs",
  // firmware/apps/boot.ts, firmware/devices/status.ts
  "hal",
  "link",
  "id",
  "deviceKind",
  "firmwareVersion",
  "resetCause",
  // device objects (smoke-detector, shed-charger, shed-temperature, guardian-sensor, sounder)
  "tick",
  "button",
  "tamper",
  "command",
  "mode",
  "sample",
  "overTemp",
  "powerW",
  "temp",
  "deciC",
  "faulted",
  "rejected",
  "update",
  "activity",
  "play",
  "stop",
  "playing",
  // protocol: decode results, frames, downlink messages, counter windows, deframer stats
  "ok",
  "reason",
  "frame",
  "counter",
  "flags",
  "msg",
  "type",
  "ackedCounter",
  "port",
  "durationS",
  "sourceDeviceId",
  "entries",
  "key",
  "value",
  "unixS",
  "highest",
  "maskLo",
  "maskHi",
  "next",
  "reserveUpTo",
  "frames",
  "garbageBytes",
  "badCrc",
  "oversize",
  "badEscape",
];

/** String values in `code`, ES5 (object keys, quoted or not, are not values). */
function stringValues(code: string): Set<string> {
  const out = new Set<string>();
  const visit = (node: AstNode, isKey: boolean): void => {
    if (node.type === "Literal" && typeof node.value === "string" && !isKey) out.add(node.value);
    for (const k of Object.keys(node)) {
      if (k === "loc") continue;
      const v = node[k];
      const keyOf = node.type === "Property" && k === "key" && node.computed !== true;
      if (Array.isArray(v)) {
        for (const item of v) if (isNode(item)) visit(item, false);
      } else if (isNode(v)) visit(v, keyOf);
    }
  };
  visit(parseScript(code, 5), false);
  return out;
}

/** MANGLED_PROPERTIES without the names that `code` (the ES5 image) also has as string values. */
export function propertiesToMangle(code: string): string[] {
  const strings = stringValues(code);
  return MANGLED_PROPERTIES.filter((name) => !strings.has(name));
}
