/**
 * The BUILT images (firmware/build buildFirmware, the file that is flashed)
 * running in the firmware sandbox, with this test as the gateway: it decodes
 * what the device writes to Serial1 and answers with signed downlinks.
 */
import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { fromHex } from "../../protocol/bytes.js";
import { encodeFrame } from "../../protocol/codec.js";
import {
  CHARGER_EVENT_CUT,
  COMMAND_RESULT_OK,
  FLAG_ACK_REQUESTED,
  FLAG_RETRANSMISSION,
  MAC_LENGTH,
  PORT_CHARGING,
  PORT_CUT_OVERLOAD,
  REASON_COMMAND,
  REASON_OVERLOAD,
  REASON_SHORT_CIRCUIT,
  SMOKE_ALARM,
  SMOKE_TAMPER,
  SOUND_FIRE,
  SOUND_STOP,
} from "../../protocol/constants.js";
import { Deframer, frameBytes } from "../../protocol/framing.js";
import type {
  ChargerEventMsg,
  ChargerTelemetryMsg,
  CommandAckMsg,
  DownlinkMsg,
  Frame,
  SmokeEventMsg,
} from "../../protocol/messages.js";
import { type BuildResult, buildFirmware } from "../build/build.js";
import { DEFAULT_LISTEN_EVERY_S, type DeviceConfig } from "../device-config.js";
import { FakeGateway } from "../hal/fake-gateway.js";
import { type FirmwareSandbox, loadFirmware } from "../sandbox/sandbox.js";

const nodeHmac = (key: Uint8Array, data: Uint8Array) =>
  new Uint8Array(createHmac("sha256", key).update(data).digest());

const CHARGER: DeviceConfig = {
  deviceId: 0xc4a70001,
  kind: "charger",
  key: "5a5b5c5d5e5f60616263646566676869",
  heartbeatS: 600,
  listenWindowMs: 0,
  link: { type: "uart", baud: 9600 },
  pins: {
    temp: "A0",
    power0: "A1",
    power1: "A2",
    power2: "A3",
    relay0: "B3",
    relay1: "B4",
    relay2: "B5",
    short0: "B8",
    short1: "B9",
    short2: "B10",
  },
  charger: {
    ports: 3,
    portLimitW: 1100,
    portOverloadS: 3,
    shedLimitW: 8700,
    shedRefuseW: 8000,
    overTempDeciC: 650,
    overTempHysteresisDeciC: 100,
    shortCircuitW: 3000,
    fullChargeW: 30,
    fullChargeS: 300,
    sessionMaxS: 43200,
    telemetryIntervalS: 30,
  },
};

const SMOKE: DeviceConfig = {
  deviceId: 0x5d0000a1,
  kind: "smoke",
  key: "000102030405060708090a0b0c0d0e0f",
  heartbeatS: 3600,
  listenWindowMs: 1500,
  link: { type: "uart", baud: 9600 },
  pins: { smoke: "A0", battery: "A1", buzzer: "B3", test: "B4", tamper: "B5" },
  smoke: {
    alarmLevel: 300,
    confirmSamples: 3,
    sampleIntervalS: 10,
    hushS: 600,
    lowBatteryMv: 2600,
  },
};

/** Nine ports on an Espruino WiFi: one ADC channel each, the tenth for the NTC. */
function ninePorts(): DeviceConfig {
  const analog = ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "B0", "B1"];
  const digital = ["A8", "A9", "A10", "A13", "A14", "A15", "B3", "B4", "B5"];
  const pins: { [role: string]: string } = { temp: "A0" };
  for (let i = 0; i < 9; i++) {
    pins[`power${i}`] = analog[i]!;
    pins[`relay${i}`] = digital[i]!;
  }
  return { ...CHARGER, deviceId: 0xc4a70009, pins, charger: { ...CHARGER.charger!, ports: 9 } };
}

interface Device {
  sandbox: FirmwareSandbox;
  gw: FakeGateway;
  /** Every frame the device sent, with the clock time. */
  frames: { atMs: number; frame: Frame }[];
  /** Downlink as the gateway: signed with the device key, the gateway's next counter. */
  send(msg: DownlinkMsg, counter?: number): void;
  /** Ack every ack-requested frame from now on, as it is sent. */
  ackAll(): void;
}

