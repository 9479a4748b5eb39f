/** What the live subscription does with each decoded message: state, server-sent events, command answers. */
import { redactResidentAlarm } from "../api/resident-access.js";
import type { SseHub } from "../api/sse.js";
import type { CommandClient } from "../commands/command-client.js";
import type { Decoded } from "../ingest/decode.js";
import type { LiveState } from "./live-state.js";
import type { AlarmView } from "./views.js";

/** An alarm as the API shows it (the ordering sequence stays inside). */
export function publicAlarm(a: AlarmView): Omit<AlarmView, "seq"> {
  const { seq: _seq, ...rest } = a;
  return rest;
}

/** An alarm's server-sent event; tokens without resident access get guardian alarms redacted. */
export function broadcastAlarm(sse: SseHub, v: AlarmView): void {
  const a = publicAlarm(v);
  sse.broadcast(v.site, "alarm", a, { data: redactResidentAlarm(a) });
}

export function applyLive(
  msg: Decoded,
  live: LiveState,
  sse: SseHub,
  commands: CommandClient,
): void {
  switch (msg.kind) {
    case "status": {
      const v = live.applyStatus(msg.status);
      if (v) {
        const { health: _h, ...rest } = v;
        sse.broadcast(v.site, "gateway", rest);
      }
      return;
    }
    case "health":
      live.applyHealth(msg.health);
      return;
    case "device": {
      const env = msg.envelope;
      live.applyEnvelope(env);
      // Raw guardian activity (sent only by older gateways) is resident detail.
      const raw = env.body.type === "guardian-activity";
      sse.broadcast(
        env.site,
        msg.topicKind === "telemetry" ? "telemetry" : "device-event",
        env,
        raw ? { skip: true } : undefined,
      );
      return;
    }
    case "batch":
      for (const d of msg.devices) applyLive(d, live, sse, commands);
      return;
    case "alarm": {
      const v = live.applyAlarm(msg.alarm);
      if (v) broadcastAlarm(sse, v);
      return;
    }
    case "resident": {
      const v = live.applyResident(msg.resident);
      if (v) sse.broadcast(msg.resident.site, "resident", v, { skip: true });
      return;
    }
    case "response":
      commands.onResponse(msg.response);
      return;
    case "request":
      return;
  }
}
