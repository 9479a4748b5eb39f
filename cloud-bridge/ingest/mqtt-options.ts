/** MQTT v5 connection options from the config (credentials, TLS). */
import { readFileSync } from "node:fs";
import type { IClientOptions } from "mqtt";
import type { MqttConfig } from "../config/types.js";

export function mqttOptions(cfg: MqttConfig, clientId: string): IClientOptions {
  const opts: IClientOptions = {
    protocolVersion: 5,
    clientId,
    keepalive: cfg.keepaliveS,
    reconnectPeriod: cfg.reconnectPeriodMs,
    connectTimeout: 10_000,
    resubscribe: false,
  };
  if (cfg.username !== undefined) opts.username = cfg.username;
  if (cfg.password !== undefined) opts.password = cfg.password;
  if (cfg.tls) {
    opts.rejectUnauthorized = cfg.tls.rejectUnauthorized;
    if (cfg.tls.caFile) opts.ca = readFileSync(cfg.tls.caFile);
    if (cfg.tls.certFile) opts.cert = readFileSync(cfg.tls.certFile);
    if (cfg.tls.keyFile) opts.key = readFileSync(cfg.tls.keyFile);
    if (cfg.tls.servername) opts.servername = cfg.tls.servername;
  }
  return opts;
}