function boot(image: BuildResult, config: DeviceConfig, board = "PICO"): Device {
  const key = fromHex(config.key)!;
  const sandbox = loadFirmware(image.code, { board, seed: 3 });
  const gw = new FakeGateway(config.deviceId, key, nodeHmac);
  const frames: Device["frames"] = [];
  let acking = false;
  const deframer = new Deframer((bytes) => {
    const [frame] = gw.decode([frameBytes(bytes)]); // throws on a bad MAC
    frames.push({ atMs: sandbox.now(), frame: frame! });
    if (acking && frame!.flags & FLAG_ACK_REQUESTED) sandbox.serialInput(gw.ack(frame!.counter));
  });
  sandbox.onSerialWrite((b) => deframer.push(b));
  return {
    sandbox,
    gw,
    frames,
    send: (msg, counter) => sandbox.serialInput(gw.downlink(msg, counter)),
    ackAll: () => {
      acking = true;
    },
  };
}

const events = (d: Device) =>
  d.frames
    .filter((f) => f.frame.msg.type === "charger-event")
    .map((f) => f.frame.msg as ChargerEventMsg);
const lastAck = (d: Device) => {
  const acks = d.frames.filter((f) => f.frame.msg.type === "command-ack");
  return acks[acks.length - 1]?.frame.msg as CommandAckMsg | undefined;
};

let chargerImage: BuildResult;
let smokeImage: BuildResult;

beforeAll(async () => {
  [chargerImage, smokeImage] = await Promise.all([
    buildFirmware({ kind: "charger", board: "PICO", device: CHARGER, version: "2.1.0" }),
    buildFirmware({ kind: "smoke", board: "PICO", device: SMOKE, version: "2.1.0" }),
  ]);
});

/** A charger's frame waits for the bus: the device gap plus at most 32 backoff slots at 9,600 baud. */
const BUS_TURN_MS = 110;

