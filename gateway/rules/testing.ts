/**
 * Helpers for rule tests (and other parts' tests): devices, messages, and a
 * harness that runs a rule config from YAML through the engine with a
 * virtual clock. Not used by the running gateway.
 */
import { PORT_CHARGING, PORT_IDLE } from "../../protocol/constants.js";
import type { PortReading, UplinkMsg } from "../../protocol/messages.js";
import { deviceIdHex } from "../../protocol/uplink.js";
import { formatConfigErrors, loadSiteConfig } from "../config/load.js";
import type { SiteConfig } from "../config/site-config.js";
import type { AcceptedMessage, Action, DeviceRecord } from "../types.js";
import { memoryDirectory } from "./directory.js";
import { createRuleEngine, type RuleEngine, type RuleState } from "./engine.js";

export const T0 = Date.UTC(2025, 0, 6, 0, 0, 0); // 08:00 in China (UTC+8)

export function siteFrom(yaml: string): SiteConfig {
  const r = loadSiteConfig({ text: `site: test\ngateway: gw\n${yaml}` });
  if (!r.ok) throw new Error(formatConfigErrors(r.errors));
  return r.config;
}

export function device(
  deviceId: number,
  kind: DeviceRecord["kind"],
  placement: Partial<DeviceRecord> = {},
): DeviceRecord {
  return {
    deviceId,
    kind,
    key: new Uint8Array(16),
    status: "active",
    heartbeatS: kind === "charger" ? 60 : 3600,
    sleepy: kind !== "charger",
    ...placement,
  };
}

export function accepted(
  d: DeviceRecord,
  msg: UplinkMsg,
  at: number,
  counter = 1,
): AcceptedMessage {
  const m: AcceptedMessage = {
    deviceId: d.deviceId,
    deviceKind: d.kind,
    counter,
    flags: 0,
    msg,
    receivedAt: at,
    receivers: [{ receiver: "test" }],
  };
  if (d.building !== undefined) m.building = d.building;
  if (d.location !== undefined) m.location = d.location;
  return m;
}

export const smokeEvent = (event: number, eventId: number, smokeLevel = 0): UplinkMsg => ({
  type: "smoke-event",
  event,
  smokeLevel,
  batteryMv: 3000,
  eventId,
});

export function port(powerW: number, on = true): PortReading {
  return { powerW, energyWh: 0, state: powerW > 10 ? PORT_CHARGING : PORT_IDLE, relayOn: on };
}

export const telemetry = (tempC: number, ports: Array<number | PortReading>): UplinkMsg => ({
  type: "charger-telemetry",
  tempDeciC: Math.round(tempC * 10),
  ports: ports.map((p) => (typeof p === "number" ? port(p) : p)),
});

export const chargerEvent = (event: number, p: number, reason: number, powerW = 0): UplinkMsg => ({
  type: "charger-event",
  port: p,
  event,
  reason,
  powerW,
  tempDeciC: 300,
  sessionS: 0,
});

export const guardian = (idleS: number): UplinkMsg => ({
  type: "guardian-activity",
  doorOpens: 0,
  motionCount: 0,
  idleS,
  batteryMv: 3000,
});

/** One line per action, for table-driven expectations. */
export function summary(actions: readonly Action[]): string[] {
  return actions.map((a): string => {
    switch (a.type) {
      case "raise-alarm":
        return `raise ${a.kind} ${a.severity} ${deviceIdHex(a.deviceId)}${a.port === undefined ? "" : `:${a.port}`}`;
      case "clear-alarm":
        return `clear ${a.kind} ${deviceIdHex(a.deviceId)}${a.port === undefined ? "" : `:${a.port}`}`;
      case "resident-state":
        return `state ${deviceIdHex(a.deviceId)} ${a.state}`;
      case "notify":
        return `notify ${a.severity}`;
      case "downlink": {
        const m = a.msg;
        const to = deviceIdHex(a.deviceId);
        if (m.type === "relay")
          return `relay ${to}:${m.port} ${m.on ? "on" : "off"} reason ${m.reason}`;
        if (m.type === "sound") return `sound ${to} mode ${m.mode}`;
        if (m.type === "config")
          return `config ${to} ${m.entries.map((e) => `${e.key}=${e.value}`).join(",")}`;
        return `${m.type} ${to}`;
      }
      default:
        return "unknown";
    }
  });
}

export interface Harness {
  engine: RuleEngine;
  state: RuleState;
  directory: ReturnType<typeof memoryDirectory>;
  /** Sends a message from `d` at `at` (ms); returns the actions. */
  send(d: DeviceRecord, msg: UplinkMsg, at: number): Action[];
  tick(at: number): Action[];
}

export function harness(site: SiteConfig, devices: DeviceRecord[], start = T0): Harness {
  const directory = memoryDirectory(devices);
  const engine = createRuleEngine(site, directory);
  let counter = 0;
  const h: Harness = {
    engine,
    state: engine.init(start),
    directory,
    send(d, msg, at) {
      const r = engine.onMessage(h.state, accepted(d, msg, at, ++counter), d, at);
      if (r.failures.length) throw new Error(JSON.stringify(r.failures));
      h.state = r.state;
      return r.actions;
    },
    tick(at) {
      const r = engine.tick(h.state, at);
      if (r.failures.length) throw new Error(JSON.stringify(r.failures));
      h.state = r.state;
      return r.actions;
    },
  };
  return h;
}
