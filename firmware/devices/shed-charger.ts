/**
 * Shed charger (mains): 1-12 ports, each with a power meter and a relay, and a
 * shed temperature. It enforces every cut-off by itself, gateway or not.
 * Pins per port i: "power<i>" (ADC), "relay<i>" (high = on), optional
 * "short<i>" (over-current comparator, high = tripped); "temp" (NTC ADC).
 * Boards with fewer ADC channels than ports read the meters through a
 * multiplexer instead: "mux" (ADC) and select lines "muxS0".."muxS3".
 *
 * Port power: the meter's ADC is scaled so 1.0 = PORT_FULL_SCALE_W.
 * sample(now) reads every port whose relay is on and cuts a short circuit at
 * once, in the same call; once a second it also reads the ports whose relay is
 * off (they draw nothing) and runs the slower rules (sessions, overload, shed
 * total, temperature, full charge, session time, telemetry, heartbeat).
 * How often to sample is `sampleMs`: every SAMPLE_MS (50 ms, so the ADC sees a
 * short well inside 100 ms), or every SAMPLE_WITH_COMPARATORS_MS on boards with
 * an over-current comparator on every port, which cut a short on the pin edge.
 * Energy is the trapezoid over the real time between two readings, so it
 * stays right whatever the sample rate.
 *
 * A session starts when an idle port draws more than fullChargeW and ends as
 * unplugged when it draws under UNPLUGGED_W for UNPLUGGED_S. Every cut ends
 * the session and is one charger-event (CUT, its reason) with ack requested;
 * shed-wide cuts (over-temperature, PORT_ALL commands) are one event for
 * PORT_ALL. Cut ports stay off, across reboots too, until a signed relay-on
 * command; over-temperature cuts alone re-arm themselves below the hysteresis.
 */
import {
  CHARGER_EVENT_CUT,
  CHARGER_EVENT_REFUSED,
  CHARGER_EVENT_RESTORED,
  CHARGER_EVENT_SENSOR_FAULT,
  CHARGER_EVENT_SENSOR_OK,
  CHARGER_EVENT_SESSION_END,
  CHARGER_EVENT_SESSION_START,
  COMMAND_RESULT_OK,
  COMMAND_RESULT_REJECTED,
  CONFIG_FULL_CHARGE_S,
  CONFIG_FULL_CHARGE_W,
  CONFIG_HEARTBEAT_S,
  CONFIG_OVER_TEMP_DECI_C,
  CONFIG_PORT_LIMIT_W,
  CONFIG_PORT_OVERLOAD_S,
  CONFIG_REFUSE_SESSIONS_S,
  CONFIG_SESSION_MAX_S,
  CONFIG_SHED_LIMIT_W,
  CONFIG_TELEMETRY_S,
  PORT_ALL,
  PORT_CHARGING,
  PORT_CUT_COMMAND,
  PORT_CUT_ILLEGAL_LOAD,
  PORT_CUT_OVER_TEMP,
  PORT_CUT_OVERLOAD,
  PORT_CUT_SHED_TOTAL,
  PORT_CUT_SHORT_CIRCUIT,
  PORT_CUT_TIME_LIMIT,
  PORT_FULL,
  PORT_IDLE,
  PORT_OFF,
  REASON_COMMAND,
  REASON_FULL_CHARGE,
  REASON_NONE,
  REASON_OVER_TEMP,
  REASON_OVERLOAD,
  REASON_SHED_TOTAL,
  REASON_SHORT_CIRCUIT,
  REASON_TIME_LIMIT,
  SOUND_SELF_TEST,
  TYPE_CHARGER_EVENT,
  TYPE_CHARGER_TELEMETRY,
} from "../../protocol/constants.js";
import type { DownlinkMsg } from "../../protocol/messages.js";
import { chargerEventPayload, chargerTelemetryPayload } from "../../protocol/payload-uplink.js";
import type { Hal } from "../hal/hal.js";
import { applyConfig, type ConfigFields } from "./config-update.js";
import type { Link } from "./link.js";
import { createShedTemperature, type ShedTemperature } from "./shed-temperature.js";
import { type Identity, sendStatus } from "./status.js";