describe("built charger image", () => {
  function charger(): Device {
    const d = boot(chargerImage, CHARGER);
    d.sandbox.setAnalog("A0", 0.5); // NTC at 25 °C
    d.sandbox.start();
    return d;
  }

  it("cuts an overloaded port with the gateway absent and reports the cut until acked", () => {
    const d = charger();
    d.sandbox.setAnalog("A2", 600 / 4095); // port 1 charging at 600 W
    d.sandbox.advance(5000);
    expect(d.sandbox.pinOutput("B4")).toBe(1);
    d.sandbox.setAnalog("A2", 1400 / 4095);
    const overloadAt = d.sandbox.now();
    d.sandbox.advance(5000);
    expect(d.sandbox.pinOutput("B4")).toBe(0);
    expect(d.sandbox.pinOutput("B3")).toBe(1);
    const cuts = d.frames.filter(
      (f) =>
        f.frame.msg.type === "charger-event" &&
        (f.frame.msg as ChargerEventMsg).event === CHARGER_EVENT_CUT,
    );
    expect(cuts[0]!.frame.msg).toMatchObject({ port: 1, reason: REASON_OVERLOAD, powerW: 1400 });
    expect(cuts[0]!.atMs - overloadAt).toBeLessThanOrEqual(5000);
    // No gateway: the same cut goes out again, flagged as a retransmission.
    d.sandbox.advance(20000);
    const again = d.frames.filter(
      (f) =>
        f.frame.msg.type === "charger-event" &&
        (f.frame.msg as ChargerEventMsg).event === CHARGER_EVENT_CUT,
    );
    expect(again.length).toBeGreaterThan(1);
    expect(again[1]!.frame.flags & FLAG_RETRANSMISSION).toBeTruthy();
    // The gateway comes back and acks: the retries stop.
    d.ackAll();
    d.sandbox.advance(120000);
    const settled = events(d).length;
    d.sandbox.advance(300000);
    expect(events(d).length).toBe(settled);
    const tele = d.frames.filter((f) => f.frame.msg.type === "charger-telemetry");
    const last = tele[tele.length - 1]!.frame.msg as ChargerTelemetryMsg;
    expect(last.ports.map((p) => p.state)).toEqual([0, PORT_CUT_OVERLOAD, 0]);
    expect(d.sandbox.errors).toEqual([]);
  });

  it("cuts a port at once when its over-current comparator trips", () => {
    const d = charger();
    d.sandbox.setAnalog("A3", 800 / 4095);
    d.sandbox.advance(3000);
    d.sandbox.setDigital("B10", true);
    d.sandbox.advance(0);
    expect(d.sandbox.pinOutput("B5")).toBe(0);
    // Its report waits for the bus: silence, then at most 32 backoff slots (about 103 ms).
    d.sandbox.advance(BUS_TURN_MS);
    expect(events(d).find((e) => e.event === CHARGER_EVENT_CUT)).toMatchObject({
      port: 2,
      reason: REASON_SHORT_CIRCUIT,
    });
  });

  it("obeys a signed relay command and rejects a replayed or unsigned one", () => {
    const d = charger();
    d.ackAll();
    d.sandbox.advance(2000);
    const off = d.gw.downlink({ type: "relay", port: 0, on: false, reason: REASON_COMMAND }, 20);
    d.sandbox.serialInput(off);
    d.sandbox.advance(BUS_TURN_MS);
    expect(d.sandbox.pinOutput("B3")).toBe(0);
    expect(lastAck(d)).toEqual({
      type: "command-ack",
      ackedCounter: 20,
      result: COMMAND_RESULT_OK,
    });
    d.send({ type: "relay", port: 0, on: true, reason: REASON_COMMAND }, 21);
    d.sandbox.advance(10);
    expect(d.sandbox.pinOutput("B3")).toBe(1);
    // The captured "off" frame, replayed: refused.
    d.sandbox.serialInput(off);
    d.sandbox.advance(2000);
    expect(d.sandbox.pinOutput("B3")).toBe(1);
    // Unsigned (zeroed MAC) with a fresh counter: refused.
    const bytes = encodeFrame(
      {
        deviceId: CHARGER.deviceId,
        counter: 30,
        flags: 0,
        msg: { type: "relay", port: 0, on: false, reason: 8 },
      },
      fromHex(CHARGER.key)!,
      nodeHmac,
    );
    bytes.fill(0, bytes.length - MAC_LENGTH);
    d.sandbox.serialInput(frameBytes(bytes));
    d.sandbox.advance(2000);
    expect(d.sandbox.pinOutput("B3")).toBe(1);
    // After a reboot the replay is still refused.
    d.sandbox.reboot();
    d.sandbox.setAnalog("A0", 0.5);
    d.sandbox.advance(1000);
    d.sandbox.serialInput(off);
    d.sandbox.advance(2000);
    expect(d.sandbox.pinOutput("B3")).toBe(1);
    expect(d.sandbox.errors).toEqual([]);
  });

  it("keeps a cut port off through a watchdog reboot, and never reuses a counter", () => {
    const d = charger();
    d.sandbox.setAnalog("A1", 3500 / 4095); // short circuit on port 0
    d.sandbox.advance(1000);
    expect(d.sandbox.pinOutput("B3")).toBe(0);
    d.sandbox.setAnalog("A1", 0);
    d.sandbox.reboot("watchdog");
    d.sandbox.setAnalog("A0", 0.5);
    d.sandbox.advance(5000);
    expect(d.sandbox.pinOutput("B3")).toBe(0);
    expect(d.sandbox.pinOutput("B4")).toBe(1);
    const counters = d.frames.map((f) => f.frame.counter);
    expect(new Set(counters).size).toBe(counters.length);
  });

  it("reports nine ports in one telemetry frame on an Espruino WiFi", async () => {
    const config = ninePorts();
    const image = await buildFirmware({ kind: "charger", board: "WIFI", device: config });
    const d = boot(image, config, "WIFI");
    d.sandbox.setAnalog("A0", 0.5);
    d.sandbox.start();
    d.sandbox.setAnalog("B1", 450 / 4095); // port 8
    d.sandbox.advance(31000);
    const tele = d.frames.find((f) => f.frame.msg.type === "charger-telemetry")!.frame
      .msg as ChargerTelemetryMsg;
    expect(tele.ports).toHaveLength(9);
    expect(tele.ports[8]).toMatchObject({ powerW: 450, state: PORT_CHARGING, relayOn: true });
    expect(tele.tempDeciC).toBe(250);
    expect(d.sandbox.errors).toEqual([]);
  });
});

