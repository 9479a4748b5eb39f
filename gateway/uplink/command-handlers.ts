/**
 * What each operator command does on the gateway, for the wiring to pass to
 * the UplinkClient: acknowledge an alarm, cut or restore a charger port,
 * replace the site config (validated; a bad one keeps the running one), sound
 * or silence a building's detectors. Each returns a CommandResult that the
 * uplink sends back with the request's transaction.
 */
import { REASON_COMMAND, SOUND_FIRE, SOUND_HUSH, SOUND_STOP } from "../../protocol/constants.js";
import type { DownlinkMsg } from "../../protocol/messages.js";
import { deviceIdHex } from "../../protocol/uplink.js";
import type { LoadResult } from "../config/load.js";
import type { DeviceDirectory } from "../rules/directory.js";
import { PRIORITY_ALARM, PRIORITY_EVENT, type Priority } from "../types.js";
import type { CommandHandlers } from "./commands.js";

export interface CommandHandlerDeps {
  alarms: {
    ack(
      alarmId: string,
      by: string,
      comment: string | undefined,
      now: number,
    ): { ok: true; alarm: unknown } | { ok: false; error: string };
  };
  /** The downlink queue (DownlinkQueue.send): returns "sent", "queued", "unknown-device" or "no-link". */
  downlinks: {
    send(
      deviceId: number,
      req: { msg: DownlinkMsg; priority: Priority; reason: string },
      now: number,
    ): string;
  };
  directory: DeviceDirectory;
  /** Validates and applies new site YAML (ConfigReloader.applyText). */
  applyConfig?: (yaml: string) => LoadResult;
  /**
   * Resolves once the changes made so far are on disk (the committer): an
   * acknowledged alarm or a queued command is answered only when it would
   * survive a restart.
   */
  durable?: () => Promise<void>;
  clock?: () => number;
}

const SOUND = { fire: [SOUND_FIRE, 300], hush: [SOUND_HUSH, 600], stop: [SOUND_STOP, 0] } as const;

export function createCommandHandlers(deps: CommandHandlerDeps): CommandHandlers {
  const clock = deps.clock ?? Date.now;
  return {
    "ack-alarm": async (p) => {
      const r = deps.alarms.ack(p.alarmId, p.by, p.comment, clock());
      if (!r.ok) return { ok: false, error: r.error };
      await deps.durable?.();
      return { ok: true, data: r.alarm };
    },
    "set-port": async (p, req) => {
      const id = Number.parseInt(p.deviceId, 16);
      const d = deps.directory.get(id);
      if (d?.status !== "active") return { ok: false, error: `no active device ${p.deviceId}` };
      if (d.kind !== "charger")
        return { ok: false, error: `${p.deviceId} is a ${d.kind}, not a charger` };
      const outcome = deps.downlinks.send(
        id,
        {
          msg: { type: "relay", port: p.port, on: p.on, reason: REASON_COMMAND },
          priority: p.on ? PRIORITY_EVENT : PRIORITY_ALARM,
          reason: `operator ${p.on ? "restore" : "cut"} (transaction ${req.transaction})`,
        },
        clock(),
      );
      const ok = outcome === "sent" || outcome === "queued";
      if (ok) await deps.durable?.();
      return ok ? { ok, data: { outcome } } : { ok, error: `not delivered: ${outcome}` };
    },
    "update-config": (p) => {
      if (!deps.applyConfig)
        return { ok: false, error: "this gateway does not take config updates" };
      const r = deps.applyConfig(p.yaml);
      return r.ok
        ? { ok: true }
        : {
            ok: false,
            error: `invalid config, the running one stays: ${r.errors.map((e) => e.message).join("; ")}`,
          };
    },
    sound: async (p, req) => {
      const detectors = deps.directory
        .inBuilding(p.building)
        .filter((d) => d.kind === "smoke" && d.status === "active");
      if (detectors.length === 0)
        return { ok: false, error: `no active detectors in building ${p.building}` };
      const [mode, durationS] = SOUND[p.mode];
      const outcomes: Record<string, string> = {};
      for (const d of detectors) {
        outcomes[deviceIdHex(d.deviceId)] = deps.downlinks.send(
          d.deviceId,
          {
            msg: { type: "sound", mode, durationS, sourceDeviceId: 0 },
            priority: PRIORITY_ALARM,
            reason: `operator ${p.mode} for building ${p.building} (transaction ${req.transaction})`,
          },
          clock(),
        );
      }
      await deps.durable?.();
      return { ok: true, data: { outcomes } };
    },
  };
}
