import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fromHex } from "../../protocol/bytes.js";
import { encodeFrame } from "../../protocol/codec.js";
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
  CONFIG_PORT_LIMIT_W,
  CONFIG_REFUSE_SESSIONS_S,
  FLAG_ACK_REQUESTED,
  MAC_LENGTH,
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
  REASON_COMMAND,
  REASON_FULL_CHARGE,
  REASON_ILLEGAL_LOAD,
  REASON_NONE,
  REASON_OVER_TEMP,
  REASON_OVERLOAD,
  REASON_SHED_TOTAL,
  REASON_SHORT_CIRCUIT,
  REASON_TIME_LIMIT,
  TEMP_INVALID_DECI_C,
} from "../../protocol/constants.js";
import { frameBytes } from "../../protocol/framing.js";
import type {
  ChargerEventMsg,
  ChargerTelemetryMsg,
  CommandAckMsg,
  DownlinkMsg,
  Frame,
} from "../../protocol/messages.js";
import { FakeGateway } from "../hal/fake-gateway.js";
import { FakeHal } from "../hal/fake-hal.js";
import { createLink, STAT_BAD_MAC, STAT_DUPLICATE, STAT_REPLAYED } from "./link.js";
import { type ChargerSettings, createShedCharger, PORT_FULL_SCALE_W } from "./shed-charger.js";
import { ntcFraction } from "./shed-temperature.js";

const nodeHmac = (key: Uint8Array, data: Uint8Array) =>
  new Uint8Array(createHmac("sha256", key).update(data).digest());
const KEY = fromHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")!;
const ID = 0xc4000007;
interface Opts {
  settings?: Partial<ChargerSettings>;
  files?: { [k: string]: string };
  /** An over-current comparator on every port (true) or on the first n ports. */
  comparators?: boolean | number;
  /** Ack every ack-requested frame as it is taken (a gateway is present). */
  gateway?: boolean;
  /** Call sample() this often instead of the device's own sampleMs. */
  sampleMs?: number;
}

/**
 * A charger wired as the app wires it, with a little physics: a port draws its
 * load only while its relay is on, and the NTC reads `tempDeciC`.
 */
function charger(o: Opts = {}) {
  const ports = o.settings?.ports ?? 4;
  const roles = ["temp"];
  for (let i = 0; i < ports; i++) {
    roles.push(`power${i}`, `relay${i}`);
    if (o.comparators === true || i < Number(o.comparators ?? 0)) roles.push(`short${i}`);
  }
  const hal = new FakeHal(roles, o.files);
  const settings: ChargerSettings = {
    ports,
    portLimitW: 1100,
    portOverloadS: 3,
    shedLimitW: 3000,
    shedRefuseW: 2500,
    overTempDeciC: 650,
    overTempHysteresisDeciC: 100,
    shortCircuitW: 3000,
    fullChargeW: 30,
    fullChargeS: 300,
    sessionMaxS: 43200,
    telemetryIntervalS: 60,
    heartbeatS: 3600,
    ...o.settings,
  };
  const loads: number[] = new Array(ports).fill(0);
  const world = { tempDeciC: 250, tempFraction: undefined as number | undefined };
  const physics = () => {
    for (let i = 0; i < ports; i++)
      hal.analogs[`power${i}`] = hal.outputs[`relay${i}`] ? loads[i]! / PORT_FULL_SCALE_W : 0;
    hal.analogs.temp = world.tempFraction ?? ntcFraction(world.tempDeciC);
  };
  physics();
  hal.every(10, physics);
  const gw = new FakeGateway(ID, KEY, nodeHmac);
  const link = createLink(hal, ID, KEY, {}, 0, 60000, (msg, now) => dev.command(msg, now));
  link.start();
  const dev = createShedCharger(
    hal,
    link,
    { deviceKind: 2, firmwareVersion: "1.0.0", resetCause: 0 },
    settings,
  );
  dev.start(hal.nowMs());
  // As the app does: the device says how often it needs its ports read.
  hal.every(o.sampleMs ?? dev.sampleMs, () => dev.sample(hal.nowMs()));
  if (o.gateway) {
    // The gateway acks each ack-requested frame 5 ms after it goes out.
    const send = hal.send.bind(hal);
    hal.send = (bytes: Uint8Array) => {
      send(bytes);
      for (const f of gw.decode([bytes]))
        if (f.flags & FLAG_ACK_REQUESTED) hal.after(5, () => hal.inject(gw.ack(f.counter)));
    };
  }
  const take = (): Frame[] => gw.decode(hal.takeSent());
  const events = (fs = take()) =>
    fs.filter((f) => f.msg.type === "charger-event").map((f) => f.msg as ChargerEventMsg);
  const command = (msg: DownlinkMsg, counter?: number) => {
    hal.inject(gw.downlink(msg, counter));
    const acks = take().filter((f) => f.msg.type === "command-ack");
    return (acks[acks.length - 1]?.msg as CommandAckMsg | undefined)?.result;
  };
  return { hal, dev, gw, link, loads, world, settings, take, events, command };
}

