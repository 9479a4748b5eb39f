/**
 * Checks a `--device` JSON against firmware/build/device-config.schema.json and
 * against the target board: every error names the path and the bad value (the
 * key is never echoed). Pins are resolved by name against the board's pin table.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { repoRoot } from "../../common/paths.js";
import type { DeviceConfig, DeviceKind } from "../device-config.js";
import { type Board, describePins } from "./boards.js";
import { MUX_SELECT_ROLES } from "./pin-plan.js";

export interface ConfigIssue {
  /** Dotted path into the JSON ("charger.portLimitW"), "" for the whole document. */
  path: string;
  value: unknown;
  message: string;
}

export type ConfigCheck = { ok: true; config: DeviceConfig } | { ok: false; issues: ConfigIssue[] };

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (validator) return validator;
  const file = join(repoRoot(), "firmware", "build", "device-config.schema.json");
  const schema = JSON.parse(readFileSync(file, "utf8")) as object;
  validator = new Ajv({
    allErrors: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
  }).compile(schema);
  return validator;
}

function pointerToPath(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function valueAt(data: unknown, segments: readonly string[]): unknown {
  let v: unknown = data;
  for (const s of segments) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}

function ajvIssue(e: ErrorObject, data: unknown): ConfigIssue {
  const segs = pointerToPath(e.instancePath);
  let message = e.message ?? "is invalid";
  if (e.keyword === "required") {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    segs.push(missing);
    message = "is required";
  } else if (e.keyword === "additionalProperties") {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    segs.push(extra);
    message = "is not a known setting";
  } else if (e.keyword === "enum") {
    const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
    message = `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`;
  } else if (e.keyword === "propertyNames") {
    const name = (e.params as { propertyName: string }).propertyName;
    segs.push(name);
    message = "is not a valid role name (letters, digits, _; at most 32)";
  }
  const path = segs.join(".");
  return { path, value: valueAt(data, segs), message };
}

/** `key` is a secret: show its shape, never its digits. */
function shown(path: string, value: unknown): string {
  if (path === "key" && typeof value === "string") return `<${value.length} characters>`;
  if (value === undefined) return "(missing)";
  return JSON.stringify(value);
}

export function formatIssue(source: string, issue: ConfigIssue): string {
  const where = issue.path ? `${source}: ${issue.path}` : source;
  const value = issue.path === "" ? "" : ` = ${shown(issue.path, issue.value)}`;
  return `${where}${value}: ${issue.message}`;
}

/** Schema check plus the rules a schema cannot say (cross-field limits). */
export function checkDeviceConfig(data: unknown): ConfigCheck {
  const validate = schemaValidator();
  if (!validate(data)) {
    const seen = new Set<string>();
    const issues: ConfigIssue[] = [];
    for (const e of validate.errors ?? []) {
      // `if/then` adds a second, vaguer error for the same problem.
      if (e.keyword === "if") continue;
      const issue = ajvIssue(e, data);
      const id = `${issue.path}|${issue.message}`;
      if (!seen.has(id)) {
        seen.add(id);
        issues.push(issue);
      }
    }
    return { ok: false, issues };
  }
  const config = data as DeviceConfig;
  const issues: ConfigIssue[] = [];
  const c = config.charger;
  if (c) {
    if (c.shedRefuseW > c.shedLimitW) {
      issues.push({
        path: "charger.shedRefuseW",
        value: c.shedRefuseW,
        message: `must not exceed charger.shedLimitW (${c.shedLimitW})`,
      });
    }
    if (c.shortCircuitW <= c.portLimitW) {
      issues.push({
        path: "charger.shortCircuitW",
        value: c.shortCircuitW,
        message: `must be above charger.portLimitW (${c.portLimitW})`,
      });
    }
  }
  return issues.length ? { ok: false, issues } : { ok: true, config };
}

export type PinResolution =
  | { ok: true; pins: { role: string; pin: string }[] }
  | { ok: false; issues: ConfigIssue[] };

/** Each role's pin must exist on the board, and no pin may serve two roles. */
export function resolvePins(config: DeviceConfig, board: Board): PinResolution {
  const issues: ConfigIssue[] = [];
  const pins: { role: string; pin: string }[] = [];
  const usedBy = new Map<string, string>();
  for (const [role, pin] of Object.entries(config.pins)) {
    const path = `pins.${role}`;
    if (!board.pins.includes(pin)) {
      issues.push({
        path,
        value: pin,
        message: `pin ${pin} does not exist on ${board.name} (pins: ${describePins(board.pins)})`,
      });
      continue;
    }
    const other = usedBy.get(pin);
    if (other !== undefined) {
      issues.push({ path, value: pin, message: `pin ${pin} is already used by role '${other}'` });
      continue;
    }
    usedBy.set(pin, role);
    pins.push({ role, pin });
  }
  return issues.length ? { ok: false, issues } : { ok: true, pins };
}

/** The board must be fit for the kind, and the file must describe that kind. */
export function checkKindAndBoard(
  config: DeviceConfig,
  kind: DeviceKind,
  board: Board,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (config.kind !== kind) {
    issues.push({
      path: "kind",
      value: config.kind,
      message: `the build was asked for kind '${kind}'`,
    });
  }
  if (!board.kinds.includes(kind)) {
    issues.push({
      path: "",
      value: undefined,
      message:
        `board ${board.name} does not support kind '${kind}' (it supports ` +
        `${board.kinds.length ? board.kinds.join(", ") : "no device kind"}): ${board.kindNotes}`,
    });
  }
  return issues;
}

/** Roles the apps read with analogRead (firmware/devices): they need an ADC pin. */
const ANALOG_ROLE = /^(smoke|battery|temp|mux|power\d+)$/;

/** Roles an app uses without asking `hal.has` first: a build without them fails at boot. */
function requiredRoles(config: DeviceConfig): string[] {
  if (config.kind === "smoke") return ["smoke", "buzzer"];
  if (config.kind === "charger" && config.charger) {
    // Port meters on their own ADC pins, or behind a multiplexer (firmware/build/pin-plan.ts).
    const muxed = config.pins.mux !== undefined;
    const roles = muxed ? ["temp", "mux", ...MUX_SELECT_ROLES] : ["temp"];
    for (let i = 0; i < config.charger.ports; i++) {
      roles.push(`relay${i}`);
      if (!muxed) roles.push(`power${i}`);
    }
    return roles;
  }
  return [];
}

/** The roles the kind needs are present, and analog roles sit on ADC pins. */
export function checkRoles(config: DeviceConfig, board: Board): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const role of requiredRoles(config)) {
    if (config.pins[role] === undefined) {
      issues.push({
        path: `pins.${role}`,
        value: undefined,
        message: `the ${config.kind} app needs a pin for role '${role}'`,
      });
    }
  }
  for (const [role, pin] of Object.entries(config.pins)) {
    if (ANALOG_ROLE.test(role) && board.pins.includes(pin) && !board.analogPins.includes(pin)) {
      issues.push({
        path: `pins.${role}`,
        value: pin,
        message:
          `role '${role}' is read with analogRead but ${pin} has no ADC on ${board.name} ` +
          `(analog pins: ${describePins(board.analogPins)})`,
      });
    }
  }
  return issues;
}
