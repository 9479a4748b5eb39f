/**
 * Loads the site YAML: parse, validate against the JSON Schema (defaults filled
 * in), check references, resolve file paths. Returns {ok:true, config} or
 * {ok:false, errors} where each error names the path and the bad value.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { LineCounter, parseDocument } from "yaml";
import { type ConfigError, fromAjvErrors, type PathSegment } from "./errors.js";
import { siteConfigSchema } from "./schema.js";
import { checkSemantics } from "./semantic.js";
import type { SiteConfig } from "./site-config.js";

export type LoadResult = { ok: true; config: SiteConfig } | { ok: false; errors: ConfigError[] };

export type ConfigSource =
  | string
  | { path: string }
  | {
      text: string;
      /** Folder that relative file paths in the config are resolved against (default: cwd). */
      baseDir?: string;
      /** Name used in messages (default "<text>"). */
      name?: string;
    };

export interface LoadOptions {
  /** Check that referenced files (TLS, password and key files) exist. Default true. */
  checkFiles?: boolean;
}

let validator: ValidateFunction | undefined;

function validate(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({
      allErrors: true,
      useDefaults: true,
      discriminator: true,
      verbose: true,
      strict: true,
    });
    validator = ajv.compile(siteConfigSchema);
  }
  return validator;
}

/** The JSON Schema validator (defaults filled in place); exported for tools and tests. */
export function siteConfigValidator(): ValidateFunction {
  return validate();
}

/**
 * Loads a site config. A string is a file path; `{text}` is YAML text (for
 * an operator's `update-config` command or tests).
 */
export function loadSiteConfig(source: ConfigSource, opts: LoadOptions = {}): LoadResult {
  let text: string;
  let baseDir: string;
  if (typeof source === "string" || "path" in source) {
    const path = typeof source === "string" ? source : source.path;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code ?? String(e);
      return {
        ok: false,
        errors: [{ path: "", value: path, message: `cannot read config file ${path}: ${reason}` }],
      };
    }
    baseDir = dirname(resolve(path));
  } else {
    text = source.text;
    baseDir = resolve(source.baseDir ?? ".");
  }
  return parseSiteConfig(text, baseDir, opts);
}

function parseSiteConfig(text: string, baseDir: string, opts: LoadOptions): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const at = pos ? `line ${pos.line}, column ${pos.col}: ` : "";
        const err: ConfigError = {
          path: "",
          value: undefined,
          message: `YAML syntax error at ${at}${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
        };
        if (pos) err.line = pos.line;
        return err;
      }),
    };
  }
  const data: unknown = doc.toJS() ?? {};
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return {
      ok: false,
      errors: [{ path: "", value: data, message: "(top level): must be a mapping of keys" }],
    };
  }
  const v = validate();
  const lineOf = (segs: PathSegment[]) => {
    for (let n = segs.length; n >= 0; n--) {
      const node = doc.getIn(segs.slice(0, n), true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node?.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };
  if (!v(data)) {
    const errors = fromAjvErrors(v.errors ?? [], data);
    return { ok: false, errors: withLines(errors, lineOf) };
  }
  const config = data as SiteConfig;
  const semantic = checkSemantics(config);
  if (semantic.length > 0) return { ok: false, errors: withLines(semantic, lineOf) };
  const fileErrors = resolvePaths(config, baseDir, opts.checkFiles ?? true);
  if (fileErrors.length > 0) return { ok: false, errors: withLines(fileErrors, lineOf) };
  return { ok: true, config };
}

function withLines(
  errors: ConfigError[],
  lineOf: (segs: PathSegment[]) => number | undefined,
): ConfigError[] {
  const out = errors.map((e) => {
    const segs: PathSegment[] = [];
    for (const m of e.path.matchAll(/([^.[\]]+)|\[(\d+)\]|\["([^"]*)"\]/g)) {
      if (m[2] !== undefined) segs.push(Number(m[2]));
      else segs.push(m[1] ?? m[3] ?? "");
    }
    const line = lineOf(segs);
    return line === undefined ? e : { ...e, line };
  });
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function resolvePaths(c: SiteConfig, baseDir: string, checkFiles: boolean): ConfigError[] {
  const errors: ConfigError[] = [];
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  if (c.database !== ":memory:") c.database = abs(c.database);
  const file = (segs: PathSegment[], p: string | undefined): string | undefined => {
    if (p === undefined) return undefined;
    const full = abs(p);
    if (checkFiles && !existsSync(full)) {
      errors.push({
        path: segs.join("."),
        value: p,
        message: `${segs.join(".")}: file not found (got ${JSON.stringify(p)}, looked at ${full})`,
      });
    }
    return full;
  };
  const cloud = c.cloud;
  if (cloud) {
    const pf = file(["cloud", "passwordFile"], cloud.passwordFile);
    if (pf) cloud.passwordFile = pf;
    const kf = file(["cloud", "commandKeyFile"], cloud.commandKeyFile);
    if (kf) cloud.commandKeyFile = kf;
    const tls = cloud.tls;
    if (tls) {
      for (const k of ["ca", "cert", "key"] as const) {
        const f = file(["cloud", "tls", k], tls[k]);
        if (f) tls[k] = f;
      }
    }
  }
  return errors;
}

/** One line per error, for a CLI or a log. */
export function formatConfigErrors(errors: readonly ConfigError[], file?: string): string {
  return errors
    .map((e) => (e.line !== undefined ? `${file ?? "config"}:${e.line}: ${e.message}` : e.message))
    .join("\n");
}
