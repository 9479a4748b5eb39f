/**
 * UplinkOptions from the site config's `cloud` section: reads the password,
 * command key and TLS files (paths were resolved by the loader). Errors name
 * the config path, like the loader's.
 */
import { readFileSync } from "node:fs";
import type { ConfigError } from "../config/errors.js";
import type { SiteConfig } from "../config/site-config.js";
import type { UplinkOptions } from "./uplink-client.js";

export type UplinkDeps = Pick<UplinkOptions, "outbox"> &
  Partial<
    Pick<
      UplinkOptions,
      "handlers" | "health" | "logger" | "version" | "clock" | "random" | "transactions"
    >
  >;

export type UplinkConfigResult =
  | { ok: true; options: UplinkOptions }
  | { ok: false; errors: ConfigError[] }
  | { ok: true; options: undefined };

export function uplinkOptionsFromConfig(config: SiteConfig, deps: UplinkDeps): UplinkConfigResult {
  const c = config.cloud;
  if (!c) return { ok: true, options: undefined };
  const errors: ConfigError[] = [];
  const read = (path: string, file: string): string | undefined => {
    try {
      return readFileSync(file, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      errors.push({ path, value: file, message: `${path}: cannot read ${file} (${code})` });
      return undefined;
    }
  };
  const options: UplinkOptions = {
    ...deps,
    url: c.url,
    site: config.site,
    gateway: config.gateway,
    clientId: c.clientId ?? `${config.site}-${config.gateway}`,
    keepaliveS: c.keepaliveS,
    healthIntervalMs: c.healthIntervalS * 1000,
    reconnect: { minMs: c.reconnectMinMs, maxMs: c.reconnectMaxMs },
    inflight: c.inflight,
    batch: c.batch,
  };
  if (c.username !== undefined) options.username = c.username;
  if (c.password !== undefined) options.password = c.password;
  if (c.passwordFile) {
    const p = read("cloud.passwordFile", c.passwordFile);
    if (p !== undefined) options.password = p.trim();
  }
  let keyHex = c.commandKey;
  if (c.commandKeyFile) keyHex = read("cloud.commandKeyFile", c.commandKeyFile)?.trim();
  if (keyHex !== undefined) {
    if (/^([0-9a-fA-F]{32}|[0-9a-fA-F]{64})$/.test(keyHex)) {
      options.commandKey = new Uint8Array(Buffer.from(keyHex, "hex"));
    } else if (c.commandKeyFile) {
      errors.push({
        path: "cloud.commandKeyFile",
        value: c.commandKeyFile,
        message: `cloud.commandKeyFile: ${c.commandKeyFile} must hold 32 or 64 hex digits`,
      });
    }
  }
  if (c.tls) {
    const tls: NonNullable<UplinkOptions["tls"]> = { rejectUnauthorized: c.tls.rejectUnauthorized };
    for (const k of ["ca", "cert", "key"] as const) {
      const f = c.tls[k];
      if (f === undefined) continue;
      const pem = read(`cloud.tls.${k}`, f);
      if (pem !== undefined) tls[k] = pem;
    }
    options.tls = tls;
  }
  return errors.length ? { ok: false, errors } : { ok: true, options };
}
