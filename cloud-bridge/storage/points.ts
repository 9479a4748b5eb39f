/**
 * Turns a decoded uplink into line-protocol points, following SCHEMA.md.
 * Pure: the same message always gives the same text (idempotent writes).
 * Tags are written in a fixed order (InfluxDB sorts them into the series key
 * itself). site, gateway, device and kind need no
 * escaping: the decoder admits only configured ids and 8 hex digits.
 */
import { PORT_CHARGING } from "../../protocol/constants.js";
import type {
  AlarmTransition,
  GatewayHealth,
  GatewayStatus,
  OtaProgress,
  UplinkEnvelope,
} from "../../protocol/uplink.js";
import type { AnyUplinkEnvelope } from "../../protocol/uplink-schemas.js";
import type { Decoded } from "../ingest/decode.js";
import { chargerEventName, portTag, reasonName, smokeEventName } from "./code-names.js";
import { flagField, floatField, intField, PointText, tag, timestampNs } from "./line-protocol.js";

function bestRssi(env: AnyUplinkEnvelope): number | undefined {
  let best: number | undefined;
  for (const r of env.receivers)
    if (r.rssi !== undefined && (best === undefined || r.rssi > best)) best = r.rssi;
  return best;
}

/** The `uplink` point every device message has, known body type or not. */
function uplinkPointInto(out: PointText, env: AnyUplinkEnvelope, batteryMv?: number): void {
  out.add(
    `uplink,device=${env.deviceId},gateway=${env.gateway},kind=${env.deviceKind},site=${env.site},type=${env.body.type}`,
    `${intField("seq", env.seq)}${intField("counter", env.counter)}${intField("receivers", env.receivers.length)}${intField("rssi_dbm", bestRssi(env))}${intField("battery_mv", batteryMv)}${flagField("historical", env.historical)}`,
    timestampNs(env.ts, env.seq),
  );
}

function devicePointsInto(out: PointText, env: UplinkEnvelope): void {
  const ts = timestampNs(env.ts, env.seq);
  const dgk = `,device=${env.deviceId},gateway=${env.gateway},kind=${env.deviceKind}`;
  const site = `,site=${env.site}`;
  const historical = flagField("historical", env.historical);
  const b = env.body;
  // battery_mv only from devices that report a battery: 0 mV means none (mains-powered).
  uplinkPointInto(out, env, "batteryMv" in b && b.batteryMv > 0 ? b.batteryMv : undefined);
  switch (b.type) {
    case "status":
      out.add(
        `device_status${dgk}${site}`,
        `${intField("battery_mv", b.batteryMv)}${intField("fw_major", b.fwMajor)}${intField("fw_minor", b.fwMinor)}${intField("fw_patch", b.fwPatch)}${intField("uptime_s", b.uptimeS)}${intField("reset_cause", b.resetCause)}${historical}`,
        ts,
      );
      return;
    case "charger-telemetry": {
      let total = 0;
      let charging = 0;
      const ports = b.ports;
      for (let i = 0; i < ports.length; i++) {
        const p = ports[i]!;
        total += p.powerW;
        if (p.state === PORT_CHARGING) charging++;
        out.add(
          `charger_port${dgk},port=${i}${site}`,
          `,power_w=${p.powerW}i,energy_wh=${p.energyWh}i,state=${p.state}i,relay=${p.relayOn ? 1 : 0}i${historical}`,
          ts,
        );
      }
      out.add(
        `charger_shed${dgk}${site}`,
        `${floatField("temp_c", b.tempDeciC / 10)},total_power_w=${total}i,ports_charging=${charging}i${historical}`,
        ts,
      );
      return;
    }
    case "charger-event":
      out.add(
        `charger_event${dgk},event=${chargerEventName(b.event)},port=${portTag(b.port)},reason=${reasonName(b.reason)}${site}`,
        `${intField("power_w", b.powerW)}${floatField("temp_c", b.tempDeciC / 10)}${intField("session_s", b.sessionS)}${historical}`,
        ts,
      );
      return;
    case "smoke-event":
      out.add(
        `smoke_event${dgk},event=${smokeEventName(b.event)}${site}`,
        `${floatField("smoke_pct_per_m", b.smokeLevel / 100)}${intField("battery_mv", b.batteryMv)}${intField("event_id", b.eventId)}${historical}`,
        ts,
      );
      return;
    case "guardian-activity":
      out.add(
        `guardian_activity${dgk}${site}`,
        `${intField("door_opens", b.doorOpens)}${intField("motion_count", b.motionCount)}${intField("idle_s", b.idleS)}${intField("battery_mv", b.batteryMv)}${historical}`,
        ts,
      );
      return;
  }
}

