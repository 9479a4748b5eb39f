import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fromHex } from "../../protocol/bytes.js";
import {
  CONFIG_SMOKE_ALARM_LEVEL,
  FLAG_ACK_REQUESTED,
  FLAG_RETRANSMISSION,
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
  SOUND_SELF_TEST,
  SOUND_STOP,
} from "../../protocol/constants.js";
import type { DownlinkMsg, Frame, SmokeEventMsg } from "../../protocol/messages.js";
import { FakeGateway } from "../hal/fake-gateway.js";
import { FakeHal } from "../hal/fake-hal.js";
import { createLink } from "./link.js";
import {
  AGE_FILE,
  createSmokeDetector,
  END_OF_LIFE_S,
  MODE_ALARM,
  MODE_HUSH,
  MODE_NORMAL,
  SMOKE_FULL_SCALE,
  type SmokeSettings,
} from "./smoke-detector.js";
import { BATTERY_FULL_SCALE_MV } from "./status.js";

const nodeHmac = (key: Uint8Array, data: Uint8Array) =>
  new Uint8Array(createHmac("sha256", key).update(data).digest());
const KEY = fromHex("0f0e0d0c0b0a09080706050403020100")!;
const ID = 0x10203040;

/**
 * A detector wired as the app wires it, with a fake gateway that acks every
 * ack-requested frame as it is taken (unless `autoAck` is false).
 */
function detector(
  over: Partial<SmokeSettings> = {},
  files: { [k: string]: string } = {},
  autoAck = true,
  listenEveryMs = 0,
) {
  const hal = new FakeHal(["smoke", "battery", "buzzer", "test", "tamper"], files);
  hal.analogs.smoke = 40 / SMOKE_FULL_SCALE; // clean air: a small chamber baseline
  hal.analogs.battery = 3000 / BATTERY_FULL_SCALE_MV;
  hal.digitals.test = true;
  hal.digitals.tamper = false;
  const settings: SmokeSettings = {
    alarmLevel: 300,
    confirmSamples: 3,
    sampleIntervalS: 10,
    hushS: 600,
    lowBatteryMv: 2600,
    heartbeatS: 3600,
    listenWindowMs: 0,
    ...over,
  };
  const gw = new FakeGateway(ID, KEY, nodeHmac);
  const link = createLink(hal, ID, KEY, settings, listenEveryMs, 300000, (msg, now) =>
    dev.command(msg, now),
  );
  // As the app does: sleep between samples, allowed before the first uplink.
  if (settings.listenWindowMs > 0) hal.deepSleep(true);
  link.start();
  const dev = createSmokeDetector(
    hal,
    link,
    { deviceKind: 1, firmwareVersion: "1.2.3", resetCause: 0 },
    settings,
  );
  dev.start(hal.nowMs());
  const loop = () => hal.after(dev.tick(hal.nowMs()), loop);
  loop();
  const log: Frame[] = [];
  const take = () => {
    const fs = gw.decode(hal.takeSent());
    log.push(...fs);
    if (autoAck)
      for (const f of fs) if (f.flags & FLAG_ACK_REQUESTED) hal.inject(gw.ack(f.counter));
    return fs;
  };
  const events = () =>
    take()
      .filter((f) => f.msg.type === "smoke-event")
      .map((f) => f.msg as SmokeEventMsg);
  const smoke = (level: number) => {
    hal.analogs.smoke = level / SMOKE_FULL_SCALE;
  };
  const command = (msg: DownlinkMsg) => hal.inject(gw.downlink(msg));
  /** Buzzer tone lengths (ms) since `fromMs`. */
  const tones = (fromMs = 0) => {
    const out: number[] = [];
    let on = -1;
    for (const c of hal.changes) {
      if (c.role !== "buzzer" || c.atMs < fromMs) continue;
      if (c.high) on = c.atMs;
      else if (on >= 0) {
        out.push(c.atMs - on);
        on = -1;
      }
    }
    return out;
  };
  return { hal, dev, gw, link, log, take, events, smoke, command, tones, settings };
}

