/**
 * Smoke detector (battery). Pins: "smoke" (chamber ADC), "battery" (ADC),
 * "buzzer" (output), "test" (button to ground, pressed = low), "tamper"
 * (switch to ground while on its base: high = removed).
 * tick(now) samples once and returns the delay to the next sample: the
 * configured interval at rest, 1 s while smoke is being confirmed or sounding.
 * Every event frame asks for an ack and is retried by the link until acked.
 */
import {
  COMMAND_RESULT_OK,
  COMMAND_RESULT_REJECTED,
  CONFIG_HEARTBEAT_S,
  CONFIG_LISTEN_WINDOW_MS,
  CONFIG_SMOKE_ALARM_LEVEL,
  SMOKE_ALARM,
  SMOKE_CLEAR,
  SMOKE_END_OF_LIFE,
  SMOKE_FAULT,
  SMOKE_HUSH,
  SMOKE_LOW_BATTERY,
  SMOKE_SELF_TEST_FAIL,
  SMOKE_SELF_TEST_OK,
  SMOKE_TAMPER,
  SMOKE_TAMPER_CLEAR,
  SOUND_FIRE,
  SOUND_HUSH,
  SOUND_LOCATE,
  SOUND_SELF_TEST,
  SOUND_STOP,
  TYPE_SMOKE_EVENT,
} from "../../protocol/constants.js";
import type { DownlinkMsg } from "../../protocol/messages.js";
import { smokeEventPayload } from "../../protocol/payload-uplink.js";
import type { Hal } from "../hal/hal.js";
import { applyConfig, type ConfigFields } from "./config-update.js";
import type { Link } from "./link.js";
import {
  createSounder,
  FAULT_CHIRP_INTERVAL_MS,
  PATTERN_CHIRP,
  PATTERN_FIRE,
  PATTERN_LOCATE,
} from "./sounder.js";
import { batteryMv, type Identity, sendStatus } from "./status.js";

/** 1.0 of the chamber ADC is 20 %/m obscuration = 2,000 hundredths of %/m. */
export const SMOKE_FULL_SCALE = 2000;
/** A chamber reading below this is no signal at all (dead IR LED, open wiring): a fault. */
export const SMOKE_FAULT_BELOW = 0.005;
/** Consecutive bad samples before a sensor fault or low battery is declared. */
export const FAULT_SAMPLES = 3;
/** Hush lasts at most 10 minutes (EN 14604 / GB 20517), whatever the config says. */
export const MAX_HUSH_S = 600;
/** Rated life: end-of-life warning after ten years of operation (EN 14604 / UL 217). */
export const END_OF_LIFE_S = 315360000;
/** Storage file with the seconds of operation so far (written at each heartbeat). */
export const AGE_FILE = "hage";
export const FAST_SAMPLE_MS = 1000;
const MAX_HEARTBEAT_S = 86400;

export const MODE_NORMAL = 0;
export const MODE_ALARM = 1;
export const MODE_HUSH = 2;

export interface SmokeSettings {
  alarmLevel: number;
  confirmSamples: number;
  sampleIntervalS: number;
  hushS: number;
  lowBatteryMv: number;
  heartbeatS: number;
  listenWindowMs: number;
}

const CONFIG_FIELDS: ConfigFields = [
  CONFIG_SMOKE_ALARM_LEVEL,
  "alarmLevel",
  CONFIG_HEARTBEAT_S,
  "heartbeatS",
  CONFIG_LISTEN_WINDOW_MS,
  "listenWindowMs",
];

export interface SmokeDetector {
  /** Watches the button and tamper switch, sends the boot status. */
  start(nowMs: number): void;
  /** One sample; returns ms until the next. */
  tick(nowMs: number): number;
  /** Test button pressed: hush while sounding, self-test otherwise. */
  button(nowMs: number): void;
  tamper(removed: boolean, nowMs: number): void;
  /** Verified downlink commands (the link has checked MAC and counter). */
  command(msg: DownlinkMsg, nowMs: number): number;
  /** MODE_NORMAL, MODE_ALARM or MODE_HUSH. */
  mode(): number;
}