describe("built smoke detector image", () => {
  function detector(): Device {
    const d = boot(smokeImage, SMOKE);
    d.sandbox.setAnalog("A0", 0.02); // clean air: chamber baseline
    d.sandbox.setAnalog("A1", 0.47); // 3,100 mV
    d.sandbox.setDigital("B4", true); // button released
    d.sandbox.setDigital("B5", false); // on its base
    d.sandbox.start();
    return d;
  }
  const alarms = (d: Device) =>
    d.frames.filter(
      (f) =>
        f.frame.msg.type === "smoke-event" && (f.frame.msg as SmokeEventMsg).event === SMOKE_ALARM,
    );

  it("retries an alarm with back-off until the gateway's signed ack, listening all through the alarm", () => {
    const d = detector();
    d.sandbox.advance(22000);
    // Asleep between samples (and outside the scheduled windows, every 5 s for 1.5 s).
    expect(d.sandbox.deepSleep).toBe(true);
    d.sandbox.setAnalog("A0", 0.3); // 6 %/m
    d.sandbox.advance(60000);
    expect(d.sandbox.deepSleep).toBe(false); // sounding: the receiver stays on
    const tries = alarms(d);
    expect(tries.length).toBeGreaterThanOrEqual(4);
    expect(tries.every((t) => t.frame.flags & FLAG_ACK_REQUESTED)).toBe(true);
    expect(tries.slice(1).every((t) => t.frame.flags & FLAG_RETRANSMISSION)).toBe(true);
    const ids = new Set(tries.map((t) => (t.frame.msg as SmokeEventMsg).eventId));
    expect(ids.size).toBe(1);
    const gaps = tries.slice(1).map((t, i) => t.atMs - tries[i]!.atMs);
    expect(gaps[gaps.length - 1]!).toBeGreaterThan(gaps[0]!);
    // The gateway acks the latest attempt, seconds after it went out.
    d.sandbox.advance(3000);
    d.sandbox.serialInput(d.gw.ack(alarms(d).pop()!.frame.counter));
    const settled = alarms(d).length;
    d.sandbox.advance(1800000); // still smoky: no new alarm, no retry
    expect(alarms(d).length).toBe(settled);
    expect(d.sandbox.errors).toEqual([]);
  });

  it("hears a downlink only in the listening window after an uplink while quiet", () => {
    const d = detector();
    d.sandbox.advance(30000);
    d.sandbox.setDigital("B5", true); // removed from its base
    d.sandbox.advance(100); // past the 50 ms debounce
    const tamper = d.frames[d.frames.length - 1]!;
    expect(tamper.frame.msg).toMatchObject({ type: "smoke-event", event: SMOKE_TAMPER });
    d.sandbox.advance(SMOKE.listenWindowMs + 100);
    d.sandbox.serialInput(d.gw.ack(tamper.frame.counter)); // too late: radio off
    d.sandbox.advance(3000);
    const retry = d.frames[d.frames.length - 1]!;
    expect(retry.frame.flags & FLAG_RETRANSMISSION).toBeTruthy();
    expect(retry.frame.msg).toEqual(tamper.frame.msg);
    d.sandbox.advance(200);
    d.sandbox.serialInput(d.gw.ack(retry.frame.counter)); // inside the window
    const n = d.frames.length;
    d.sandbox.advance(600000);
    expect(d.frames.slice(n).filter((f) => f.frame.msg.type === "smoke-event")).toEqual([]);
  });

  it("keeps the UART awake for the listening window after its boot status, then sleeps", () => {
    const d = detector();
    expect(d.frames[0]!.frame.msg.type).toBe("status");
    expect(d.sandbox.deepSleep).toBe(false);
    d.sandbox.advance(SMOKE.listenWindowMs + 100);
    expect(d.sandbox.deepSleep).toBe(true);
  });

  it("hears a repeated fire command while asleep between samples, within listenEveryS, and acks it", () => {
    const d = detector();
    d.sandbox.advance(22000); // past the boot window, between scheduled windows (every 5 s)
    expect(d.sandbox.deepSleep).toBe(true);
    // The gateway's side (gateway/downlink): one signed frame, resent every 800 ms until the
    // command-ack names its counter. A sleeping UART hears nothing: a copy only arrives
    // when the receiver is on from its first byte (t) to its last (t + frame time).
    const counter = d.gw.counter;
    const wire = d.gw.downlink({
      type: "sound",
      mode: SOUND_FIRE,
      durationS: 0,
      sourceDeviceId: 0x5d0000a2,
    });
    const frameMs = Math.ceil((wire.length * 10 * 1000) / SMOKE.link.baud);
    const sentAt = d.sandbox.now();
    let copies = 0;
    let heardMs = -1;
    while (d.sandbox.now() - sentAt < 60000 && heardMs < 0) {
      copies++;
      const awake = !d.sandbox.deepSleep;
      d.sandbox.advance(frameMs);
      if (awake && !d.sandbox.deepSleep) d.sandbox.serialInput(wire);
      d.sandbox.advance(0);
      if (lastAck(d)?.ackedCounter === counter) heardMs = d.sandbox.now() - sentAt;
      else d.sandbox.advance(800 - frameMs);
    }
    expect(heardMs).toBeGreaterThan(0);
    expect(heardMs).toBeLessThanOrEqual(DEFAULT_LISTEN_EVERY_S * 1000 + frameMs);
    expect(copies).toBeGreaterThan(1); // the first copies found it asleep
    expect(lastAck(d)?.result).toBe(COMMAND_RESULT_OK);
    const buzzer: number[] = [];
    d.sandbox.onPinWrite((pin, high) => {
      if (pin === "B3" && high) buzzer.push(d.sandbox.now());
    });
    d.sandbox.advance(4000);
    expect(buzzer.length).toBeGreaterThanOrEqual(3); // temporal-three fire pattern
    expect(d.sandbox.errors).toEqual([]);
  });

  it("sounds for another flat's fire relayed by the gateway, and stops when told", () => {
    const d = detector();
    d.sandbox.advance(1000); // inside the listening window after the boot status
    const writes: number[] = [];
    d.sandbox.onPinWrite((pin, high) => {
      if (pin === "B3" && high) writes.push(d.sandbox.now());
    });
    d.send({ type: "sound", mode: SOUND_FIRE, durationS: 0, sourceDeviceId: 0x5d0000a2 });
    d.sandbox.advance(6000);
    expect(writes.length).toBeGreaterThanOrEqual(3);
    expect(lastAck(d)?.result).toBe(COMMAND_RESULT_OK);
    // Sounding keeps the receiver on: the stop gets through at any time.
    d.send({ type: "sound", mode: SOUND_STOP, durationS: 0, sourceDeviceId: 0 });
    d.sandbox.advance(10);
    const n = writes.length;
    d.sandbox.advance(10000);
    expect(writes.length).toBe(n);
    expect(d.sandbox.pinOutput("B3")).toBe(0);
  });
});