/** Advances `ms` and says how long after the start of it port `port`'s relay opened. */
function relayOffAfter(c: ReturnType<typeof charger>, port: number, ms: number): number {
  const at = c.hal.timeMs;
  c.hal.advance(ms);
  return c.hal.changes.find((x) => x.role === `relay${port}` && !x.high && x.atMs >= at)!.atMs - at;
}

describe("shed charger: cuts on its own, gateway absent", () => {
  it("cuts an overloaded port within 5 s and reports the cut until acknowledged", () => {
    const c = charger();
    c.loads[0] = 600;
    c.hal.advance(2000);
    c.take();
    c.loads[0] = 1500;
    const at = c.hal.timeMs;
    c.hal.advance(5000);
    expect(c.hal.outputs.relay0).toBe(false);
    const cutAt = c.hal.changes.find((x) => x.role === "relay0" && !x.high)!.atMs;
    expect(cutAt - at).toBeLessThanOrEqual(5000);
    expect(cutAt - at).toBeGreaterThanOrEqual(3000);
    expect(c.dev.state[0]).toBe(PORT_CUT_OVERLOAD);
    const fs = c.take();
    const cuts = fs.filter(
      (f) =>
        f.msg.type === "charger-event" && (f.msg as ChargerEventMsg).event === CHARGER_EVENT_CUT,
    );
    expect(cuts[0]!.msg).toMatchObject({ port: 0, reason: REASON_OVERLOAD, powerW: 1500 });
    expect(cuts[0]!.flags & FLAG_ACK_REQUESTED).toBeTruthy();
    // No gateway: the cut event is retried.
    c.hal.advance(10000);
    expect(c.events().filter((e) => e.event === CHARGER_EVENT_CUT).length).toBeGreaterThanOrEqual(
      2,
    );
    // The other ports are untouched.
    expect(c.hal.outputs.relay1).toBe(true);
  });

  it("counts a load over the limit from its first reading, so a plugged heater is cut within portOverloadS + 1 s", () => {
    const c = charger({ comparators: true, gateway: true });
    c.hal.advance(2000); // a rules round runs at this instant
    c.take();
    c.loads[1] = 1500; // plugged just after it: the next round is a second away
    const cutAfter = relayOffAfter(c, 1, 6000);
    expect(cutAfter).toBeGreaterThanOrEqual(3000);
    expect(cutAfter).toBeLessThanOrEqual(4000);
    expect(c.events().map((e) => [e.port, e.event, e.reason])).toEqual([
      [1, CHARGER_EVENT_SESSION_START, REASON_NONE],
      [1, CHARGER_EVENT_CUT, REASON_OVERLOAD],
    ]);
  });

  it("lets a port ride out an overload shorter than portOverloadS", () => {
    const c = charger();
    c.loads[0] = 1500;
    c.hal.advance(2000);
    c.loads[0] = 900;
    c.hal.advance(10000);
    expect(c.hal.outputs.relay0).toBe(true);
    expect(c.dev.state[0]).toBe(PORT_CHARGING);
  });

  it("cuts a short circuit seen by the ADC at the first sample", () => {
    const c = charger();
    c.loads[2] = 400;
    c.hal.advance(1000);
    c.loads[2] = 3800;
    expect(relayOffAfter(c, 2, 200)).toBeLessThan(100);
    expect(c.dev.state[2]).toBe(PORT_CUT_SHORT_CIRCUIT);
    expect(c.events().find((e) => e.event === CHARGER_EVENT_CUT)).toMatchObject({
      port: 2,
      reason: REASON_SHORT_CIRCUIT,
    });
  });

  it("cuts a short circuit on the comparator edge, in the same call", () => {
    const c = charger({ comparators: true });
    c.loads[1] = 400;
    c.hal.advance(1000);
    c.hal.setPin("short1", true);
    expect(c.hal.outputs.relay1).toBe(false);
    expect(c.dev.state[1]).toBe(PORT_CUT_SHORT_CIRCUIT);
  });

  it("cuts the newest session first when the shed total is over its limit", () => {
    const c = charger({ settings: { shedLimitW: 2900, shedRefuseW: 2890 } });
    c.loads[0] = 950;
    c.hal.advance(1500);
    c.loads[2] = 950;
    c.hal.advance(1500);
    c.loads[1] = 950; // newest session
    c.hal.advance(1500);
    c.take();
    c.loads[0] = 1050; // total 2850 -> 2950
    c.hal.advance(5000);
    expect(c.hal.outputs.relay1).toBe(false);
    expect(c.hal.outputs.relay0).toBe(true);
    expect(c.hal.outputs.relay2).toBe(true);
    expect(c.dev.state[1]).toBe(PORT_CUT_SHED_TOTAL);
    expect(c.events().filter((e) => e.event === CHARGER_EVENT_CUT)[0]).toMatchObject({
      port: 1,
      reason: REASON_SHED_TOTAL,
    });
  });

  it("refuses a new session that would take the shed above shedRefuseW", () => {
    const c = charger({ gateway: true });
    c.loads[0] = 900;
    c.hal.advance(1500);
    c.loads[1] = 900;
    c.hal.advance(1500);
    c.take();
    c.loads[3] = 900;
    c.hal.advance(1500);
    expect(c.hal.outputs.relay3).toBe(false);
    expect(c.dev.state[3]).toBe(PORT_CUT_SHED_TOTAL);
    expect(c.events().find((e) => e.port === 3)).toMatchObject({
      event: CHARGER_EVENT_REFUSED,
      reason: REASON_SHED_TOTAL,
    });
  });

  it("stops a full battery after fullChargeS under fullChargeW", () => {
    const c = charger({ gateway: true });
    c.loads[0] = 500;
    c.hal.advance(60000);
    c.loads[0] = 20; // charger tapering at the end of the charge
    c.hal.advance(299000);
    expect(c.hal.outputs.relay0).toBe(true);
    c.hal.advance(2000);
    expect(c.hal.outputs.relay0).toBe(false);
    expect(c.dev.state[0]).toBe(PORT_FULL);
    const cut = c.events().find((e) => e.event === CHARGER_EVENT_CUT)!;
    expect(cut).toMatchObject({ port: 0, reason: REASON_FULL_CHARGE });
    expect(cut.sessionS).toBeGreaterThanOrEqual(359);
  });

  it("cuts a session that outlasts sessionMaxS", () => {
    const c = charger({ settings: { sessionMaxS: 3600 }, gateway: true });
    c.loads[1] = 300;
    c.hal.advance(3599000);
    expect(c.hal.outputs.relay1).toBe(true);
    c.hal.advance(3000);
    expect(c.dev.state[1]).toBe(PORT_CUT_TIME_LIMIT);
    expect(c.events().find((e) => e.event === CHARGER_EVENT_CUT)).toMatchObject({
      port: 1,
      reason: REASON_TIME_LIMIT,
    });
  });

  it("reports session start and end when a battery is plugged and unplugged", () => {
    const c = charger({ gateway: true });
    c.take();
    c.loads[2] = 250;
    c.hal.advance(1500);
    expect(c.events().map((e) => [e.port, e.event])).toEqual([[2, CHARGER_EVENT_SESSION_START]]);
    expect(c.dev.state[2]).toBe(PORT_CHARGING);
    c.loads[2] = 0;
    c.hal.advance(7000);
    expect(c.events().map((e) => [e.port, e.event])).toEqual([[2, CHARGER_EVENT_SESSION_END]]);
    expect(c.dev.state[2]).toBe(PORT_IDLE);
    expect(c.hal.outputs.relay2).toBe(true);
  });

  it("keeps cut ports off across a reboot", () => {
    const files: { [k: string]: string } = {};
    const a = charger({ files });
    a.loads[3] = 3500;
    a.hal.advance(500);
    expect(a.dev.state[3]).toBe(PORT_CUT_SHORT_CIRCUIT);
    const b = charger({ files });
    expect(b.hal.outputs.relay3).toBe(false);
    expect(b.dev.state[3]).toBe(PORT_CUT_SHORT_CIRCUIT);
    expect(b.hal.outputs.relay0).toBe(true);
  });
});