describe("smoke detector: alarm", () => {
  it("alarms only after the smoke level is confirmed over several samples", () => {
    const d = detector();
    d.take();
    d.smoke(400);
    d.hal.advance(10000); // first sample over the level
    expect(d.events()).toEqual([]);
    d.hal.advance(1000); // confirmation samples come every second
    expect(d.events()).toEqual([]);
    d.hal.advance(1000);
    const [ev] = d.events();
    expect(ev).toMatchObject({ event: SMOKE_ALARM, smokeLevel: 400 });
    expect(d.dev.mode()).toBe(MODE_ALARM);
    expect(d.hal.outputs.buzzer).toBe(true);
  });

  it("ignores a single spike of smoke", () => {
    const d = detector();
    d.take();
    d.smoke(900);
    d.hal.advance(10000);
    d.smoke(40);
    d.hal.advance(60000);
    expect(d.events()).toEqual([]);
    expect(d.tones()).toEqual([]);
  });

  it("sounds the temporal-three fire pattern while in alarm", () => {
    const d = detector();
    d.smoke(500);
    d.hal.advance(12000);
    const start = d.hal.timeMs;
    d.hal.advance(8000);
    const t = d.tones(start);
    expect(t.length).toBeGreaterThanOrEqual(6);
    expect(t.every((ms) => ms === 500)).toBe(true);
  });

  it("retries the alarm with one eventId until the gateway acks it", () => {
    const d = detector({}, {}, false);
    d.take();
    d.smoke(500);
    d.hal.advance(12000);
    d.hal.advance(10000);
    const frames = d.take().filter((f) => f.msg.type === "smoke-event");
    expect(frames.length).toBeGreaterThanOrEqual(3);
    const ids = new Set(frames.map((f) => (f.msg as SmokeEventMsg).eventId));
    expect(ids.size).toBe(1);
    expect(frames[0]!.flags).toBe(FLAG_ACK_REQUESTED);
    expect(frames[1]!.flags).toBe(FLAG_ACK_REQUESTED | FLAG_RETRANSMISSION);
    d.hal.inject(d.gw.ack(frames[frames.length - 1]!.counter));
    d.hal.advance(600000);
    expect(d.take().filter((f) => f.msg.type === "smoke-event")).toEqual([]);
  });

  it("clears when the smoke falls, with a new eventId", () => {
    const d = detector();
    d.smoke(500);
    d.hal.advance(12000);
    const [alarm] = d.events();
    d.smoke(50);
    d.hal.advance(3000);
    const clear = d.events().find((e) => e.event === SMOKE_CLEAR);
    expect(clear).toBeDefined();
    expect(clear!.eventId).not.toBe(alarm!.eventId);
    expect(d.dev.mode()).toBe(MODE_NORMAL);
    expect(d.hal.outputs.buzzer).toBe(false);
  });
});

describe("smoke detector: hush", () => {
  function alarmed(over: Partial<SmokeSettings> = {}) {
    const d = detector(over);
    d.smoke(400);
    d.hal.advance(12000);
    d.take();
    return d;
  }

  it("hushes from the test button and sounds again when hush ends with smoke still there", () => {
    const d = alarmed({ hushS: 300 });
    d.hal.setPin("test", false);
    d.hal.setPin("test", true);
    expect(d.events().map((e) => e.event)).toEqual([SMOKE_HUSH]);
    expect(d.dev.mode()).toBe(MODE_HUSH);
    const hushAt = d.hal.timeMs;
    d.hal.advance(299000);
    expect(d.tones(hushAt + 1)).toEqual([]);
    d.hal.advance(2000);
    expect(d.events().map((e) => e.event)).toContain(SMOKE_ALARM);
    expect(d.dev.mode()).toBe(MODE_ALARM);
  });

  it("never hushes for longer than 10 minutes, whatever the config says", () => {
    const d = alarmed({ hushS: 3600 });
    d.command({ type: "sound", mode: SOUND_HUSH, durationS: 0, sourceDeviceId: 0 });
    expect(d.dev.mode()).toBe(MODE_HUSH);
    d.hal.advance(601000);
    expect(d.dev.mode()).toBe(MODE_ALARM);
  });

  it("alarms again at once when smoke keeps rising during hush", () => {
    const d = alarmed();
    d.hal.setPin("test", false);
    d.take();
    d.smoke(600);
    d.hal.advance(1000);
    expect(d.events().map((e) => e.event)).toEqual([SMOKE_ALARM]);
    expect(d.hal.outputs.buzzer).toBe(true);
  });

  it("clears from hush when the smoke goes away", () => {
    const d = alarmed();
    d.hal.setPin("test", false);
    d.take();
    d.smoke(30);
    d.hal.advance(3000);
    expect(d.events().map((e) => e.event)).toEqual([SMOKE_CLEAR]);
    expect(d.dev.mode()).toBe(MODE_NORMAL);
  });
});

