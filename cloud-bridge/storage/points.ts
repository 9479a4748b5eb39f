/**
 * Turns a decoded uplink into line-protocol points, following SCHEMA.md.
 * Pure: the same message always gives the same lines (idempotent writes).
 */
import { PORT_CHARGING } from "../../protocol/constants.js";
import type {
  AlarmTransition,
  GatewayHealth,
  GatewayStatus,
  UplinkEnvelope,
} from "../../protocol/uplink.js";
import type { Decoded } from "../ingest/decode.js";
import { chargerEventName, portTag, reasonName, smokeEventName } from "./code-names.js";
import { flag, float, int, line, timestampNs } from "./line-protocol.js";

function bestRssi(env: UplinkEnvelope): number | undefined {
  let best: number | undefined;
  for (const r of env.receivers)
    if (r.rssi !== undefined && (best === undefined || r.rssi > best)) best = r.rssi;
  return best;
}

function batteryOf(env: UplinkEnvelope): number | undefined {
  const b = env.body;
  return "batteryMv" in b ? b.batteryMv : undefined;
}

export function devicePoints(env: UplinkEnvelope): string[] {
  const ts = timestampNs(env.ts, env.seq);
  const tags = { site: env.site, gateway: env.gateway, device: env.deviceId, kind: env.deviceKind };
  const historical = flag(env.historical);
  const rssi = bestRssi(env);
  const battery = batteryOf(env);
  const out = [
    line(
      "uplink",
      { ...tags, type: env.body.type },
      {
        seq: int(env.seq),
        counter: int(env.counter),
        receivers: int(env.receivers.length),
        rssi_dbm: rssi === undefined ? undefined : int(rssi),
        battery_mv: battery === undefined ? undefined : int(battery),
        historical,
      },
      ts,
    ),
  ];
  const b = env.body;
  switch (b.type) {
    case "status":
      out.push(
        line(
          "device_status",
          tags,
          {
            battery_mv: int(b.batteryMv),
            fw_major: int(b.fwMajor),
            fw_minor: int(b.fwMinor),
            fw_patch: int(b.fwPatch),
            uptime_s: int(b.uptimeS),
            reset_cause: int(b.resetCause),
            historical,
          },
          ts,
        ),
      );
      break;
    case "charger-telemetry": {
      let total = 0;
      let charging = 0;
      b.ports.forEach((p, i) => {
        total += p.powerW;
        if (p.state === PORT_CHARGING) charging++;
        out.push(
          line(
            "charger_port",
            { ...tags, port: String(i) },
            {
              power_w: int(p.powerW),
              energy_wh: int(p.energyWh),
              state: int(p.state),
              relay: flag(p.relayOn),
              historical,
            },
            ts,
          ),
        );
      });
      out.push(
        line(
          "charger_shed",
          tags,
          {
            temp_c: float(b.tempDeciC / 10),
            total_power_w: int(total),
            ports_charging: int(charging),
            historical,
          },
          ts,
        ),
      );
      break;
    }
    case "charger-event":
      out.push(
        line(
          "charger_event",
          {
            ...tags,
            port: portTag(b.port),
            event: chargerEventName(b.event),
            reason: reasonName(b.reason),
          },
          {
            power_w: int(b.powerW),
            temp_c: float(b.tempDeciC / 10),
            session_s: int(b.sessionS),
            historical,
          },
          ts,
        ),
      );
      break;
    case "smoke-event":
      out.push(
        line(
          "smoke_event",
          { ...tags, event: smokeEventName(b.event) },
          {
            smoke_pct_per_m: float(b.smokeLevel / 100),
            battery_mv: int(b.batteryMv),
            event_id: int(b.eventId),
            historical,
          },
          ts,
        ),
      );
      break;
    case "guardian-activity":
      out.push(
        line(
          "guardian_activity",
          tags,
          {
            door_opens: int(b.doorOpens),
            motion_count: int(b.motionCount),
            idle_s: int(b.idleS),
            battery_mv: int(b.batteryMv),
            historical,
          },
          ts,
        ),
      );
      break;
  }
  return out;
}

export function alarmPoints(a: AlarmTransition): string[] {
  return [
    line(
      "alarm",
      {
        site: a.site,
        gateway: a.gateway,
        device: a.deviceId,
        alarm_id: a.alarmId,
        kind: a.kind,
        severity: a.severity,
        transition: a.transition,
        rule: a.rule,
        port: a.port === undefined ? undefined : portTag(a.port),
      },
      {
        level: int(a.level),
        seq: int(a.seq),
        active: flag(a.active),
        acknowledged: flag(a.acknowledged),
        raised_at_ms: int(a.raisedAt),
        cleared_at_ms: a.clearedAt === undefined ? undefined : int(a.clearedAt),
        acknowledged_at_ms: a.acknowledgedAt === undefined ? undefined : int(a.acknowledgedAt),
        historical: flag(a.historical),
      },
      timestampNs(a.ts, a.seq),
    ),
  ];
}

export function statusPoints(s: GatewayStatus): string[] {
  return [
    line(
      "gateway_status",
      { site: s.site, gateway: s.gateway, version: s.version },
      { online: flag(s.online) },
      timestampNs(s.ts),
    ),
  ];
}

export function healthPoints(h: GatewayHealth): string[] {
  const ts = timestampNs(h.ts);
  const tags = { site: h.site, gateway: h.gateway };
  const out = [
    line(
      "gateway_health",
      tags,
      {
        uplink_connected: flag(h.uplink === "connected"),
        outbox_depth: int(h.outboxDepth),
        oldest_entry_age_s: float(h.oldestEntryAgeS),
        devices: int(h.devices),
        pending_devices: int(h.pendingDevices),
        active_alarms: int(h.activeAlarms),
      },
      ts,
    ),
  ];
  for (const [name, value] of Object.entries(h.counters)) {
    out.push(line("gateway_counter", { ...tags, counter: name }, { value: float(value) }, ts));
  }
  return out;
}

export function pointsFor(msg: Decoded): string[] {
  switch (msg.kind) {
    case "device":
      return devicePoints(msg.envelope);
    case "alarm":
      return alarmPoints(msg.alarm);
    case "status":
      return statusPoints(msg.status);
    case "health":
      return healthPoints(msg.health);
    default:
      return [];
  }
}