describe("shed charger: sample rate", () => {
  const telemetry = (c: ReturnType<typeof charger>) =>
    c
      .take()
      .filter((f) => f.msg.type === "charger-telemetry")
      .map((f) => f.msg as ChargerTelemetryMsg);

  it("reads a port without its own comparator fast enough to cut a short on it within 100 ms, even an idle one", () => {
    // Comparators on ports 0-2 only: port 3's short is the ADC's to see.
    const c = charger({ comparators: 3 });
    c.hal.advance(1000);
    expect(c.dev.state[3]).toBe(PORT_IDLE);
    c.loads[3] = 3800;
    expect(relayOffAfter(c, 3, 300)).toBeLessThan(100);
    expect(c.dev.state[3]).toBe(PORT_CUT_SHORT_CIRCUIT);
  });

  it("with a comparator on every port, still starts a session within a second and cuts an overload within 5 s", () => {
    const c = charger({ comparators: true, gateway: true });
    expect(c.dev.sampleMs).toBeGreaterThan(50);
    c.hal.advance(2500);
    c.take();
    c.loads[2] = 600;
    c.hal.advance(1100);
    expect(c.events().map((e) => [e.port, e.event])).toEqual([[2, CHARGER_EVENT_SESSION_START]]);
    c.loads[2] = 1500;
    const cutAfter = relayOffAfter(c, 2, 6000);
    expect(cutAfter).toBeGreaterThanOrEqual(3000);
    expect(cutAfter).toBeLessThanOrEqual(5000);
    expect(c.events().find((e) => e.event === CHARGER_EVENT_CUT)).toMatchObject({
      port: 2,
      reason: REASON_OVERLOAD,
      powerW: 1500,
    });
  });

  for (const sampleMs of [50, 1000])
    it(`integrates energy over the real time between readings (a reading every ${sampleMs} ms)`, () => {
      const c = charger({ sampleMs, gateway: true });
      // Port 0 holds 720 W; port 1 ramps from 200 W to 1,000 W over the hour.
      c.loads[0] = 720;
      c.loads[1] = 200;
      const start = c.hal.timeMs;
      c.hal.every(10, () => {
        c.loads[1] = Math.round(200 + (800 * (c.hal.timeMs - start)) / 3_600_000);
      });
      c.hal.advance(3_600_000);
      const last = telemetry(c).pop()!;
      // The sessions start at the first rules round (within a second), and telemetry
      // goes out up to a minute before the hour: 720 W x (59 to 60 min), and the ramp's
      // area up to then.
      expect(last.ports[0]!.energyWh).toBeGreaterThanOrEqual(707);
      expect(last.ports[0]!.energyWh).toBeLessThanOrEqual(720);
      expect(last.ports[1]!.energyWh).toBeGreaterThanOrEqual(580);
      expect(last.ports[1]!.energyWh).toBeLessThanOrEqual(600);
    });

  it("reads a port whose relay is off at the rules round, so its telemetry does not keep the last reading", () => {
    const c = charger({ gateway: true });
    c.loads[1] = 3500;
    c.hal.advance(200);
    expect(c.dev.state[1]).toBe(PORT_CUT_SHORT_CIRCUIT);
    c.hal.advance(61_000);
    const last = telemetry(c).pop()!;
    expect(last.ports[1]).toMatchObject({ powerW: 0, relayOn: false });
    expect(c.dev.powerW[1]).toBe(0);
  });
});

