/**
 * Reads a scenario file: YAML -> JSON Schema -> references. Nothing runs
 * unless all three pass; every error names its path (and line) and the value.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import addFormatsModule from "ajv-formats";
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import { DEFAULT_BOARD, pinsFor } from "../devices/device-config-for.js";
import { AFTER_ALARM } from "../verdict/expectations.js";
import { parseDurationMs } from "./duration.js";
import { scenarioSchema } from "./schema.js";
import { EXPECT_KINDS, type ScenarioFile, TIMELINE_ACTIONS, type TimelineItem } from "./types.js";

export interface ScenarioError {
  /** JSON pointer, e.g. /timeline/2/smoke/device. */
  path: string;
  message: string;
  line?: number;
}

export interface Scenario extends ScenarioFile {
  file: string;
  seed: number;
  durationMs: number;
  startEpochMs: number;
  /** Timeline with times in ms, in time order (stable). */
  steps: Step[];
  /** label -> virtual ms. */
  labels: Map<string, number>;
}

export interface Step {
  index: number;
  atMs: number;
  label?: string;
  action: (typeof TIMELINE_ACTIONS)[number];
  args: Record<string, unknown>;
}

export type LoadResult = { ok: true; scenario: Scenario } | { ok: false; errors: ScenarioError[] };

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
const validate = ajv.compile<unknown>(scenarioSchema as object);

export const DEFAULT_START = "2026-01-05T00:00:00+08:00";

function ajvMessage(e: ErrorObject): { path: string; message: string } {
  const p = e.params as Record<string, unknown>;
  if (e.keyword === "additionalProperties")
    return {
      path: `${e.instancePath}/${String(p.additionalProperty)}`,
      message: `unknown key '${String(p.additionalProperty)}'`,
    };
  if (e.keyword === "enum")
    return {
      path: e.instancePath,
      message: `${e.message}: ${(p.allowedValues as unknown[]).join(", ")}`,
    };
  return { path: e.instancePath || "/", message: e.message ?? e.keyword };
}

function valueAt(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const part of path.split("/").slice(1)) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Validates parsed YAML. `lineOf` maps a path to a source line when known. */
export function validateScenario(
  raw: unknown,
  file = "<scenario>",
  lineOf: (path: string) => number | undefined = () => undefined,
): LoadResult {
  const errors: ScenarioError[] = [];
  const add = (path: string, message: string) => {
    const line = lineOf(path);
    errors.push(line === undefined ? { path, message } : { path, message, line });
  };
  if (!validate(raw)) {
    const seen = new Set<string>();
    for (const e of validate.errors ?? []) {
      // oneOf branches of a duration repeat themselves; keep one line per path.
      if (e.keyword === "oneOf") continue;
      const m = ajvMessage(e);
      const v = valueAt(raw, m.path);
      const shown =
        v === undefined || typeof v === "object" ? "" : ` (value: ${JSON.stringify(v)})`;
      const key = m.path + m.message;
      if (seen.has(key)) continue;
      seen.add(key);
      add(m.path, m.message + shown);
    }
    return { ok: false, errors };
  }
  const sc = raw as unknown as ScenarioFile;
  checkReferences(sc, add);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, scenario: normalise(sc, file) };
}

type Add = (path: string, message: string) => void;

