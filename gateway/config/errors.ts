/**
 * Config errors that name the path (`rules[2].durationS`) and the bad value,
 * converted from ajv's JSON-pointer errors. Secrets are never echoed.
 */
import type { ErrorObject } from "ajv";
import { DEVICE_ID_PATTERN, ID_PATTERN } from "./schema-rules.js";

export interface ConfigError {
  /** Dotted path into the config, `""` for the whole file. */
  path: string;
  /** The offending value (undefined when a key is missing). */
  value: unknown;
  /** Human text; starts with the path and shows the value. */
  message: string;
  /** 1-based line in the YAML text, when known. */
  line?: number;
}

export type PathSegment = string | number;

/** `["rules", 2, "durationS"]` -> `rules[2].durationS`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** `/rules/2/durationS` -> `["rules", 2, "durationS"]`. */
export function pointerSegments(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

const SECRET_KEYS = new Set(["password", "commandKey", "key", "installPasswordHash"]);

export function showValue(segments: readonly PathSegment[], value: unknown): string {
  const last = segments[segments.length - 1];
  if (typeof last === "string" && SECRET_KEYS.has(last) && value !== undefined) return "<redacted>";
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function configError(
  segments: readonly PathSegment[],
  value: unknown,
  problem: string,
): ConfigError {
  const path = formatPath(segments);
  const where = path || "(top level)";
  return { path, value, message: `${where}: ${problem} (got ${showValue(segments, value)})` };
}

function valueAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let v: unknown = root;
  for (const s of segments) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[s];
  }
  return v;
}

const PATTERN_TEXT: Record<string, string> = {
  [ID_PATTERN]: "must be an id: letters, digits, '_', '.', '-', at most 64 characters",
  [DEVICE_ID_PATTERN]: "must be a device id of 8 hex digits",
  "^([01][0-9]|2[0-3]):[0-5][0-9]$": 'must be a time of day "HH:MM"',
};

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "enum":
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "const":
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case "pattern": {
      const pattern = String(p.pattern);
      if (PATTERN_TEXT[pattern]) return PATTERN_TEXT[pattern];
      if (pattern.includes("[0-9a-fA-F]")) return "must be hex digits of the right length";
      if (pattern.includes("://")) return "must be a URL with one of the schemes in the reference";
      return `must match ${pattern}`;
    }
    case "type":
      return `must be ${p.type === "integer" ? "a whole number" : `a ${String(p.type)}`}`;
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return `must be ${String(p.comparison)} ${String(p.limit)}`;
    case "minItems":
      return `must have at least ${String(p.limit)} item(s)`;
    case "maxItems":
      return `must have at most ${String(p.limit)} item(s)`;
    case "uniqueItems":
      return `must not repeat an item (items ${String(p.j)} and ${String(p.i)} are equal)`;
    case "minLength":
      return "must not be empty";
    default:
      return e.message ?? e.keyword;
  }
}

/** Turns ajv errors into ConfigErrors against the (default-filled) data. */
export function fromAjvErrors(errors: readonly ErrorObject[], data: unknown): ConfigError[] {
  const out: ConfigError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // oneOf/if wrappers repeat what their branch already said.
    if (e.keyword === "oneOf" || e.keyword === "if" || e.keyword === "anyOf") continue;
    const base = pointerSegments(e.instancePath);
    const p = e.params as Record<string, unknown>;
    let err: ConfigError;
    if (e.keyword === "required") {
      const seg = [...base, String(p.missingProperty)];
      err = configError(seg, undefined, "is required");
    } else if (e.keyword === "additionalProperties") {
      const seg = [...base, String(p.additionalProperty)];
      const known = Object.keys(
        ((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object,
      );
      err = configError(seg, valueAt(data, seg), `is not a known key (known: ${known.join(", ")})`);
    } else if (e.keyword === "discriminator") {
      const seg = [...base, String(p.tag)];
      const kinds = (
        (e.parentSchema as { oneOf?: Array<{ properties: { kind: { const: string } } }> })?.oneOf ??
        []
      ).map((s) => s.properties.kind.const);
      err = configError(
        seg,
        valueAt(data, seg),
        p.error === "tag" ? "is required" : `must be one of ${kinds.join(", ")}`,
      );
    } else {
      err = configError(base, valueAt(data, base), describe(e));
    }
    const k = `${err.path}|${err.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(err);
  }
  return out;
}
