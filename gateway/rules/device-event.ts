/**
 * Device events -> alarms. A smoke alarm raises a critical "fire" alarm and
 * sounds every other detector of the building (interlink); a hush (cooking
 * nuisance) stays the same single alarm and hushes the building; the smoke
 * clearing clears it and stops the building once no detector there is in
 * alarm. Charger cut events become alarms that carry the reason.
 */

import { portLabel } from "../../common/port-label.js";
import {
  MAX_PORTS,
  PORT_ALL,
  SOUND_FIRE,
  SOUND_HUSH,
  SOUND_STOP,
} from "../../protocol/constants.js";
import type { ChargerEventMsg, SmokeEventMsg } from "../../protocol/messages.js";
import { deviceIdHex } from "../../protocol/uplink.js";
import type { DeviceEventName, DeviceEventRuleConfig } from "../config/site-config.js";
import { type Action, type DeviceRecord, PRIORITY_ALARM } from "../types.js";
import { chargerEventName, reasonName, smokeEventName } from "./events.js";
import { num, type RuleContext, type RuleModule } from "./rule-module.js";

/** GB 20517 / EN 14604: a hushed detector re-arms within 10 minutes. */
const HUSH_S = 600;
/** Interlink sources older than this (a detector that never sent "clear") are forgotten. */
const SOURCE_MAX_AGE_MS = 24 * 3_600_000;

interface Source {
  state: "alarm" | "hushed";
  since: number;
}

export interface DeviceEventState {
  /** Last (event, eventId) per smoke detector: repeats of one physical event act once. */
  lastEvent: Map<number, string>;
  /** Interlink: detectors in alarm per building. */
  sources: Map<string, Map<number, Source>>;
}

function describeSmoke(m: SmokeEventMsg, name: DeviceEventName): string {
  const level = `smoke ${num(m.smokeLevel / 100)} %/m`;
  const battery = m.batteryMv > 0 ? `, battery ${m.batteryMv} mV` : "";
  return `${name}: ${level}${battery}`;
}

function describeCharger(m: ChargerEventMsg, name: DeviceEventName): string {
  const where = m.port === PORT_ALL ? "shed" : portLabel(m.port);
  const reason = reasonName(m.reason) ?? `reason ${m.reason}`;
  return `${name} ${where}: ${reason} at ${m.powerW} W, ${num(m.tempDeciC / 10)} °C, session ${m.sessionS} s`;
}

function soundOthers(
  ctx: RuleContext,
  device: DeviceRecord,
  building: string,
  mode: number,
  durationS: number,
  reason: string,
  out: Action[],
): void {
  for (const d of ctx.directory.inBuilding(building)) {
    if (d.deviceId === device.deviceId || d.kind !== "smoke" || d.status !== "active") continue;
    out.push({
      type: "downlink",
      deviceId: d.deviceId,
      msg: { type: "sound", mode, durationS, sourceDeviceId: device.deviceId },
      priority: PRIORITY_ALARM,
      reason,
    });
  }
}

function interlink(
  rule: DeviceEventRuleConfig,
  s: DeviceEventState,
  name: DeviceEventName,
  device: DeviceRecord,
  now: number,
  ctx: RuleContext,
  out: Action[],
): void {
  const building = device.building;
  if (!rule.interlink || building === undefined || device.kind !== "smoke") return;
  let sources = s.sources.get(building);
  if (!sources) {
    sources = new Map();
    s.sources.set(building, sources);
  }
  const src = `${deviceIdHex(device.deviceId)}${device.location ? ` (${device.location})` : ""}`;
  const othersInAlarm = () =>
    [...sources.entries()].some(([id, v]) => id !== device.deviceId && v.state === "alarm");
  if (name === "smoke-alarm") {
    sources.set(device.deviceId, { state: "alarm", since: now });
    const d = rule.interlink.soundDurationS;
    soundOthers(ctx, device, building, SOUND_FIRE, d, `interlink: fire at ${src}`, out);
  } else if (name === "smoke-hush") {
    sources.set(device.deviceId, { state: "hushed", since: now });
    if (!othersInAlarm()) {
      soundOthers(ctx, device, building, SOUND_HUSH, HUSH_S, `interlink: hushed at ${src}`, out);
    }
  } else if (rule.clearOn.includes(name) && sources.has(device.deviceId)) {
    sources.delete(device.deviceId);
    if (sources.size === 0) {
      s.sources.delete(building);
      soundOthers(ctx, device, building, SOUND_STOP, 0, `interlink: smoke cleared at ${src}`, out);
    }
  }
}

export const deviceEventRule: RuleModule<DeviceEventRuleConfig, DeviceEventState> = {
  accepts: new Set(["smoke-event", "charger-event"]),
  init: () => ({ lastEvent: new Map(), sources: new Map() }),
  onMessage(rule, s, am, device, now, ctx, out) {
    const m = am.msg;
    let name: DeviceEventName | undefined;
    let port: number | undefined;
    let evidence: string;
    if (m.type === "smoke-event") {
      name = smokeEventName(m.event);
      if (!name) return;
      const key = `${m.event}/${m.eventId}`;
      if (s.lastEvent.get(am.deviceId) === key) return;
      s.lastEvent.set(am.deviceId, key);
      evidence = describeSmoke(m, name);
    } else if (m.type === "charger-event") {
      name = chargerEventName(m.event);
      if (!name) return;
      const isOn = rule.on.includes(name);
      if (isOn && rule.reasons) {
        const reason = reasonName(m.reason);
        if (!reason || !rule.reasons.includes(reason)) return;
      }
      if (rule.perPort && m.port !== PORT_ALL) port = m.port;
      evidence = describeCharger(m, name);
    } else return;

    const isOn = rule.on.includes(name);
    const isClear = rule.clearOn.includes(name);
    if (!isOn && !isClear) return;
    const at = port === undefined ? {} : { port };
    if (isOn && rule.alarm) {
      out.push({
        type: "raise-alarm",
        kind: rule.alarm,
        severity: rule.severity,
        deviceId: am.deviceId,
        ...at,
        rule: rule.id,
        evidence,
      });
    }
    if (isOn && rule.notify) {
      const where = device.location ? ` at ${device.location}` : "";
      out.push({
        type: "notify",
        text: `${deviceIdHex(am.deviceId)}${where}: ${evidence}`,
        severity: rule.severity,
        deviceId: am.deviceId,
      });
    }
    if (isClear && rule.alarm) {
      // A shed-wide event (PORT_ALL) restores every port: clear the port alarms too.
      out.push({
        type: "clear-alarm",
        kind: rule.alarm,
        deviceId: am.deviceId,
        ...at,
        rule: rule.id,
      });
      if (m.type === "charger-event" && m.port === PORT_ALL && rule.perPort) {
        for (let p = 0; p < MAX_PORTS; p++) {
          out.push({
            type: "clear-alarm",
            kind: rule.alarm,
            deviceId: am.deviceId,
            port: p,
            rule: rule.id,
          });
        }
      }
    }
    interlink(rule, s, name, device, now, ctx, out);
  },
  prune(_rule, s, ctx, now) {
    for (const id of s.lastEvent.keys()) if (!ctx.directory.get(id)) s.lastEvent.delete(id);
    for (const [b, sources] of s.sources) {
      for (const [id, src] of sources) {
        if (now - src.since > SOURCE_MAX_AGE_MS || !ctx.directory.get(id)) sources.delete(id);
      }
      if (sources.size === 0) s.sources.delete(b);
    }
  },
};