describe("smoke detector: self-test, faults, tamper, heartbeat", () => {
  it("runs a self-test from the button and from a downlink", () => {
    const d = detector();
    d.take();
    d.hal.setPin("test", false);
    expect(d.events().map((e) => e.event)).toEqual([SMOKE_SELF_TEST_OK]);
    d.hal.advance(4000);
    expect(d.tones()).toContain(500);
    d.command({ type: "sound", mode: SOUND_SELF_TEST, durationS: 0, sourceDeviceId: 0 });
    expect(d.events().map((e) => e.event)).toEqual([SMOKE_SELF_TEST_OK]);
  });

  it("fails the self-test on a low battery", () => {
    const d = detector();
    d.take();
    d.hal.analogs.battery = 2400 / BATTERY_FULL_SCALE_MV;
    d.hal.setPin("test", false);
    expect(d.events().map((e) => e.event)).toEqual([SMOKE_SELF_TEST_FAIL]);
  });

  it("reports a low battery and chirps a fault pattern unlike the fire pattern", () => {
    const d = detector();
    d.take();
    d.hal.analogs.battery = 2500 / BATTERY_FULL_SCALE_MV;
    d.hal.advance(30000);
    const evs = d.events();
    expect(evs.map((e) => e.event)).toEqual([SMOKE_LOW_BATTERY]);
    expect(evs[0]!.batteryMv).toBeGreaterThan(2450);
    d.hal.advance(200000);
    const t = d.tones();
    expect(t.length).toBeGreaterThanOrEqual(4); // about every 45 s
    expect(t.every((ms) => ms < 100)).toBe(true);
  });

  it("reports a dead chamber as a fault, not a fire", () => {
    const d = detector();
    d.take();
    d.smoke(0);
    d.hal.advance(30000);
    expect(d.events().map((e) => e.event)).toEqual([SMOKE_FAULT]);
    expect(d.dev.mode()).toBe(MODE_NORMAL);
  });

  it("reports end of life after ten years of operation", () => {
    const d = detector({}, { [AGE_FILE]: String(END_OF_LIFE_S) });
    expect(d.events().map((e) => e.event)).toContain(SMOKE_END_OF_LIFE);
  });

  it("reports removal from its base and return, chirping when removed", () => {
    const d = detector();
    d.take();
    d.hal.setPin("tamper", true);
    expect(d.events().map((e) => e.event)).toEqual([SMOKE_TAMPER]);
    d.hal.advance(100);
    expect(d.tones()).toEqual([60]);
    d.hal.setPin("tamper", false);
    expect(d.events().map((e) => e.event)).toEqual([SMOKE_TAMPER_CLEAR]);
  });

  it("sends a status heartbeat at boot, then at most heartbeatS apart at a random point of the period's last fifth, and at least daily", () => {
    const d = detector({ heartbeatS: 3600 });
    const boot = d.take().filter((f) => f.msg.type === "status");
    expect(boot.length).toBe(1);
    expect(boot[0]!.msg).toMatchObject({ deviceKind: 1, fwMajor: 1, fwMinor: 2, fwPatch: 3 });
    const at: number[] = [0];
    for (let t = 10; t <= 24 * 3600; t += 10) {
      d.hal.setRandom((t * 0.0618) % 1); // what the radio's noise would give, varying
      d.hal.advance(10_000);
      const n = d.take().filter((f) => f.msg.type === "status").length;
      expect(n).toBeLessThanOrEqual(1);
      if (n === 1) at.push(t);
    }
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(24);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(0.8 * 3600);
      expect(g).toBeLessThanOrEqual(3600 + 10); // the sample tick after the due time
    }
    // Spread, so that detectors started together drift apart (one fixed period would not).
    expect(new Set(gaps).size).toBeGreaterThan(5);
    const daily = detector({ heartbeatS: 200000 });
    daily.hal.advance((2 * 86400 + 60) * 1000);
    expect(daily.take().filter((f) => f.msg.type === "status").length).toBe(3); // boot, <= 24 h, <= 48 h
  });

  it("applies a signed config update", () => {
    const d = detector();
    d.command({ type: "config", entries: [{ key: CONFIG_SMOKE_ALARM_LEVEL, value: 800 }] });
    expect(d.settings.alarmLevel).toBe(800);
    d.smoke(500);
    d.hal.advance(60000);
    expect(d.events().filter((e) => e.event === SMOKE_ALARM)).toEqual([]);
  });
});