function checkReferences(sc: ScenarioFile, add: Add): void {
  const site = sc.site;
  const devices = new Map(site.devices.map((d) => [d.id, d]));
  const receivers = new Set((site.receivers ?? []).map((r) => r.id));
  const buses = new Set((site.buses ?? []).map((b) => b.id));
  const sheds = new Set((site.sheds ?? []).map((s) => s.id));
  const flats = new Set<string>();
  for (const b of site.buildings ?? []) for (const f of b.flats) flats.add(`${b.id}/${f}`);
  const known = (set: Iterable<string>) => [...set].join(", ") || "none";
  const dupes = (ids: string[], path: string) => {
    const seen = new Set<string>();
    ids.forEach((id, i) => {
      if (seen.has(id)) add(`${path}/${i}/id`, `duplicate id '${id}'`);
      seen.add(id);
    });
  };
  dupes(
    site.devices.map((d) => d.id),
    "/site/devices",
  );
  dupes(
    (site.receivers ?? []).map((r) => r.id),
    "/site/receivers",
  );
  dupes(
    (site.buses ?? []).map((r) => r.id),
    "/site/buses",
  );
  const hexIds = new Map<string, number>();
  site.devices.forEach((d, i) => {
    const p = `/site/devices/${i}`;
    if (d.deviceId) {
      const h = d.deviceId.toLowerCase();
      if (hexIds.has(h)) add(`${p}/deviceId`, `device id ${h} already used by another device`);
      hexIds.set(h, i);
    }
    if (d.link === "radio") {
      if (receivers.size === 0) add(`${p}/link`, "link 'radio' needs at least one receiver");
    } else if (d.link !== "wifi" && !buses.has(d.link)) {
      add(`${p}/link`, `unknown link '${d.link}' (radio, wifi or a bus: ${known(buses)})`);
    }
    if (d.flat && !flats.has(d.flat))
      add(`${p}/flat`, `unknown flat '${d.flat}' (known: ${known(flats)})`);
    if (d.shed && !sheds.has(d.shed))
      add(`${p}/shed`, `unknown shed '${d.shed}' (known: ${known(sheds)})`);
    if (d.kind === "charger" && !d.shed) add(p, "a charger needs 'shed'");
    // The board's pins, as the build would place them (firmware/build/pin-plan.ts).
    try {
      pinsFor(d.kind, d.thresholds?.ports ?? 4, d.board ?? DEFAULT_BOARD);
    } catch (err) {
      add(d.board ? `${p}/board` : p, (err as Error).message);
    }
    if (d.kind !== "charger" && !d.flat) add(p, `a ${d.kind} device needs 'flat'`);
  });
  (site.receivers ?? []).forEach((r, i) => {
    (r.hears ?? []).forEach((h, j) => {
      if (!devices.has(h))
        add(
          `/site/receivers/${i}/hears/${j}`,
          `unknown device '${h}' (known: ${known(devices.keys())})`,
        );
    });
  });

  const labels = new Set<string>();
  const durationMs = parseDurationMs(sc.duration);
  const needDevice = (path: string, id: unknown, kind?: string): void => {
    if (typeof id !== "string") return;
    const d = devices.get(id);
    if (!d) add(path, `unknown device '${id}' (known: ${known(devices.keys())})`);
    else if (kind && d.kind !== kind) add(path, `device '${id}' is a ${d.kind}, not a ${kind}`);
  };
  const linkNames = new Set([...receivers, ...buses, "wifi"]);
  (sc.timeline ?? []).forEach((item, i) => {
    const p = `/timeline/${i}`;
    const actions = Object.keys(item).filter((k) => k !== "at" && k !== "label");
    if (actions.length !== 1)
      add(
        p,
        `needs exactly one action (${TIMELINE_ACTIONS.join(", ")}), has ${actions.length}: ${actions.join(", ")}`,
      );
    if (item.label) {
      if (labels.has(item.label)) add(`${p}/label`, `duplicate label '${item.label}'`);
      labels.add(item.label);
    }
    if (parseDurationMs(item.at) > durationMs)
      add(`${p}/at`, `after the end of the scenario (${String(sc.duration)})`);
    for (const a of actions) {
      const args = (item as unknown as Record<string, Record<string, unknown>>)[a] ?? {};
      const kind =
        a === "smoke" || a === "press-test" || a === "tamper"
          ? "smoke"
          : a === "plug" || a === "unplug" || a === "hot-contact" || a === "command"
            ? "charger"
            : a === "stop-moving" || a === "wander"
              ? "guardian"
              : undefined;
      if ("device" in args)
        needDevice(
          `${p}/${a}/device`,
          args.device,
          a === "replay" || a === "rogue" || a === "ack-alarm" ? undefined : kind,
        );
      if ("link" in args && typeof args.link === "string" && !linkNames.has(args.link))
        add(`${p}/${a}/link`, `unknown link '${args.link}' (known: ${known(linkNames)})`);
      if ("port" in args && typeof args.device === "string")
        checkPort(`${p}/${a}/port`, args.port, args.device);
      if (a === "ota-campaign")
        for (const k of ["forged", "corrupt", "downgrade", "silent"])
          for (const [j, name] of ((args[k] as unknown[] | undefined) ?? []).entries())
            needDevice(`${p}/${a}/${k}/${j}`, name, args.kind as string);
      if (a === "rogue" && !args.device && !args.deviceId)
        add(`${p}/rogue`, "needs 'device' (same id, wrong key) or 'deviceId'");
    }
  });
  function checkPort(path: string, port: unknown, deviceName: string) {
    const d = devices.get(deviceName);
    const ports = d?.thresholds?.ports ?? 4;
    if (d && typeof port === "number" && port >= ports)
      add(path, `port index ${port} (from 0) but '${deviceName}' has ${ports} ports`);
  }

  sc.expect.forEach((item, i) => {
    const p = `/expect/${i}`;
    const kinds = Object.keys(item).filter((k) => k !== "name");
    if (kinds.length !== 1)
      add(
        p,
        `needs exactly one expectation (${EXPECT_KINDS.join(", ")}), has ${kinds.length}: ${kinds.join(", ")}`,
      );
    for (const k of kinds) {
      const args = (item as Record<string, Record<string, unknown>>)[k] ?? {};
      if ("device" in args) needDevice(`${p}/${k}/device`, args.device);
      for (const lk of ["after", "at"]) {
        const l = args[lk];
        if (typeof l === "string" && !labels.has(l) && !(lk === "after" && AFTER_ALARM.test(l)))
          add(`${p}/${k}/${lk}`, `unknown label '${l}' (known: ${known(labels)})`);
      }
      if ("port" in args && typeof args.device === "string")
        checkPort(`${p}/${k}/port`, args.port, args.device);
      if (k === "channel-load" && typeof args.receiver === "string") {
        const lines = new Set([...receivers, ...buses]);
        if (!lines.has(args.receiver))
          add(
            `${p}/${k}/receiver`,
            `unknown receiver or bus '${args.receiver}' (known: ${known(lines)})`,
          );
      }
    }
  });
}