export const PORT_FULL_SCALE_W = 4095;
export const UNPLUGGED_W = 2;
export const UNPLUGGED_S = 5;
/** Storage file with one character per port: latched (cut) states survive a reboot. */
export const PORTS_FILE = "hports";
/** Consecutive accepted readings over the limit before an over-temperature cut. */
export const OVER_TEMP_READINGS = 2;
export const RULES_INTERVAL_MS = 1000;
/** Sample period without comparators: the ADC is what sees a short (HAZARDS: < 100 ms). */
export const SAMPLE_MS = 50;
/**
 * With a comparator on every port the ADC only feeds energy and the rules, which run once a
 * second: a short is cut by the comparator's edge (HAZARDS: < 100 ms), an overload, a shed total
 * or a temperature at the rules round. So the ADC is read once a second too.
 */
export const SAMPLE_WITH_COMPARATORS_MS = RULES_INTERVAL_MS;
/** Port state for each REASON_*: the reason code is the index. */
const REASON_STATE = [
  PORT_OFF,
  PORT_CUT_OVERLOAD,
  PORT_CUT_SHED_TOTAL,
  PORT_CUT_OVER_TEMP,
  PORT_CUT_SHORT_CIRCUIT,
  PORT_FULL,
  PORT_CUT_TIME_LIMIT,
  PORT_CUT_ILLEGAL_LOAD,
  PORT_CUT_COMMAND,
];

export interface ChargerSettings {
  ports: number;
  portLimitW: number;
  portOverloadS: number;
  shedLimitW: number;
  shedRefuseW: number;
  overTempDeciC: number;
  overTempHysteresisDeciC: number;
  shortCircuitW: number;
  fullChargeW: number;
  fullChargeS: number;
  sessionMaxS: number;
  telemetryIntervalS: number;
  heartbeatS: number;
}

const CONFIG_FIELDS: ConfigFields = [
  CONFIG_HEARTBEAT_S,
  "heartbeatS",
  CONFIG_PORT_LIMIT_W,
  "portLimitW",
  CONFIG_PORT_OVERLOAD_S,
  "portOverloadS",
  CONFIG_SHED_LIMIT_W,
  "shedLimitW",
  CONFIG_OVER_TEMP_DECI_C,
  "overTempDeciC",
  CONFIG_FULL_CHARGE_W,
  "fullChargeW",
  CONFIG_FULL_CHARGE_S,
  "fullChargeS",
  CONFIG_SESSION_MAX_S,
  "sessionMaxS",
  CONFIG_TELEMETRY_S,
  "telemetryIntervalS",
];

export interface ShedCharger {
  /** PORT_* per port. */
  readonly state: number[];
  readonly powerW: number[];
  readonly temp: ShedTemperature;
  /** How often the app should call sample(): SAMPLE_MS, or SAMPLE_WITH_COMPARATORS_MS with a comparator on every port. */
  readonly sampleMs: number;
  /** Restores latched cuts, drives the relays, watches the comparators, sends the boot status. */
  start(nowMs: number): void;
  /** Reads every port; a short circuit is cut in this call. Slower rules once a second. */
  sample(nowMs: number): void;
  /** Verified downlink commands (the link has checked MAC and counter). */
  command(msg: DownlinkMsg, nowMs: number): number;
  overTemp(): boolean;
}

function relayOn(state: number): boolean {
  return state === PORT_IDLE || state === PORT_CHARGING;
}

/** The start of a condition: `sinceMs` if it already held, else now; -1 when it does not hold. */
function since(holds: boolean, sinceMs: number, nowMs: number): number {
  return !holds ? -1 : sinceMs >= 0 ? sinceMs : nowMs;
}

