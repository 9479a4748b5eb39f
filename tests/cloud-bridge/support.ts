/** Builders shared by the cloud-bridge integration tests: config, payloads, a gateway-side publisher. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import mqtt, { type MqttClient } from "mqtt";
import { CloudBridge } from "../../cloud-bridge/bridge.js";
import { parseConfig } from "../../cloud-bridge/config/load.js";
import type { BridgeConfig } from "../../cloud-bridge/config/types.js";
import { memoryLogger } from "../../common/log.js";
import type {
  AlarmTransition,
  GatewayHealth,
  GatewayStatus,
  UplinkEnvelope,
} from "../../protocol/uplink.js";
import { topics } from "../../protocol/uplink.js";

export const SITE_A = "site-a";
export const SITE_B = "site-b";
export const KEY_A = "000102030405060708090a0b0c0d0e0f";
export const KEY_B = "f0e0d0c0b0a090807060504030201000";
export const TOKEN_A = "token-for-site-a-only-0001";
export const TOKEN_B = "token-for-site-b-only-0002";
export const TOKEN_ALL = "token-for-every-site-00003";
export const VIEWER_A = "viewer-token-site-a-000004";

export interface ConfigInput {
  mqttUrl: string;
  vmUrl: string;
  instance?: string;
  extra?: Record<string, unknown>;
}

export function testConfig(input: ConfigInput): BridgeConfig {
  const raw: Record<string, unknown> = {
    instance: input.instance ?? "test-1",
    mqtt: { url: input.mqttUrl, reconnectPeriodMs: 200, sessionExpiryS: 300 },
    influx: {
      url: input.vmUrl,
      org: "haitang",
      bucket: "haitang",
      token: "unused-by-victoria-metrics",
      flushIntervalMs: 20,
      retry: { initialMs: 50, maxMs: 400 },
    },
    http: { host: "127.0.0.1", port: 0 },
    tokens: [
      { name: "ops-a", token: TOKEN_A, sites: [SITE_A], role: "operator" },
      { name: "ops-b", token: TOKEN_B, sites: [SITE_B], role: "operator" },
      { name: "district", token: TOKEN_ALL, sites: ["*"], role: "admin" },
      { name: "viewer-a", token: VIEWER_A, sites: [SITE_A], role: "viewer" },
    ],
    sites: {
      [SITE_A]: {
        name: "Garden",
        commandKey: KEY_A,
        gateways: ["gw-a1"],
        limits: { portLimitW: 1100, shedLimitW: 8700 },
      },
      [SITE_B]: { name: "Riverside", commandKey: KEY_B, gateways: ["gw-b1"] },
    },
    // A stand-in gateway answers within milliseconds on an idle machine; a test process
    // starved behind busier ones (CI at load 15-20) can need seconds for the round trip.
    // The one test that waits for a silent gateway's 504 waits this long.
    commands: { timeoutMs: 5000 },
    rebuild: { fromHistory: false },
    ...input.extra,
  };
  const r = parseConfig(raw, {});
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
}

export function makeBridge(config: BridgeConfig, now?: () => number) {
  const logger = memoryLogger("bridge");
  const bridge = new CloudBridge(config, { logger, ...(now ? { now } : {}) });
  return { bridge, logger };
}

let seqCounter = 1;
export function nextSeq(): number {
  return seqCounter++;
}

export function chargerTelemetry(
  site: string,
  gateway: string,
  deviceId: string,
  seq: number,
  ts: number,
  powers: number[],
  historical = false,
): UplinkEnvelope {
  return {
    v: 1,
    site,
    gateway,
    deviceId,
    deviceKind: "charger",
    seq,
    counter: seq,
    ts,
    historical,
    receivers: [{ receiver: "rs485-0" }],
    body: {
      type: "charger-telemetry",
      tempDeciC: 245,
      ports: powers.map((p) => ({
        powerW: p,
        energyWh: Math.floor(p / 10),
        state: p > 0 ? 1 : 0,
        relayOn: true,
      })),
    },
  };
}

export function smokeStatus(
  site: string,
  gateway: string,
  deviceId: string,
  seq: number,
  ts: number,
  batteryMv: number,
): UplinkEnvelope {
  return {
    v: 1,
    site,
    gateway,
    deviceId,
    deviceKind: "smoke",
    seq,
    counter: seq,
    ts,
    historical: false,
    receivers: [
      { receiver: "radio-0", rssi: -80 },
      { receiver: "radio-1", rssi: -67 },
    ],
    body: {
      type: "status",
      deviceKind: 1,
      batteryMv,
      fwMajor: 1,
      fwMinor: 2,
      fwPatch: 3,
      uptimeS: 3600,
      resetCause: 0,
    },
  };
}

export function alarm(
  partial: Partial<AlarmTransition> &
    Pick<AlarmTransition, "site" | "gateway" | "alarmId" | "seq" | "ts">,
): AlarmTransition {
  return {
    v: 1,
    transition: "raised",
    kind: "port-overload",
    severity: "major",
    deviceId: "0000c0de",
    port: 2,
    rule: "port-overload",
    active: true,
    acknowledged: false,
    raisedAt: partial.ts,
    level: 0,
    evidence: "1350 W for 5 s",
    historical: false,
    ...partial,
  };
}

export function status(site: string, gateway: string, online: boolean, ts: number): GatewayStatus {
  return { v: 1, site, gateway, online, ts, version: "0.1.0" };
}

export function health(site: string, gateway: string, ts: number): GatewayHealth {
  return {
    v: 1,
    site,
    gateway,
    ts,
    uplink: "connected",
    outboxDepth: 3,
    oldestEntryAgeS: 1.5,
    devices: 10,
    pendingDevices: 1,
    activeAlarms: 0,
    counters: { accepted: 100, "bad-mac": 2 },
  };
}

/** A gateway-side MQTT client that publishes at QoS 1. */
export async function gatewayClient(
  url: string,
  clientId = `gw-test-${Math.random().toString(16).slice(2)}`,
): Promise<MqttClient> {
  const c = mqtt.connect(url, { protocolVersion: 5, clientId, reconnectPeriod: 200 });
  await new Promise<void>((resolve, reject) => {
    c.once("connect", () => resolve());
    c.once("error", reject);
  });
  return c;
}

