/**
 * Loads cloud.yaml: YAML -> `${ENV}` substitution -> JSON Schema (ajv, with
 * defaults) -> cross-reference checks. Errors name the path and the bad value.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import { parse as parseYaml } from "yaml";
import { checkGuardianConfig } from "../guardian/config-check.js";
import { bridgeConfigSchema } from "./schema.js";
import type { BridgeConfig } from "./types.js";

export type ConfigResult = { ok: true; config: BridgeConfig } | { ok: false; errors: string[] };

const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true });
const validate = ajv.compile(bridgeConfigSchema);

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describe(e: ErrorObject): string {
  const path = e.instancePath || "/";
  if (e.keyword === "additionalProperties") {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return `${path}: unknown property "${extra}"`;
  }
  if (e.keyword === "required") {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return `${path}: missing required property "${missing}"`;
  }
  return `${path}: ${e.message ?? e.keyword} (value: ${show(e.data)})`;
}

/** Replaces string values of the form `${NAME}` by the environment variable NAME. */
function substituteEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: string,
  errors: string[],
): unknown {
  if (typeof value === "string") {
    const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
    if (!m) return value;
    const v = env[m[1]!];
    if (v === undefined) errors.push(`${path || "/"}: environment variable ${m[1]} is not set`);
    return v ?? "";
  }
  if (Array.isArray(value))
    return value.map((v, i) => substituteEnv(v, env, `${path}/${i}`, errors));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = substituteEnv(v, env, `${path}/${k}`, errors);
    return out;
  }
  return value;
}

function crossCheck(c: BridgeConfig): string[] {
  const errors: string[] = [];
  const siteIds = new Set(Object.keys(c.sites));
  const checkSites = (sites: string[], path: string) => {
    sites.forEach((s, i) => {
      if (s !== "*" && !siteIds.has(s))
        errors.push(`${path}/${i}: unknown site (value: ${show(s)})`);
    });
  };
  const seen = new Set<string>();
  c.tokens.forEach((t, i) => {
    if (seen.has(t.token)) errors.push(`/tokens/${i}/token: the same token is listed twice`);
    seen.add(t.token);
    checkSites(t.sites, `/tokens/${i}/sites`);
  });
  const hookNames = new Set<string>();
  c.webhooks.forEach((w, i) => {
    if (hookNames.has(w.name))
      errors.push(`/webhooks/${i}/name: duplicate name (value: ${show(w.name)})`);
    hookNames.add(w.name);
    checkSites(w.sites, `/webhooks/${i}/sites`);
  });
  let lastAfter = 0;
  c.escalation.levels.forEach((l, i) => {
    if (l.afterS <= lastAfter) {
      errors.push(
        `/escalation/levels/${i}/afterS: must grow from level to level (value: ${l.afterS})`,
      );
    }
    lastAfter = l.afterS;
    l.webhooks.forEach((n, j) => {
      if (!hookNames.has(n)) {
        errors.push(
          `/escalation/levels/${i}/webhooks/${j}: no webhook has this name (value: ${show(n)})`,
        );
      }
    });
  });
  for (const [level, names] of Object.entries(c.workOrders.webhooks)) {
    const where = `/workOrders/webhooks/${level}`;
    if (!c.workOrders.escalateTo.includes(level))
      errors.push(`${where}: not a level of workOrders.escalateTo (value: ${show(level)})`);
    names.forEach((n, j) => {
      if (!hookNames.has(n))
        errors.push(`${where}/${j}: no webhook has this name (value: ${show(n)})`);
    });
  }
  errors.push(...checkGuardianConfig(c, show));
  const owner = new Map<string, string>();
  for (const [site, sc] of Object.entries(c.sites)) {
    sc.gateways.forEach((g, i) => {
      const key = g;
      const other = owner.get(key);
      if (other && other !== site) {
        errors.push(
          `/sites/${site}/gateways/${i}: gateway also listed under site ${other} (value: ${show(g)})`,
        );
      }
      owner.set(key, site);
    });
  }
  return errors;
}

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const envErrors: string[] = [];
  const data = substituteEnv(raw ?? {}, env, "", envErrors);
  if (envErrors.length) return { ok: false, errors: envErrors };
  if (!validate(data)) return { ok: false, errors: (validate.errors ?? []).map(describe) };
  const config = data as unknown as BridgeConfig;
  if (!config.history.url) config.history.url = config.influx.url;
  const errors = crossCheck(config);
  return errors.length ? { ok: false, errors } : { ok: true, config };
}

export function parseConfigText(text: string, env: NodeJS.ProcessEnv = process.env): ConfigResult {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    return { ok: false, errors: [`YAML: ${err instanceof Error ? err.message : String(err)}`] };
  }
  return parseConfig(raw, env);
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): ConfigResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return { ok: false, errors: [`${path}: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const r = parseConfigText(text, env);
  return r.ok ? r : { ok: false, errors: r.errors.map((e) => `${path}: ${e}`) };
}
