/** What the live subscription does with each decoded message: state, server-sent events, command answers. */
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
      sse.broadcast(env.site, msg.topicKind === "telemetry" ? "telemetry" : "device-event", env);
      return;
    }
    case "batch":
      for (const d of msg.devices) applyLive(d, live, sse, commands);
      return;
    case "alarm": {
      const v = live.applyAlarm(msg.alarm);
      if (v) sse.broadcast(v.site, "alarm", publicAlarm(v));
      return;
    }
    case "resident": {
      const v = live.applyResident(msg.resident);
      if (v) sse.broadcast(msg.resident.site, "resident", v);
      return;
    }
    case "response":
      commands.onResponse(msg.response);
      return;
    case "request":
      return;
  }
}