export async function publishEnvelope(
  c: MqttClient,
  env: UplinkEnvelope,
  kind: "telemetry" | "event" = "telemetry",
) {
  const topic =
    kind === "telemetry"
      ? topics.telemetry(env.site, env.gateway, env.deviceId)
      : topics.event(env.site, env.gateway, env.deviceId);
  await c.publishAsync(topic, JSON.stringify(env), { qos: 1 });
}

export async function publishAlarm(c: MqttClient, a: AlarmTransition) {
  await c.publishAsync(topics.alarm(a.site, a.gateway), JSON.stringify(a), { qos: 1 });
}

export async function api(
  port: number,
  path: string,
  token: string | undefined,
  init: RequestInit = {},
) {
  const headers: Record<string, string> = {
    ...(init.headers as Record<string, string> | undefined),
  };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: body as Record<string, unknown> };
}

/** One call a webhook receiver got: the path's name, headers, raw body and its JSON. */
export interface WebhookCall<B> {
  hook: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: B;
}

/**
 * A real HTTP webhook receiver on a free local port: each call is recorded in
 * `calls` and answered with the status `answer` gives for it. `url` is the
 * base; a webhook named N posts to `${url}/N`.
 */
export async function startWebhookReceiver<B>(
  answer: (call: WebhookCall<B>) => number,
): Promise<{ server: Server; url: string; calls: WebhookCall<B>[] }> {
  const calls: WebhookCall<B>[] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => {
      raw += d.toString();
    });
    req.on("end", () => {
      const call = {
        hook: (req.url ?? "").slice(1),
        headers: req.headers,
        raw,
        body: JSON.parse(raw) as B,
      };
      calls.push(call);
      res.writeHead(answer(call)).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}