function normalise(sc: ScenarioFile, file: string): Scenario {
  const steps: Step[] = (sc.timeline ?? []).map((item: TimelineItem, index) => {
    const action = Object.keys(item).find((k) => k !== "at" && k !== "label") as Step["action"];
    const step: Step = {
      index,
      atMs: parseDurationMs(item.at),
      action,
      args: ((item as unknown as Record<string, unknown>)[action] ?? {}) as Record<string, unknown>,
    };
    if (item.label) step.label = item.label;
    return step;
  });
  steps.sort((a, b) => a.atMs - b.atMs || a.index - b.index);
  const labels = new Map<string, number>();
  for (const s of steps) if (s.label) labels.set(s.label, s.atMs);
  return {
    ...sc,
    file,
    seed: sc.seed ?? 1,
    durationMs: parseDurationMs(sc.duration),
    startEpochMs: Date.parse(sc.start ?? DEFAULT_START),
    steps,
    labels,
  };
}

/** Parses YAML text and validates it; YAML syntax errors are reported with their line. */
export function parseScenario(text: string, file = "<scenario>"): LoadResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const line = e.linePos?.[0]?.line;
        return line === undefined
          ? { path: "/", message: e.message.split("\n")[0] ?? e.message }
          : { path: "/", message: e.message.split("\n")[0] ?? e.message, line };
      }),
    };
  }
  const lineOf = (path: string): number | undefined => {
    const parts = path.split("/").slice(1);
    while (parts.length >= 0) {
      const node =
        parts.length === 0
          ? doc.contents
          : doc.getIn(
              parts.map((x) => (/^\d+$/.test(x) ? Number(x) : x)),
              true,
            );
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range && (isMap(node) || isSeq(node) || node)) return lc.linePos(range[0]).line;
      if (parts.length === 0) return undefined;
      parts.pop();
    }
    return undefined;
  };
  return validateScenario(doc.toJS(), file, lineOf);
}

export function loadScenarioFile(file: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    return { ok: false, errors: [{ path: "/", message: `cannot read ${file}: ${String(err)}` }] };
  }
  return parseScenario(text, file);
}

export function formatErrors(file: string, errors: ScenarioError[]): string {
  return errors
    .map((e) => `${file}${e.line !== undefined ? `:${e.line}` : ""}: ${e.path}: ${e.message}`)
    .join("\n");
}