export function createShedCharger(
  hal: Hal,
  link: Link,
  id: Identity,
  s: ChargerSettings,
): ShedCharger {
  const temp = createShedTemperature();
  const state: number[] = [];
  const powerW: number[] = [];
  const energyWh: number[] = [];
  /** Session start per port, -1 when none. */
  const sessionMs: number[] = [];
  /** Since when a port has been over its limit / under the full-charge mark / unplugged; -1 when not. */
  const overMs: number[] = [];
  const lowMs: number[] = [];
  const goneMs: number[] = [];
  /** Pin roles, made once: sample() runs up to 20 times a second. */
  const powerRole: string[] = [];
  const relayRole: string[] = [];
  const n = s.ports;
  for (let i = 0; i < n; i++) {
    powerRole.push("power" + i);
    relayRole.push("relay" + i);
    state.push(PORT_IDLE);
    powerW.push(0);
    energyWh.push(0);
    sessionMs.push(-1);
    overMs.push(-1);
    lowMs.push(-1);
    goneMs.push(-1);
  }
  const muxed = hal.has("mux");
  let muxAt = -1;
  let comparators = n > 0;
  for (let i = 0; i < n; i++) if (!hal.has("short" + i)) comparators = false;
  /** Until when the gateway asked to refuse new sessions (the shed is above its refuse mark). */
  let refuseUntilMs = 0;
  let overTemp = false;
  let shedOverMs = -1;
  let hotCount = 0;
  let lastMs = 0;
  let nextRulesMs = 0;
  let nextTelemetryMs = 0;
  let nextHeartbeatMs = 0;

  /** One charger-event; `startMs` is the session's start, -1 when none. */
  function event(
    port: number,
    ev: number,
    reason: number,
    nowMs: number,
    ack: boolean,
    startMs: number,
  ): void {
    link.send(
      TYPE_CHARGER_EVENT,
      chargerEventPayload(
        port,
        ev,
        reason,
        port !== PORT_ALL ? powerW[port]! : 0,
        temp.deciC,
        startMs >= 0 ? (nowMs - startMs) / 1000 : 0,
      ),
      ack,
      nowMs,
    );
  }

  function saveStates(): void {
    let text = "";
    for (let i = 0; i < n; i++) text += String.fromCharCode(48 + state[i]!);
    hal.save(PORTS_FILE, text);
  }

  function setPort(port: number, st: number): void {
    state[port] = st;
    hal.write(relayRole[port]!, relayOn(st));
    if (st !== PORT_CHARGING) sessionMs[port] = -1;
  }

  /** Cuts one port, then reports it with the session's length (the relay never waits for a MAC). */
  function cut(port: number, reason: number, nowMs: number): void {
    const startMs = sessionMs[port]!;
    setPort(port, REASON_STATE[reason]!);
    event(port, CHARGER_EVENT_CUT, reason, nowMs, true, startMs);
    saveStates();
  }

  function telemetry(nowMs: number): void {
    let relays = 0;
    for (let i = 0; i < n; i++) if (relayOn(state[i]!)) relays |= 1 << i;
    link.send(
      TYPE_CHARGER_TELEMETRY,
      chargerTelemetryPayload(temp.deciC, powerW, energyWh, state, relays),
      false,
      nowMs,
    );
  }

  function heartbeat(nowMs: number): void {
    nextHeartbeatMs = nowMs + s.heartbeatS * 1000;
    sendStatus(hal, link, id, nowMs);
  }

  function temperature(nowMs: number): void {
    const change = temp.update(hal.analog("temp"));
    if (change !== 0)
      event(
        PORT_ALL,
        change > 0 ? CHARGER_EVENT_SENSOR_FAULT : CHARGER_EVENT_SENSOR_OK,
        REASON_NONE,
        nowMs,
        true,
        -1,
      );
    if (temp.faulted) return; // a broken sensor never trips, nor re-arms
    hotCount = temp.deciC >= s.overTempDeciC ? hotCount + 1 : 0;
    if (!overTemp && hotCount >= OVER_TEMP_READINGS) {
      overTemp = true;
      for (let i = 0; i < n; i++) if (relayOn(state[i]!)) setPort(i, PORT_CUT_OVER_TEMP);
      saveStates();
      event(PORT_ALL, CHARGER_EVENT_CUT, REASON_OVER_TEMP, nowMs, true, -1);
    } else if (overTemp && temp.deciC < s.overTempDeciC - s.overTempHysteresisDeciC) {
      overTemp = false;
      for (let i = 0; i < n; i++) if (state[i] === PORT_CUT_OVER_TEMP) setPort(i, PORT_IDLE);
      saveStates();
      event(PORT_ALL, CHARGER_EVENT_RESTORED, REASON_OVER_TEMP, nowMs, true, -1);
    }
  }

  function rules(nowMs: number): void {
    temperature(nowMs);
    let total = 0;
    for (let i = 0; i < n; i++) if (relayOn(state[i]!)) total += powerW[i]!;
    for (let i = 0; i < n; i++) {
      const p = powerW[i]!;
      if (state[i] === PORT_IDLE && p > s.fullChargeW && p >= UNPLUGGED_W) {
        if (total > s.shedRefuseW || nowMs < refuseUntilMs) {
          // A new load while the shed (this board's share, or the whole shed
          // as the gateway sees it) is near its limit: refuse it.
          setPort(i, PORT_CUT_SHED_TOTAL);
          event(i, CHARGER_EVENT_REFUSED, REASON_SHED_TOTAL, nowMs, true, -1);
          saveStates();
          total -= p;
          continue;
        }
        state[i] = PORT_CHARGING;
        sessionMs[i] = nowMs;
        energyWh[i] = 0;
        lowMs[i] = goneMs[i] = -1;
        // A load over the port limit from its first reading is over from now, not from the next round.
        overMs[i] = p > s.portLimitW ? nowMs : -1;
        // Acknowledged: the gateway's shed total counts the session from this event.
        event(i, CHARGER_EVENT_SESSION_START, REASON_NONE, nowMs, true, nowMs);
        continue;
      }
      if (state[i] !== PORT_CHARGING) continue;
      overMs[i] = since(p > s.portLimitW, overMs[i]!, nowMs);
      lowMs[i] = since(p < s.fullChargeW, lowMs[i]!, nowMs);
      goneMs[i] = since(p < UNPLUGGED_W, goneMs[i]!, nowMs);
      let reason = REASON_NONE;
      if (overMs[i]! >= 0 && nowMs - overMs[i]! >= s.portOverloadS * 1000) reason = REASON_OVERLOAD;
      else if (goneMs[i]! >= 0 && nowMs - goneMs[i]! >= UNPLUGGED_S * 1000) {
        event(i, CHARGER_EVENT_SESSION_END, REASON_NONE, nowMs, false, sessionMs[i]!);
        setPort(i, PORT_IDLE);
      } else if (lowMs[i]! >= 0 && nowMs - lowMs[i]! >= s.fullChargeS * 1000)
        reason = REASON_FULL_CHARGE;
      else if (nowMs - sessionMs[i]! >= s.sessionMaxS * 1000) reason = REASON_TIME_LIMIT;
      if (reason !== REASON_NONE) {
        total -= p;
        cut(i, reason, nowMs);
      }
    }
    shedOverMs = since(total > s.shedLimitW, shedOverMs, nowMs);
    if (shedOverMs >= 0 && nowMs - shedOverMs >= s.portOverloadS * 1000) {
      // Newest session first, until the shed is back under its limit.
      while (total > s.shedLimitW) {
        let newest = -1;
        for (let i = 0; i < n; i++)
          if (state[i] === PORT_CHARGING && (newest < 0 || sessionMs[i]! >= sessionMs[newest]!))
            newest = i;
        if (newest < 0) break;
        total -= powerW[newest]!;
        cut(newest, REASON_SHED_TOTAL, nowMs);
      }
      shedOverMs = -1;
    }
    if (nowMs >= nextTelemetryMs) {
      nextTelemetryMs = nowMs + s.telemetryIntervalS * 1000;
      telemetry(nowMs);
    }
    if (nowMs >= nextHeartbeatMs) heartbeat(nowMs);
  }

  /**
   * Reads port i's meter: its own ADC pin, or channel i of the multiplexer
   * (firmware/build/pin-plan.ts). A short is cut at once; energy is integrated
   * over the `dtH` hours since the last reading. One function, not two: the
   * minifier turns a helper called once into a closure made on every call.
   */
  function read(i: number, nowMs: number, dtH: number): void {
    let level: number;
    if (muxed) {
      // Only the select lines that change are written.
      for (let b = 0; b < 4; b++)
        if (((i ^ muxAt) >> b) & 1) hal.write("muxS" + b, ((i >> b) & 1) === 1);
      muxAt = i;
      level = hal.analog("mux");
    } else level = hal.analog(powerRole[i]!);
    const was = powerW[i]!;
    const p = Math.round(level * PORT_FULL_SCALE_W);
    powerW[i] = p;
    const st = state[i]!;
    if (!relayOn(st)) return;
    if (p >= s.shortCircuitW) cut(i, REASON_SHORT_CIRCUIT, nowMs);
    else if (st === PORT_CHARGING) energyWh[i] = energyWh[i]! + (was + p) * 0.5 * dtH;
  }

  function watchShort(port: number): void {
    hal.watch("short" + port, 0, false, function (high, t) {
      if (high && relayOn(state[port]!)) cut(port, REASON_SHORT_CIRCUIT, t);
    });
  }

  return {
    state: state,
    powerW: powerW,
    temp: temp,
    sampleMs: comparators ? SAMPLE_WITH_COMPARATORS_MS : SAMPLE_MS,

    start: function (nowMs) {
      const saved = hal.load(PORTS_FILE) || "";
      for (let i = 0; i < n; i++) {
        const st = i < saved.length ? saved.charCodeAt(i) - 48 : PORT_IDLE;
        setPort(i, st > PORT_CHARGING && st < 16 ? st : PORT_IDLE);
        if (st === PORT_CUT_OVER_TEMP) overTemp = true;
        if (hal.has("short" + i)) watchShort(i);
      }
      lastMs = nowMs;
      nextRulesMs = nowMs;
      // Each charger its own telemetry phase: chargers powered up together (a shed's
      // breaker) would otherwise all report at the same instant on their shared bus.
      nextTelemetryMs = nowMs + Math.round(s.telemetryIntervalS * 1000 * hal.random());
      heartbeat(nowMs);
    },

    sample: function (nowMs) {
      const dtH = (nowMs - lastMs) / 3600000;
      lastMs = nowMs;
      const rulesDue = nowMs >= nextRulesMs;
      // Behind a multiplexer the ports go in Gray-code order: about one select line changes per port.
      const rounds = muxed ? 16 : n;
      for (let k = 0; k < rounds; k++) {
        const i = muxed ? k ^ (k >> 1) : k;
        if (i < n && (rulesDue || relayOn(state[i]!))) read(i, nowMs, dtH);
      }
      if (rulesDue) {
        nextRulesMs = nowMs + RULES_INTERVAL_MS;
        rules(nowMs);
      }
    },

    command: function (msg, nowMs) {
      if (msg.type === "config") {
        const e = msg.entries[0];
        if (msg.entries.length !== 1 || e!.key !== CONFIG_REFUSE_SESSIONS_S)
          return applyConfig(hal, msg.entries, CONFIG_FIELDS, s);
        // Not a setting: a hold the gateway renews while the shed is over its refuse mark.
        refuseUntilMs = nowMs + e!.value * 1000;
        return COMMAND_RESULT_OK;
      }
      if (msg.type === "time-sync") return COMMAND_RESULT_OK;
      if (msg.type === "sound" && msg.mode === SOUND_SELF_TEST) {
        heartbeat(nowMs);
        telemetry(nowMs);
        return COMMAND_RESULT_OK;
      }
      if (msg.type !== "relay") return COMMAND_RESULT_REJECTED;
      const all = msg.port === PORT_ALL;
      if ((!all && msg.port >= n) || (msg.on && overTemp)) return COMMAND_RESULT_REJECTED;
      const reason =
        msg.reason > 0 && msg.reason < REASON_STATE.length ? msg.reason : REASON_COMMAND;
      const startMs = all ? -1 : sessionMs[msg.port]!;
      for (let i = 0; i < n; i++) {
        if (!all && i !== msg.port) continue;
        if (msg.on) {
          if (!relayOn(state[i]!)) setPort(i, PORT_IDLE);
        } else if (relayOn(state[i]!)) setPort(i, REASON_STATE[reason]!);
      }
      saveStates();
      event(
        msg.port,
        msg.on ? CHARGER_EVENT_RESTORED : CHARGER_EVENT_CUT,
        msg.on ? REASON_COMMAND : reason,
        nowMs,
        true,
        msg.on ? -1 : startMs,
      );
      return COMMAND_RESULT_OK;
    },

    overTemp: function () {
      return overTemp;
    },
  };
}
