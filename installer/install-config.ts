/**
 * The installer's optional config file (`--config thresholds.yaml`): overrides
 * for the thresholds, heartbeat, listening window, link speed and pins of the
 * device being flashed. Checked against a JSON Schema here (shape), then the
 * merged device config is checked by the firmware build's own rules (ranges,
 * cross-field limits, pins that exist on the board). Errors name the path and
 * the bad value.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import { parseDocument } from "yaml";
import type { Board } from "../firmware/build/boards.js";
import {
  checkDeviceConfig,
  formatIssue,
  resolvePins,
} from "../firmware/build/device-config-check.js";
import {
  DEFAULT_SNIFF_EVERY_MS,
  type DeviceConfig,
  type DeviceGroup,
  type DeviceKind,
} from "../firmware/device-config.js";
import {
  DEFAULT_BAUD,
  DEFAULT_CHARGER,
  DEFAULT_GUARDIAN,
  DEFAULT_HEARTBEAT_S,
  DEFAULT_LISTEN_WINDOW_MS,
  DEFAULT_SMOKE,
  defaultPins,
} from "./device-defaults.js";
import { FlashError } from "./flash-error.js";

export interface InstallConfig {
  heartbeatS?: number;
  listenWindowMs?: number;
  /** Smoke detectors: the wake-on-radio module's sniff period (default 1000); 0 = listening windows instead. */
  sniffEveryMs?: number;
  baud?: number;
  pins?: Record<string, string>;
  smoke?: Record<string, number>;
  charger?: Record<string, number>;
  guardian?: Record<string, number>;
}

const section = (keys: string[]) => ({
  type: "object",
  additionalProperties: false,
  properties: Object.fromEntries(keys.map((k) => [k, { type: "integer" }])),
});

const SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    heartbeatS: { type: "integer", minimum: 1, maximum: 86400 },
    listenWindowMs: { type: "integer", minimum: 0, maximum: 60000 },
    sniffEveryMs: { anyOf: [{ const: 0 }, { type: "integer", minimum: 100, maximum: 10000 }] },
    baud: { enum: [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] },
    pins: { type: "object", additionalProperties: { type: "string" } },
    smoke: section(Object.keys(DEFAULT_SMOKE)),
    charger: section(Object.keys(DEFAULT_CHARGER)),
    guardian: section(Object.keys(DEFAULT_GUARDIAN)),
  },
};

const validate = new Ajv({ allErrors: true, strict: true }).compile<InstallConfig>(SCHEMA);

function issueText(file: string, e: ErrorObject, data: unknown): string {
  const segs = e.instancePath.split("/").filter(Boolean);
  let message = e.message ?? "is invalid";
  if (e.keyword === "additionalProperties") {
    segs.push((e.params as { additionalProperty: string }).additionalProperty);
    message = "is not a known setting";
  }
  let value: unknown = data;
  for (const s of segs) value = (value as Record<string, unknown> | undefined)?.[s];
  return `${file}: ${segs.join(".") || "(top level)"} = ${JSON.stringify(value) ?? "(missing)"}: ${message}`;
}

/** Reads and shape-checks the config file; throws FlashError("bad-input") naming each problem. */
export function loadInstallConfig(file: string): InstallConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new FlashError(
      "bad-input",
      `cannot read the config file ${file}: ${(err as Error).message}`,
      "Check the path given to --config.",
    );
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new FlashError(
      "bad-input",
      `${file} is not valid YAML: ${doc.errors[0]?.message}`,
      "Fix the YAML syntax at the line shown and run the command again.",
    );
  }
  const data: unknown = doc.toJS() ?? {};
  if (!validate(data)) {
    const lines = (validate.errors ?? []).map((e) => issueText(file, e, data));
    throw new FlashError(
      "bad-input",
      `${file} has ${lines.length} problem(s):\n  ${lines.join("\n  ")}`,
      "Correct these settings (names and units are those of firmware/device-config.ts).",
    );
  }
  return data;
}

/** The device's build configuration: defaults, then the config file, then checked for the board. */
export function deviceConfigFor(
  kind: DeviceKind,
  board: Board,
  identity: { deviceId: number; keyHex: string; group?: DeviceGroup },
  overrides: InstallConfig = {},
  source = "--config",
): DeviceConfig {
  const config: DeviceConfig = {
    deviceId: identity.deviceId,
    kind,
    key: identity.keyHex,
    heartbeatS: overrides.heartbeatS ?? DEFAULT_HEARTBEAT_S[kind],
    listenWindowMs: overrides.listenWindowMs ?? DEFAULT_LISTEN_WINDOW_MS[kind],
    link: { type: "uart", baud: overrides.baud ?? DEFAULT_BAUD },
    pins: {},
  };
  if (kind === "smoke") config.smoke = { ...DEFAULT_SMOKE, ...overrides.smoke };
  // Battery detectors listen by wake-on-radio unless told otherwise (the module's wake pin below).
  const sniff = overrides.sniffEveryMs ?? DEFAULT_SNIFF_EVERY_MS;
  if (kind === "smoke" && sniff > 0 && config.listenWindowMs > 0)
    config.wakeOnRadio = { sniffEveryMs: sniff };
  // The building group key the gateway issued for the detector's building.
  if (kind === "smoke" && identity.group) config.group = identity.group;
  if (kind === "charger") config.charger = { ...DEFAULT_CHARGER, ...overrides.charger };
  if (kind === "guardian") config.guardian = { ...DEFAULT_GUARDIAN, ...overrides.guardian };
  const plan = defaultPins(
    kind,
    board,
    config.charger?.ports ?? 0,
    config.wakeOnRadio !== undefined,
  );
  if (!plan.ok && !overrides.pins) {
    throw new FlashError(
      "bad-input",
      `cannot place the ${kind}'s pins on ${board.name}: ${plan.reason}`,
      "Give the pins in the config file (pins: {role: PIN}) or choose a board with more pins.",
    );
  }
  config.pins = { ...(plan.ok ? plan.pins : {}), ...overrides.pins };
  const check = checkDeviceConfig(config);
  const issues = check.ok ? [] : check.issues;
  if (check.ok) {
    const pins = resolvePins(config, board);
    if (!pins.ok) issues.push(...pins.issues);
  }
  if (issues.length > 0) {
    throw new FlashError(
      "bad-input",
      `the device settings are not valid:\n  ${issues.map((i) => formatIssue(source, i)).join("\n  ")}`,
      "Correct these settings in the config file and run the command again.",
    );
  }
  return config;
}