export function createSmokeDetector(
  hal: Hal,
  link: Link,
  id: Identity,
  s: SmokeSettings,
): SmokeDetector {
  const sounder = createSounder(hal, "buzzer");
  let mode = MODE_NORMAL;
  let level = 0;
  let over = 0;
  let under = 0;
  let faultCount = 0;
  let lowCount = 0;
  let sensorFault = false;
  let lowBattery = false;
  let endOfLife = false;
  let tampered = false;
  /** Sounding because the gateway relayed another detector's fire (interlink). */
  let interlinked = false;
  let hushEndMs = 0;
  let hushLevel = 0;
  let nextHeartbeatMs = 0;
  let nextChirpMs = 0;
  let ageS = 0;
  let ageSavedMs = 0;

  /**
   * Sends a smoke event. Its eventId is the low 16 bits of the first attempt's
   * counter: new for each physical event, also across reboots (counters are
   * never reused), and repeated unchanged by every retry.
   */
  function event(code: number, nowMs: number): void {
    link.send(
      TYPE_SMOKE_EVENT,
      smokeEventPayload(code, level, batteryMv(hal), link.nextCounter()),
      true,
      nowMs,
    );
  }

  function alarm(nowMs: number): void {
    mode = MODE_ALARM;
    under = 0;
    sounder.play(PATTERN_FIRE, -1);
    event(SMOKE_ALARM, nowMs);
  }

  function clear(nowMs: number): void {
    mode = MODE_NORMAL;
    over = 0;
    if (!interlinked) sounder.stop();
    event(SMOKE_CLEAR, nowMs);
  }

  function hush(nowMs: number): void {
    if (interlinked) {
      interlinked = false;
      if (mode !== MODE_ALARM) sounder.stop();
    }
    if (mode !== MODE_ALARM) return;
    mode = MODE_HUSH;
    hushEndMs = nowMs + Math.min(s.hushS, MAX_HUSH_S) * 1000;
    hushLevel = level;
    sounder.stop();
    event(SMOKE_HUSH, nowMs);
  }

  function selfTest(nowMs: number): void {
    const ok =
      hal.analog("smoke") >= SMOKE_FAULT_BELOW && batteryMv(hal) >= s.lowBatteryMv && !endOfLife;
    sounder.play(ok ? PATTERN_FIRE : PATTERN_CHIRP, 0);
    event(ok ? SMOKE_SELF_TEST_OK : SMOKE_SELF_TEST_FAIL, nowMs);
  }

  function smoke(nowMs: number): void {
    const high = level >= s.alarmLevel;
    if (mode === MODE_NORMAL) {
      over = high ? over + 1 : 0;
      if (over >= s.confirmSamples) alarm(nowMs);
      return;
    }
    under = high ? 0 : under + 1;
    // Smoke still rising during hush is a real fire, not cooking: alarm again at once.
    if (mode === MODE_HUSH && level >= hushLevel + Math.max(1, Math.round(s.alarmLevel / 4)))
      alarm(nowMs);
    else if (mode === MODE_HUSH && nowMs >= hushEndMs) {
      if (high) alarm(nowMs);
      else clear(nowMs);
    } else if (under >= s.confirmSamples) clear(nowMs);
  }

  /**
   * Status frame, age bookkeeping, and a reminder of standing faults. The next one comes
   * at a random point of the last fifth of the period, never later: detectors powered up
   * together (a building commissioned in one go) would otherwise send every heartbeat in
   * the same instant and lose them to collisions for good, and the gateway's absence rule
   * (2 periods) still holds.
   */
  function heartbeat(nowMs: number): void {
    nextHeartbeatMs = nowMs + Math.min(s.heartbeatS, MAX_HEARTBEAT_S) * (800 + 200 * hal.random());
    ageS += Math.floor((nowMs - ageSavedMs) / 1000);
    ageSavedMs = nowMs;
    hal.save(AGE_FILE, String(ageS));
    sendStatus(hal, link, id, nowMs);
    if (ageS >= END_OF_LIFE_S) {
      endOfLife = true;
      event(SMOKE_END_OF_LIFE, nowMs);
    }
    if (lowBattery) event(SMOKE_LOW_BATTERY, nowMs);
  }

  function tamper(removed: boolean, nowMs: number): void {
    if (removed === tampered) return;
    tampered = removed;
    if (removed) sounder.play(PATTERN_CHIRP, 0);
    event(removed ? SMOKE_TAMPER : SMOKE_TAMPER_CLEAR, nowMs);
  }

  function button(nowMs: number): void {
    if (mode === MODE_ALARM || interlinked) hush(nowMs);
    else if (mode === MODE_NORMAL) selfTest(nowMs);
  }

  return {
    start: function (nowMs) {
      ageS = parseInt(hal.load(AGE_FILE) || "0", 10) || 0;
      ageSavedMs = nowMs;
      if (hal.has("test"))
        hal.watch("test", 50, true, function (high, t) {
          if (!high) button(t);
        });
      if (hal.has("tamper")) {
        hal.watch("tamper", 50, true, tamper);
        if (hal.read("tamper")) tamper(true, nowMs);
      }
      heartbeat(nowMs);
    },

    tick: function (nowMs) {
      const v = hal.analog("smoke");
      level = Math.round(v * SMOKE_FULL_SCALE);
      if (v < SMOKE_FAULT_BELOW) {
        if (++faultCount === FAULT_SAMPLES) {
          sensorFault = true;
          event(SMOKE_FAULT, nowMs);
        }
      } else {
        faultCount = 0;
        sensorFault = false;
        smoke(nowMs);
      }
      // The battery sags while the buzzer sounds: judge it only when quiet.
      if (!sounder.playing()) {
        if (batteryMv(hal) >= s.lowBatteryMv) {
          lowCount = 0;
          lowBattery = false;
        } else if (++lowCount === FAULT_SAMPLES) {
          lowBattery = true;
          event(SMOKE_LOW_BATTERY, nowMs);
        }
      }
      if (nowMs >= nextHeartbeatMs) heartbeat(nowMs);
      if (
        (sensorFault || lowBattery || endOfLife || tampered) &&
        !sounder.playing() &&
        nowMs >= nextChirpMs
      ) {
        nextChirpMs = nowMs + FAULT_CHIRP_INTERVAL_MS;
        sounder.play(PATTERN_CHIRP, 0);
      }
      if (interlinked && !sounder.playing()) interlinked = false; // its duration ran out
      // While sounding, keep listening: a hush or stop from the gateway must get through.
      link.holdOpen(mode !== MODE_NORMAL || interlinked);
      return mode !== MODE_NORMAL || over > 0 ? FAST_SAMPLE_MS : s.sampleIntervalS * 1000;
    },

    button: button,
    tamper: tamper,

    command: function (msg, nowMs) {
      // The link reads listenWindowMs from these settings: an update applies at once.
      if (msg.type === "config") return applyConfig(hal, msg.entries, CONFIG_FIELDS, s);
      if (msg.type === "time-sync") return COMMAND_RESULT_OK;
      // A building group sounding (group-sounding.ts) acts like the unicast one.
      if (msg.type !== "sound" && msg.type !== "group-sound") return COMMAND_RESULT_REJECTED;
      const m = msg.mode;
      if (m === SOUND_FIRE) {
        // Interlink: another detector of the building is in alarm.
        interlinked = true;
        link.holdOpen(true);
        if (mode !== MODE_ALARM)
          sounder.play(PATTERN_FIRE, msg.durationS > 0 ? nowMs + msg.durationS * 1000 : -1);
      } else if (m === SOUND_HUSH) hush(nowMs);
      else if (m === SOUND_STOP) {
        interlinked = false;
        if (mode !== MODE_ALARM) sounder.stop();
      } else if (m === SOUND_LOCATE) {
        if (mode !== MODE_ALARM) sounder.play(PATTERN_LOCATE, nowMs + 10000);
      } else if (m === SOUND_SELF_TEST) selfTest(nowMs);
      else return COMMAND_RESULT_REJECTED;
      return COMMAND_RESULT_OK;
    },

    mode: function () {
      return mode;
    },
  };
}