describe("shed charger: temperature", () => {
  it("cuts every port on over-temperature and re-arms only below the hysteresis", () => {
    const c = charger({ gateway: true });
    c.loads[0] = 500;
    c.loads[1] = 500;
    c.hal.advance(2000);
    c.take();
    for (let t = 250; t <= 700; t += 20) {
      c.world.tempDeciC = t;
      c.hal.advance(1000);
    }
    expect(c.dev.overTemp()).toBe(true);
    for (let i = 0; i < 4; i++) expect(c.hal.outputs[`relay${i}`]).toBe(false);
    const cuts = c.events().filter((e) => e.event === CHARGER_EVENT_CUT);
    expect(cuts).toHaveLength(1);
    expect(cuts[0]).toMatchObject({ port: PORT_ALL, reason: REASON_OVER_TEMP });
    expect(c.command({ type: "relay", port: 0, on: true, reason: REASON_COMMAND })).toBe(
      COMMAND_RESULT_REJECTED,
    );
    c.world.tempDeciC = 600; // below the limit, not below limit - hysteresis
    c.hal.advance(10000);
    expect(c.dev.state[0]).toBe(PORT_CUT_OVER_TEMP);
    c.world.tempDeciC = 540;
    c.hal.advance(10000);
    expect(c.dev.overTemp()).toBe(false);
    expect(c.hal.outputs.relay0).toBe(true);
    expect(c.events().find((e) => e.event === CHARGER_EVENT_RESTORED)).toMatchObject({
      port: PORT_ALL,
      reason: REASON_OVER_TEMP,
    });
  });

  it("does not trip on a one-reading glitch", () => {
    const c = charger();
    c.hal.advance(3000);
    c.world.tempDeciC = 900;
    c.hal.advance(1000);
    c.world.tempDeciC = 250;
    c.hal.advance(10000);
    expect(c.dev.overTemp()).toBe(false);
    expect(c.dev.temp.rejected).toBeGreaterThan(0);
  });

  it("trips on a real fast rise within 10 s", () => {
    const c = charger();
    c.hal.advance(3000);
    c.world.tempDeciC = 900; // a fire next to the sensor: stays hot
    const at = c.hal.timeMs;
    c.hal.advance(10000);
    expect(c.dev.overTemp()).toBe(true);
    const cutAt = c.hal.changes.find((x) => x.role === "relay0" && !x.high)!.atMs;
    expect(cutAt - at).toBeLessThanOrEqual(10000);
  });

  it("reports an open or shorted sensor as a fault, never as over-temperature", () => {
    for (const broken of [1, 0]) {
      const c = charger({ gateway: true });
      c.hal.advance(3000);
      c.take();
      c.world.tempFraction = broken;
      c.hal.advance(10000);
      expect(c.dev.overTemp()).toBe(false);
      expect(c.hal.outputs.relay0).toBe(true);
      const fs = c.take();
      expect(c.events(fs).map((e) => e.event)).toContain(CHARGER_EVENT_SENSOR_FAULT);
      c.hal.advance(60000);
      const tele = c.take().find((f) => f.msg.type === "charger-telemetry")!
        .msg as ChargerTelemetryMsg;
      expect(tele.tempDeciC).toBe(TEMP_INVALID_DECI_C);
      c.world.tempFraction = undefined;
      c.hal.advance(2000);
      expect(c.events().map((e) => e.event)).toContain(CHARGER_EVENT_SENSOR_OK);
    }
  });
});