describe("smoke detector: interlink", () => {
  const sound = (mode: number, durationS = 0): DownlinkMsg => ({
    type: "sound",
    mode,
    durationS,
    sourceDeviceId: 0xabc,
  });

  it("sounds the fire pattern when the gateway relays another flat's fire, without an alarm of its own", () => {
    const d = detector();
    d.take();
    d.command(sound(SOUND_FIRE));
    d.hal.advance(5000);
    expect(d.tones().filter((t) => t === 500).length).toBeGreaterThanOrEqual(3);
    expect(d.events()).toEqual([]);
    expect(d.dev.mode()).toBe(MODE_NORMAL);
  });

  it("stops interlinked sounding on SOUND_STOP and on SOUND_HUSH", () => {
    for (const stop of [SOUND_STOP, SOUND_HUSH]) {
      const d = detector();
      d.command(sound(SOUND_FIRE));
      d.hal.advance(2000);
      d.command(sound(stop));
      const at = d.hal.timeMs;
      d.hal.advance(10000);
      expect(d.tones(at + 1)).toEqual([]);
      expect(d.hal.outputs.buzzer).toBe(false);
    }
  });

  it("stops interlinked sounding after its duration", () => {
    const d = detector();
    d.command(sound(SOUND_FIRE, 10));
    d.hal.advance(15000);
    const at = d.hal.timeMs;
    d.hal.advance(10000);
    expect(d.tones(at)).toEqual([]);
  });

  it("keeps sounding its own alarm when the gateway says stop", () => {
    const d = detector();
    d.smoke(500);
    d.hal.advance(12000);
    d.command(sound(SOUND_STOP));
    expect(d.dev.mode()).toBe(MODE_ALARM);
    expect(d.hal.outputs.buzzer || d.tones(d.hal.timeMs - 2000).length > 0).toBe(true);
    const at = d.hal.timeMs;
    d.hal.advance(4000);
    expect(d.tones(at).length).toBeGreaterThan(0);
  });
});

