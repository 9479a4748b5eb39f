/**
 * The downlink queue against the BUILT firmware images in the firmware sandbox:
 * urgent sound commands reach a detector that sleeps between its scheduled
 * listening windows (firmware listenEveryS), and a mains charger gets its
 * command once. The radio between them is modelled: a copy reaches the device
 * only when its UART is awake from the frame's first byte to its last.
 */
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type BuildResult, buildFirmware } from "../../firmware/build/build.js";
import { DEFAULT_LISTEN_EVERY_S, type DeviceConfig } from "../../firmware/device-config.js";
import { type FirmwareSandbox, loadFirmware } from "../../firmware/sandbox/sandbox.js";
import { fromHex } from "../../protocol/bytes.js";
import { decodeFrame, verifyFrame } from "../../protocol/codec.js";
import {
  COMMAND_RESULT_OK,
  OTA_OP_QUERY,
  REASON_COMMAND,
  SOUND_FIRE,
  SOUND_STOP,
} from "../../protocol/constants.js";
import { Deframer } from "../../protocol/framing.js";
import type { CommandAckMsg, DownlinkMsg } from "../../protocol/messages.js";
import { tmpDir } from "../../tests/support/services.js";
import { nodeHmac } from "../registry/keys.js";
import { DeviceRegistry } from "../registry/registry.js";
import { type GatewayDatabase, openGatewayDatabase } from "../storage/database.js";
import { PRIORITY_ALARM } from "../types.js";
import { DownlinkCounterStore } from "./counter-store.js";
import { DownlinkQueue } from "./downlink-queue.js";
import { type Link, LinkTable } from "./link.js";

const BAUD = 9600;
/** The gateway service calls DownlinkQueue.tick every 100 ms. */
const TICK_MS = 100;
/** Past the boot status's window, between two scheduled windows (every 5 s, 1.5 s long). */
const SETTLE_MS = 32_000;

const DETECTOR: DeviceConfig = {
  deviceId: 0x5d0000c1,
  kind: "smoke",
  key: "101112131415161718191a1b1c1d1e1f",
  heartbeatS: 14400,
  listenWindowMs: 1500,
  link: { type: "uart", baud: BAUD },
  pins: { smoke: "A0", battery: "A1", buzzer: "B3", test: "B4", tamper: "B5" },
  smoke: {
    alarmLevel: 300,
    confirmSamples: 3,
    sampleIntervalS: 10,
    hushS: 600,
    lowBatteryMv: 2600,
  },
};

/** The detector listening by wake-on-radio (a module sniffing every second, waking the board on B6). */
const WOR_DETECTOR: DeviceConfig = {
  ...DETECTOR,
  listenWindowMs: 1000,
  wakeOnRadio: { sniffEveryMs: 1000 },
  pins: { ...DETECTOR.pins, wake: "B6" },
};

