/**
 * Guardian sensor for an elderly resident living alone. Pins: "door" (reed
 * contact to ground while closed: high = open), "motion" (PIR output, high =
 * movement), optional "battery" (ADC).
 * Every reportIntervalS it sends the door openings and motion triggers counted
 * since the previous report and the seconds since the last activity; the first
 * activity after a quiet spell of a whole interval is reported at once, so the
 * gateway can clear a welfare alarm without waiting. Heartbeat every heartbeatS.
 * Battery: at the installer defaults (900 s report and heartbeat, 2 s listening
 * window) about 201 uplinks a day, about 2.4 years on 2 x AA with a radio that
 * sleeps between uplinks (simulator/README.md "Guardian battery life"). The
 * welfare model (gateway rule `welfare`) runs on the gateway, not here.
 */
import {
  COMMAND_RESULT_OK,
  COMMAND_RESULT_REJECTED,
  CONFIG_HEARTBEAT_S,
  CONFIG_LISTEN_WINDOW_MS,
  CONFIG_TELEMETRY_S,
  SOUND_SELF_TEST,
  TYPE_GUARDIAN_ACTIVITY,
} from "../../protocol/constants.js";
import type { DownlinkMsg } from "../../protocol/messages.js";
import { guardianActivityPayload } from "../../protocol/payload-uplink.js";
import type { Hal } from "../hal/hal.js";
import { applyConfig, type ConfigFields } from "./config-update.js";
import type { Link } from "./link.js";
import { batteryMv, type Identity, sendStatus } from "./status.js";

export interface GuardianSettings {
  reportIntervalS: number;
  heartbeatS: number;
  listenWindowMs: number;
}

const CONFIG_FIELDS: ConfigFields = [
  CONFIG_TELEMETRY_S,
  "reportIntervalS",
  CONFIG_HEARTBEAT_S,
  "heartbeatS",
  CONFIG_LISTEN_WINDOW_MS,
  "listenWindowMs",
];

export interface GuardianSensor {
  /** Watches door and motion, sends the boot status. */
  start(nowMs: number): void;
  /** A door opening (door true) or a motion trigger. */
  activity(door: boolean, nowMs: number): void;
  /** Runs due reports; returns ms until the next duty. */
  tick(nowMs: number): number;
  command(msg: DownlinkMsg, nowMs: number): number;
}

export function createGuardianSensor(
  hal: Hal,
  link: Link,
  id: Identity,
  s: GuardianSettings,
): GuardianSensor {
  let doorOpens = 0;
  let motionCount = 0;
  let lastActivityMs = 0;
  let nextReportMs = 0;
  let nextHeartbeatMs = 0;

  function report(nowMs: number): void {
    nextReportMs = nowMs + s.reportIntervalS * 1000;
    link.send(
      TYPE_GUARDIAN_ACTIVITY,
      guardianActivityPayload(
        doorOpens,
        motionCount,
        Math.floor((nowMs - lastActivityMs) / 1000),
        batteryMv(hal),
      ),
      false,
      nowMs,
    );
    doorOpens = 0;
    motionCount = 0;
  }

  function heartbeat(nowMs: number): void {
    nextHeartbeatMs = nowMs + s.heartbeatS * 1000;
    sendStatus(hal, link, id, nowMs);
  }

  function activity(door: boolean, nowMs: number): void {
    const quiet = nowMs - lastActivityMs >= s.reportIntervalS * 1000;
    if (door) doorOpens++;
    else motionCount++;
    lastActivityMs = nowMs;
    if (quiet) report(nowMs);
  }

  return {
    start: function (nowMs) {
      lastActivityMs = nowMs;
      if (hal.has("door"))
        hal.watch("door", 50, true, function (high, t) {
          if (high) activity(true, t);
        });
      if (hal.has("motion"))
        hal.watch("motion", 100, false, function (high, t) {
          if (high) activity(false, t);
        });
      nextReportMs = nowMs + s.reportIntervalS * 1000;
      heartbeat(nowMs);
    },
    activity: activity,
    tick: function (nowMs) {
      if (nowMs >= nextReportMs) report(nowMs);
      if (nowMs >= nextHeartbeatMs) heartbeat(nowMs);
      return Math.max(Math.min(nextReportMs, nextHeartbeatMs) - nowMs, 10);
    },
    command: function (msg, nowMs) {
      // The link reads listenWindowMs from these settings: an update applies at once.
      if (msg.type === "config") return applyConfig(hal, msg.entries, CONFIG_FIELDS, s);
      if (msg.type === "time-sync") return COMMAND_RESULT_OK;
      if (msg.type === "sound" && msg.mode === SOUND_SELF_TEST) {
        heartbeat(nowMs);
        report(nowMs);
        return COMMAND_RESULT_OK;
      }
      return COMMAND_RESULT_REJECTED;
    },
  };
}