describe("shed charger: reports and commands", () => {
  it("sends telemetry with every port every telemetryIntervalS", () => {
    const c = charger({ gateway: true });
    c.loads[1] = 720;
    c.hal.advance(3600 * 1000);
    const tele = c
      .take()
      .filter((f) => f.msg.type === "charger-telemetry")
      .map((f) => f.msg as ChargerTelemetryMsg);
    expect(tele.length).toBeGreaterThanOrEqual(59);
    expect(tele.length).toBeLessThanOrEqual(60);
    const last = tele[tele.length - 1]!;
    expect(last.ports).toHaveLength(4);
    expect(last.ports[1]).toMatchObject({ powerW: 720, state: PORT_CHARGING, relayOn: true });
    expect(last.ports[1]!.energyWh).toBeGreaterThan(700);
    expect(last.ports[1]!.energyWh).toBeLessThan(740);
    expect(last.ports[0]).toMatchObject({ powerW: 0, state: PORT_IDLE, relayOn: true });
    expect(last.tempDeciC).toBeGreaterThan(245);
    expect(last.tempDeciC).toBeLessThan(255);
  });

  it("obeys signed relay commands for one port and for all", () => {
    const c = charger({ gateway: true });
    c.loads[2] = 400;
    c.hal.advance(2000);
    c.take();
    expect(c.command({ type: "relay", port: 2, on: false, reason: REASON_COMMAND })).toBe(
      COMMAND_RESULT_OK,
    );
    expect(c.hal.outputs.relay2).toBe(false);
    expect(c.dev.state[2]).toBe(PORT_CUT_COMMAND);
    expect(c.command({ type: "relay", port: 2, on: true, reason: REASON_COMMAND })).toBe(
      COMMAND_RESULT_OK,
    );
    expect(c.hal.outputs.relay2).toBe(true);
    expect(c.command({ type: "relay", port: PORT_ALL, on: false, reason: REASON_COMMAND })).toBe(
      COMMAND_RESULT_OK,
    );
    for (let i = 0; i < 4; i++) expect(c.hal.outputs[`relay${i}`]).toBe(false);
    expect(c.command({ type: "relay", port: 9, on: true, reason: REASON_COMMAND })).toBe(
      COMMAND_RESULT_REJECTED,
    );
  });

  it("cuts a port for the gateway's illegal-load verdict and says so in its state", () => {
    const c = charger({ gateway: true });
    c.loads[3] = 1000;
    c.hal.advance(2000);
    c.take();
    c.hal.inject(c.gw.downlink({ type: "relay", port: 3, on: false, reason: REASON_ILLEGAL_LOAD }));
    expect(c.hal.outputs.relay3).toBe(false);
    expect(c.dev.state[3]).toBe(PORT_CUT_ILLEGAL_LOAD);
    expect(c.events().find((e) => e.event === CHARGER_EVENT_CUT)).toMatchObject({
      port: 3,
      reason: REASON_ILLEGAL_LOAD,
      powerW: 1000,
    });
  });

  it("rejects an unsigned relay command and a replayed one", () => {
    const c = charger({ gateway: true });
    const off = c.gw.downlink({ type: "relay", port: 0, on: false, reason: REASON_COMMAND });
    c.hal.inject(off);
    expect(c.hal.outputs.relay0).toBe(false);
    c.command({ type: "relay", port: 0, on: true, reason: REASON_COMMAND });
    expect(c.hal.outputs.relay0).toBe(true);
    c.hal.inject(off); // replay
    expect(c.hal.outputs.relay0).toBe(true);
    const bytes = encodeFrame(
      {
        deviceId: ID,
        counter: 100,
        flags: 0,
        msg: { type: "relay", port: 0, on: false, reason: 8 },
      },
      KEY,
      nodeHmac,
    );
    bytes.fill(0, bytes.length - MAC_LENGTH);
    c.hal.inject(frameBytes(bytes));
    expect(c.hal.outputs.relay0).toBe(true);
    expect(c.link.stats[STAT_BAD_MAC]).toBe(1);
    expect(c.link.stats[STAT_DUPLICATE]! + c.link.stats[STAT_REPLAYED]!).toBe(1);
  });

  it("applies a config update to its limits", () => {
    const c = charger({ gateway: true });
    expect(c.command({ type: "config", entries: [{ key: CONFIG_PORT_LIMIT_W, value: 500 }] })).toBe(
      COMMAND_RESULT_OK,
    );
    c.loads[0] = 800;
    c.hal.advance(6000);
    expect(c.dev.state[0]).toBe(PORT_CUT_OVERLOAD);
    expect(c.command({ type: "config", entries: [{ key: 200, value: 1 }] })).toBe(
      COMMAND_RESULT_REJECTED,
    );
  });

  it("refuses new sessions while the gateway says the shed is over its refuse mark, and stops when the hold runs out", () => {
    const c = charger({ gateway: true });
    const refuseFor = (s: number) =>
      c.command({ type: "config", entries: [{ key: CONFIG_REFUSE_SESSIONS_S, value: s }] });
    expect(refuseFor(60)).toBe(COMMAND_RESULT_OK);
    c.loads[0] = 300; // far under this board's own refuse mark
    c.hal.advance(1500);
    expect(c.dev.state[0]).toBe(PORT_CUT_SHED_TOTAL);
    expect(c.events().find((e) => e.port === 0)).toMatchObject({ event: CHARGER_EVENT_REFUSED });
    // The gateway goes quiet: once the hold has run out, new sessions start again.
    c.hal.advance(60000);
    c.loads[1] = 300;
    c.hal.advance(1500);
    expect(c.dev.state[1]).toBe(PORT_CHARGING);
    // Withdrawn at once by a zero hold; the notice is not a stored setting.
    expect(refuseFor(60)).toBe(COMMAND_RESULT_OK);
    expect(refuseFor(0)).toBe(COMMAND_RESULT_OK);
    c.loads[2] = 300;
    c.hal.advance(1500);
    expect(c.dev.state[2]).toBe(PORT_CHARGING);
    expect(c.hal.load("hcfg")).toBeUndefined();
  });
});