const CHARGER: DeviceConfig = {
  deviceId: 0xc4a700c2,
  kind: "charger",
  key: "202122232425262728292a2b2c2d2e2f",
  heartbeatS: 600,
  listenWindowMs: 0,
  link: { type: "uart", baud: BAUD },
  pins: { temp: "A0", power0: "A1", relay0: "B3" },
  charger: {
    ports: 1,
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

const fire: DownlinkMsg = { type: "sound", mode: SOUND_FIRE, durationS: 0, sourceDeviceId: 7 };

/** Milliseconds a framed downlink takes on the air (10 bits a byte). */
const frameMs = (bytes: Uint8Array) => Math.ceil((bytes.length * 10 * 1000) / BAUD);

/**
 * The radio: one device on it, frames in flight until their last byte is out.
 * With `wake` (a wake-on-radio module: its sniff period and the board pin it
 * raises), a frame after a preamble at least one sniff period long wakes the
 * board by that pin and is handed over; any other frame only reaches a board
 * that is awake anyway.
 */
class Radio implements Link {
  readonly id = "serial:radio";
  /** Every transmission to the device: its time and counter. */
  readonly sent: {
    atMs: number;
    counter: number;
    type: string;
    bytes: number;
    preambleMs: number;
  }[] = [];
  deaf = false;
  private inFlight: { bytes: Uint8Array; awakeAtStart: boolean; woken: boolean; endMs: number }[] =
    [];

  constructor(
    private readonly sandbox: FirmwareSandbox,
    private readonly wake?: { sniffEveryMs: number; pin: string },
  ) {}
  isUp(): boolean {
    return true;
  }
  send(_deviceId: number, framed: Uint8Array, preambleMs = 0): boolean {
    const f = decodeFrame(deframe(framed));
    this.sent.push({
      atMs: this.sandbox.now(),
      counter: f.ok ? f.frame.counter : -1,
      type: f.ok ? f.frame.msg.type : "?",
      bytes: framed.length,
      preambleMs,
    });
    this.inFlight.push({
      bytes: framed,
      awakeAtStart: !this.sandbox.deepSleep,
      woken: this.wake !== undefined && preambleMs >= this.wake.sniffEveryMs,
      endMs: this.sandbox.now() + preambleMs + frameMs(framed),
    });
    return true;
  }
  /** Hands over the frames whose last byte is out by now, if the UART stayed awake or the module woke it. */
  land(): void {
    const now = this.sandbox.now();
    const done = this.inFlight.filter((f) => f.endMs <= now);
    this.inFlight = this.inFlight.filter((f) => f.endMs > now);
    for (const f of done) {
      if (this.deaf) continue;
      if (f.woken && this.wake) {
        this.sandbox.setDigital(this.wake.pin, true);
        this.sandbox.setDigital(this.wake.pin, false);
      } else if (!f.awakeAtStart) continue;
      if (!this.sandbox.deepSleep) this.sandbox.serialInput(f.bytes);
    }
  }
}

function deframe(framed: Uint8Array): Uint8Array {
  let out: Uint8Array = new Uint8Array(0);
  new Deframer((f) => {
    out = f;
  }).push(framed);
  return out;
}

describe("urgent downlinks to built images", () => {
  let detectorImage: BuildResult;
  let chargerImage: BuildResult;
  let worImage: BuildResult;
  let dir: ReturnType<typeof tmpDir>;
  let db: GatewayDatabase;
  let registry: DeviceRegistry;

  beforeAll(async () => {
    [detectorImage, chargerImage, worImage] = await Promise.all([
      buildFirmware({ kind: "smoke", board: "PICO", device: DETECTOR }),
      buildFirmware({ kind: "charger", board: "PICO", device: CHARGER }),
      buildFirmware({ kind: "smoke", board: "PICO", device: WOR_DETECTOR }),
    ]);
  });

  beforeEach(() => {
    dir = tmpDir("haitang-interlink-");
    db = openGatewayDatabase(join(dir.path, "gw.db"));
    registry = new DeviceRegistry(db);
  });

  afterEach(() => {
    db.close();
    dir.remove();
  });

  /** A device image on the radio, wired to a queue the way the gateway service wires it. */
  function rig(
    image: BuildResult,
    config: DeviceConfig,
    sleepy: boolean,
    wor?: { preambleMs: number },
  ) {
    const key = fromHex(config.key)!;
    if (!registry.get(config.deviceId))
      registry.register(
        { deviceId: config.deviceId, kind: config.kind, key, building: "b1", sleepy },
        0,
      );
    registry.noteHeard(config.deviceId, { receiver: "serial:radio" }, 0);
    const sandbox = loadFirmware(image.code, { board: "PICO", seed: 5 });
    const sniff = config.wakeOnRadio?.sniffEveryMs;
    const radio = new Radio(
      sandbox,
      sniff ? { sniffEveryMs: sniff, pin: config.pins.wake! } : undefined,
    );
    const links = new LinkTable();
    links.add(radio);
    const q = new DownlinkQueue({
      lookup: (d) => registry.get(d),
      counters: new DownlinkCounterStore(db),
      links,
      hmac: nodeHmac,
      ...(wor ? { preambleMs: () => wor.preambleMs } : {}),
    });
    const acks: { atMs: number; msg: CommandAckMsg }[] = [];
    /** Every uplink's message type, in order. */
    const uplinks: string[] = [];
    const deframer = new Deframer((raw) => {
      const r = decodeFrame(raw);
      if (!r.ok || !verifyFrame(raw, key, nodeHmac)) throw new Error("bad frame from the device");
      uplinks.push(r.frame.msg.type);
      // As the gateway does: a command-ack confirms (service.accepted), then the device
      // that just sent is listening (pipeline onHeard).
      if (r.frame.msg.type === "command-ack") {
        acks.push({ atMs: sandbox.now(), msg: r.frame.msg });
        q.commandAcked(config.deviceId, r.frame.msg.ackedCounter);
      }
      q.deviceHeard(config.deviceId, radio.id, sandbox.now());
    });
    sandbox.onSerialWrite((b) => deframer.push(b));
    /** Runs the clock in 10 ms steps, the queue's tick every 100 ms, landing frames as they end. */
    const run = (ms: number) => {
      const end = sandbox.now() + ms;
      while (sandbox.now() < end) {
        if (sandbox.now() % TICK_MS === 0) q.tick(sandbox.now());
        sandbox.advance(10);
        radio.land();
      }
    };
    return { sandbox, radio, q, acks, uplinks, run };
  }

  function sleepingDetector(
    image = detectorImage,
    config = DETECTOR,
    wor?: { preambleMs: number },
  ) {
    const d = rig(image, config, true, wor);
    d.sandbox.setAnalog("A0", 0.02);
    d.sandbox.setAnalog("A1", 0.47);
    d.sandbox.setDigital("B4", true);
    d.sandbox.setDigital("B5", false);
    d.sandbox.start();
    d.run(SETTLE_MS);
    expect(d.sandbox.deepSleep).toBe(true);
    return d;
  }

  it("reaches a sleeping detector within listenEveryS + one frame time, whatever the phase", () => {
    const everyMs = DEFAULT_LISTEN_EVERY_S * 1000;
    for (let phaseMs = 0; phaseMs < everyMs; phaseMs += 700) {
      const d = sleepingDetector();
      d.run(phaseMs);
      expect(d.sandbox.deepSleep).toBe((SETTLE_MS + phaseMs) % everyMs >= DETECTOR.listenWindowMs);
      const t0 = d.sandbox.now();
      expect(
        d.q.send(
          DETECTOR.deviceId,
          { msg: fire, priority: PRIORITY_ALARM, reason: "interlink" },
          t0,
        ),
      ).toBe("queued");
      d.run(everyMs + 1000);
      const counter = d.radio.sent[0]!.counter;
      const ack = d.acks.find((a) => a.msg.ackedCounter === counter);
      expect(ack?.msg.result).toBe(COMMAND_RESULT_OK);
      const worst = everyMs + frameMs(new Uint8Array(d.radio.sent[0]!.bytes));
      expect(ack!.atMs - t0).toBeLessThanOrEqual(worst);
      expect(d.sandbox.errors).toEqual([]);
    }
  });

  it("sounds the detector, and its command-ack ends the repeats", () => {
    const d = sleepingDetector();
    const buzzer: number[] = [];
    d.sandbox.onPinWrite((pin, high) => {
      if (pin === "B3" && high) buzzer.push(d.sandbox.now());
    });
    const t0 = d.sandbox.now();
    d.q.send(DETECTOR.deviceId, { msg: fire, priority: PRIORITY_ALARM, reason: "interlink" }, t0);
    d.run(10_000);
    expect(buzzer.length).toBeGreaterThanOrEqual(3);
    const copies = d.radio.sent.filter((s) => s.type === "sound").length;
    expect(copies).toBeGreaterThan(1); // asleep at first: resent until a window
    expect(d.q.stats.confirmed).toBe(1);
    expect(d.q.depth()).toBe(0);
    d.run(60_000);
    expect(d.radio.sent.filter((s) => s.type === "sound")).toHaveLength(copies);
    // Sounding keeps the receiver on: the stop goes through with the first copy.
    d.q.send(
      DETECTOR.deviceId,
      { msg: { ...fire, mode: SOUND_STOP }, priority: PRIORITY_ALARM, reason: "stop" },
      d.sandbox.now(),
    );
    d.run(1000);
    expect(d.radio.sent.filter((s) => s.type === "sound")).toHaveLength(copies + 1);
    expect(d.q.stats.confirmed).toBe(2);
    const at = d.sandbox.now();
    d.run(12_000);
    expect(buzzer.filter((t) => t > at)).toEqual([]);
  });

  it("never gives up a sounding while the detector does not answer, past the queue's time to live, until it confirms", () => {
    const d = sleepingDetector();
    d.radio.deaf = true; // out of range (a bad line, a closed door)
    d.q.send(
      DETECTOR.deviceId,
      { msg: fire, priority: PRIORITY_ALARM, reason: "interlink" },
      d.sandbox.now(),
    );
    d.run(16 * 60_000); // beyond the 15-minute time to live of ordinary commands
    d.q.expire(d.sandbox.now());
    const copies = d.radio.sent.filter((s) => s.type === "sound").length;
    expect(copies).toBeGreaterThanOrEqual((16 * 60_000) / 900);
    expect(d.q.pending(DETECTOR.deviceId).map((p) => p.msg.type)).toEqual(["sound"]);
    // Back in range: the next scheduled window hears a copy, the detector confirms, resends stop.
    d.radio.deaf = false;
    d.run(6000);
    expect(d.acks.map((a) => a.msg.ackedCounter)).toContain(d.radio.sent[0]!.counter);
    expect(d.q.depth()).toBe(0);
    const after = d.radio.sent.length;
    d.run(5000);
    expect(d.radio.sent.length).toBe(after);
  });

  it("wakes a wake-on-radio detector, which opens no scheduled windows, only by a preamble at least one sniff period long", () => {
    const config = WOR_DETECTOR;
    const image = worImage;
    const soundAfter = (preambleMs: number) => {
      const d = sleepingDetector(image, config, { preambleMs });
      let awake = 0;
      for (let i = 0; i < 1000; i++) {
        d.run(10);
        if (!d.sandbox.deepSleep) awake++;
      }
      expect(awake).toBe(0); // 10 s without a single scheduled window
      const buzzer: number[] = [];
      d.sandbox.onPinWrite((pin, high) => {
        if (pin === "B3" && high) buzzer.push(d.sandbox.now());
      });
      d.q.send(
        config.deviceId,
        { msg: fire, priority: PRIORITY_ALARM, reason: "interlink" },
        d.sandbox.now(),
      );
      d.run(5000);
      expect(d.sandbox.errors).toEqual([]);
      return { ...d, buzzer };
    };
    const woken = soundAfter(1020);
    expect(woken.radio.sent[0]!.preambleMs).toBe(1020);
    expect(woken.acks.map((a) => a.msg.result)).toEqual([COMMAND_RESULT_OK]);
    expect(woken.buzzer.length).toBeGreaterThan(0);
    // Too short for the sniff period, or none: the module sleeps through every copy.
    for (const preambleMs of [500, 0]) {
      const d = soundAfter(preambleMs);
      expect(d.radio.sent.filter((s) => s.type === "sound").length).toBeGreaterThan(1);
      expect(d.acks).toEqual([]);
      expect(d.buzzer).toEqual([]);
    }
  });

  it("wakes a wake-on-radio detector for a firmware-update query only when asked to (a nudge outside its windows)", () => {
    const config = WOR_DETECTOR;
    const image = worImage;
    const query = { type: "ota-control", op: OTA_OP_QUERY, arg: 0 } as const;
    const askWith = (wake: boolean) => {
      const d = sleepingDetector(image, config, { preambleMs: 1020 });
      d.run(3000);
      const before = d.uplinks.length;
      const sent = d.q.sendBulk(config.deviceId, query, wake);
      d.run(3000);
      expect(d.sandbox.errors).toEqual([]);
      return { sent, answers: d.uplinks.slice(before), radio: d.radio };
    };
    const woken = askWith(true);
    expect(woken.sent?.preambleMs).toBe(1020);
    expect(woken.radio.sent.at(-1)!.preambleMs).toBe(1020);
    expect(woken.answers).toContain("ota-status");
    // Without the preamble (a frame meant for an open window) the sleeping module hears nothing.
    const asleep = askWith(false);
    expect(asleep.sent?.preambleMs).toBe(0);
    expect(asleep.answers).toEqual([]);
  });

  it("sends to a mains charger once: it listens all the time and acks at once, so nothing repeats", () => {
    const c = rig(chargerImage, CHARGER, false);
    c.sandbox.setAnalog("A0", 0.5);
    c.sandbox.start();
    c.run(5000);
    expect(c.sandbox.pinOutput("B3")).toBe(1);
    const relayOff: DownlinkMsg = { type: "relay", port: 0, on: false, reason: REASON_COMMAND };
    expect(
      c.q.send(
        CHARGER.deviceId,
        { msg: relayOff, priority: PRIORITY_ALARM, reason: "cut" },
        c.sandbox.now(),
      ),
    ).toBe("sent");
    c.run(20_000);
    expect(c.sandbox.pinOutput("B3")).toBe(0);
    expect(c.radio.sent.filter((s) => s.type === "relay")).toHaveLength(1);
    expect(c.acks).toHaveLength(1);
    expect(c.q.depth()).toBe(0);
  });
});