describe("built guardian image on a board without a native SHA-256", () => {
  const GUARDIAN: DeviceConfig = {
    deviceId: 0x6a000001,
    kind: "guardian",
    key: "0123456789abcdef0123456789abcdef",
    heartbeatS: 900,
    listenWindowMs: 0,
    link: { type: "uart", baud: 9600 },
    pins: { battery: "A0", door: "B4", motion: "B5" },
    guardian: { reportIntervalS: 900 },
  };

  it("fits the Original with the plain-JS SHA-256, and its frames verify", async () => {
    // buildFirmware refuses an image over the board's Storage or its measured JsVars.
    const image = await buildFirmware({ kind: "guardian", board: "ORIGINAL", device: GUARDIAN });
    expect(image.bytes).toBeLessThanOrEqual(image.report.budgetBytes);
    expect(image.report.memory?.jsVars).toBe(2756);
    expect(image.code).toContain("4294967296"); // the plain-JS SHA-256 is in it
    const d = boot(image, GUARDIAN, "ORIGINAL");
    d.sandbox.setAnalog("A0", 0.5);
    d.sandbox.setDigital("B4", false); // door closed: the reed pulls it low
    d.sandbox.start();
    d.sandbox.advance(1000);
    d.sandbox.setDigital("B4", true); // the door opens
    d.sandbox.advance(900_000); // counted, and reported at the next report
    // Each frame's MAC was checked (plain-JS HMAC on the device, node:crypto here).
    const report = d.frames.find((f) => f.frame.msg.type === "guardian-activity");
    expect(d.frames[0]!.frame.msg.type).toBe("status");
    expect(report?.frame.msg).toMatchObject({ doorOpens: 1, batteryMv: 3300 });
    expect(d.sandbox.errors).toEqual([]);
  });

  it("is refused on an ESP8266: its 1,600 JsVars are too few, as measured", async () => {
    const device = { ...GUARDIAN, pins: { battery: "A0", door: "D4", motion: "D5" } };
    await expect(buildFirmware({ kind: "guardian", board: "ESP8266", device })).rejects.toThrow(
      /board ESP8266 does not support kind 'guardian' \(it supports no device kind\): 1,600 JsVars are too few/,
    );
  });
});