function alarmPointsInto(out: PointText, a: AlarmTransition): void {
  const series =
    `alarm${tag("alarm_id", a.alarmId)}${tag("device", a.deviceId)},gateway=${a.gateway},kind=${a.kind}` +
    `${tag("port", a.port === undefined ? undefined : portTag(a.port))}${tag("rule", a.rule)},severity=${a.severity}` +
    `,site=${a.site},transition=${a.transition}`;
  out.add(
    series,
    `${intField("level", a.level)}${intField("seq", a.seq)}${flagField("active", a.active)}${flagField("acknowledged", a.acknowledged)}` +
      `${intField("raised_at_ms", a.raisedAt)}${intField("cleared_at_ms", a.clearedAt)}${intField("acknowledged_at_ms", a.acknowledgedAt)}${flagField("historical", a.historical)}`,
    timestampNs(a.ts, a.seq),
  );
}

function otaPointsInto(out: PointText, o: OtaProgress): void {
  out.add(
    `ota_progress${tag("campaign", o.campaign)},device=${o.deviceId},gateway=${o.gateway},site=${o.site},state=${o.state}${tag("version", o.version)}`,
    `${intField("percent", o.percent)}${intField("seq", o.seq)}${flagField("historical", o.historical)}`,
    timestampNs(o.ts, o.seq),
  );
}

function statusPointsInto(out: PointText, s: GatewayStatus): void {
  out.add(
    `gateway_status,gateway=${s.gateway},site=${s.site}${tag("version", s.version)}`,
    flagField("online", s.online),
    timestampNs(s.ts),
  );
}

function healthPointsInto(out: PointText, h: GatewayHealth): void {
  const ts = timestampNs(h.ts);
  out.add(
    `gateway_health,gateway=${h.gateway},site=${h.site}`,
    `${flagField("uplink_connected", h.uplink === "connected")}${intField("outbox_depth", h.outboxDepth)}${floatField("oldest_entry_age_s", h.oldestEntryAgeS)}` +
      `${intField("devices", h.devices)}${intField("pending_devices", h.pendingDevices)}${intField("active_alarms", h.activeAlarms)}`,
    ts,
  );
  for (const [name, value] of Object.entries(h.counters)) {
    out.add(
      `gateway_counter${tag("counter", name)},gateway=${h.gateway},site=${h.site}`,
      floatField("value", value),
      ts,
    );
  }
}

/** The points of one message, as line-protocol text. */
export function pointsFor(msg: Decoded): PointText {
  const out = new PointText();
  switch (msg.kind) {
    case "device":
      devicePointsInto(out, msg.envelope);
      break;
    case "unknown-body":
      uplinkPointInto(out, msg.envelope);
      break;
    case "batch":
      // Each envelope of a batch gives the points it would give alone, once.
      for (const d of msg.devices) {
        if (d.kind === "device") devicePointsInto(out, d.envelope);
        else uplinkPointInto(out, d.envelope);
      }
      break;
    case "alarm":
      alarmPointsInto(out, msg.alarm);
      break;
    case "ota":
      otaPointsInto(out, msg.ota);
      break;
    case "status":
      statusPointsInto(out, msg.status);
      break;
    case "health":
      healthPointsInto(out, msg.health);
      break;
    default:
      break;
  }
  return out;
}

export function devicePoints(env: UplinkEnvelope): string[] {
  return pointsFor({ kind: "device", topicKind: "telemetry", envelope: env }).lines();
}
export function alarmPoints(a: AlarmTransition): string[] {
  return pointsFor({ kind: "alarm", alarm: a }).lines();
}
export function statusPoints(s: GatewayStatus): string[] {
  return pointsFor({ kind: "status", status: s }).lines();
}
export function healthPoints(h: GatewayHealth): string[] {
  return pointsFor({ kind: "health", health: h }).lines();
}