describe("smoke detector: listening schedule (interlink to a sleeping detector)", () => {
  const LISTEN_EVERY_MS = 5000;
  const WINDOW_MS = 1500;
  /** A sound frame of about 29 bytes at 9600 baud. */
  const FRAME_MS = 30;
  /** The gateway's repeat interval for urgent downlinks (gateway/downlink): min(every / 2, window - frame). */
  const REPEAT_MS = Math.min(LISTEN_EVERY_MS / 2, WINDOW_MS - FRAME_MS);
  const fire: DownlinkMsg = {
    type: "sound",
    mode: SOUND_FIRE,
    durationS: 0,
    sourceDeviceId: 0xabc,
  };

  /**
   * The gateway's side: the same signed frame sent every REPEAT_MS until the
   * command-ack for its counter comes back. A sleeping UART hears nothing, so
   * a copy arrives only when the receiver is on from its first to its last byte.
   * Returns when the device heard it (ms after the first send), or -1.
   */
  function repeatUntilAcked(d: ReturnType<typeof detector>, limitMs: number) {
    const counter = d.gw.counter;
    const wire = d.gw.downlink(fire);
    const t0 = d.hal.timeMs;
    while (d.hal.timeMs - t0 < limitMs) {
      const awakeAtStart = !d.hal.sleepAllowed;
      d.hal.advance(FRAME_MS);
      if (awakeAtStart && !d.hal.sleepAllowed) d.hal.inject(wire);
      const acked = d.take().some((f) => {
        const m = f.msg;
        return m.type === "command-ack" && m.ackedCounter === counter;
      });
      if (acked) return d.hal.timeMs - t0;
      d.hal.advance(REPEAT_MS - FRAME_MS);
    }
    return -1;
  }

  it("hears a repeated fire command within listenEveryS while asleep between samples, sounds and acks it", () => {
    const d = detector({ listenWindowMs: WINDOW_MS }, {}, true, LISTEN_EVERY_MS);
    d.hal.advance(12000);
    d.take();
    expect(d.hal.sleepAllowed).toBe(true); // asleep: past the 10 s window, before the 15 s one
    const heardMs = repeatUntilAcked(d, 60000);
    expect(heardMs).toBeGreaterThanOrEqual(0);
    expect(heardMs).toBeLessThanOrEqual(LISTEN_EVERY_MS + FRAME_MS);
    expect(d.hal.outputs.buzzer).toBe(true);
    d.hal.advance(4000);
    expect(d.tones().filter((t) => t === 500).length).toBeGreaterThanOrEqual(3);
    // Sounding keeps the receiver on: a stop gets through at once.
    expect(d.hal.sleepAllowed).toBe(false);
    d.command({ type: "sound", mode: SOUND_STOP, durationS: 0, sourceDeviceId: 0 });
    d.hal.advance(2000);
    expect(d.hal.outputs.buzzer).toBe(false);
    // Back to sleeping between windows (the hold ends at the next sample, within sampleIntervalS).
    let slept = false;
    for (let t = 0; t < 10000 + LISTEN_EVERY_MS; t += 10) {
      d.hal.advance(10);
      slept = slept || d.hal.sleepAllowed;
    }
    expect(slept).toBe(true);
  });

  it("hears it whatever the phase of the gateway's repeats against its windows", () => {
    for (let startMs = 10000; startMs < 15000; startMs += 370) {
      const d = detector({ listenWindowMs: WINDOW_MS }, {}, true, LISTEN_EVERY_MS);
      d.hal.advance(startMs);
      d.take();
      const heardMs = repeatUntilAcked(d, 30000);
      expect(heardMs).toBeGreaterThanOrEqual(0);
      expect(heardMs).toBeLessThanOrEqual(LISTEN_EVERY_MS + FRAME_MS);
    }
  });

  it("without the schedule hears nothing between its uplinks", () => {
    const d = detector({ listenWindowMs: WINDOW_MS }, {}, true, 0);
    d.hal.advance(12000);
    d.take();
    expect(repeatUntilAcked(d, 60000)).toBe(-1);
    expect(d.hal.outputs.buzzer).not.toBe(true);
  });

  it("sleeps outside its windows: awake about listenWindowMs of every listenEveryS", () => {
    const d = detector({ listenWindowMs: WINDOW_MS }, {}, true, LISTEN_EVERY_MS);
    d.hal.advance(20000);
    d.take();
    let awakeMs = 0;
    for (let t = 0; t < 60000; t += 10) {
      d.hal.advance(10);
      if (!d.hal.sleepAllowed) awakeMs += 10;
    }
    // 12 windows of 1.5 s in a minute (samples and heartbeats add no uplink here).
    expect(awakeMs).toBeGreaterThanOrEqual(12 * WINDOW_MS - 120);
    expect(awakeMs).toBeLessThanOrEqual(12 * (WINDOW_MS + 20));
  });
});
