/**
 * What each kind does on the real interpreter while bench/firmware-memory.ts
 * reads its memory: boot, a steady state, then the kind's worst moment
 * ("alarm"). Real time: the interpreter runs its own timers. The bench's
 * device settings shorten the slow intervals (smoke samples every 2 s,
 * guardian reports every 3 s); the code paths are the product's.
 */
import type { DeviceKind } from "../firmware/device-config.js";
import { PORT_FULL_SCALE_W } from "../firmware/devices/shed-charger.js";
import { ntcFraction } from "../firmware/devices/shed-temperature.js";
import { SMOKE_FULL_SCALE } from "../firmware/devices/smoke-detector.js";
import { BATTERY_FULL_SCALE_MV } from "../firmware/devices/status.js";
import { encodeFrame } from "../protocol/codec.js";
import {
  PORT_ALL,
  REASON_COMMAND,
  SMOKE_ALARM,
  SOUND_FIRE,
  SOUND_HUSH,
  SOUND_SELF_TEST,
} from "../protocol/constants.js";
import { frameBytes } from "../protocol/framing.js";
import { hmacSha256 } from "../protocol/hmac.js";
import type { Frame } from "../protocol/messages.js";
import { sleep } from "./espruino-process.js";
import type { ImageRun, MemoryPoint } from "./firmware-memory-run.js";

export interface PinLevels {
  /** Analog level (0..1) of a role's pin. */
  set(role: string, v: number): void;
  /** Fires the watches of a role's pin. */
  fire(role: string, high: boolean): void;
  has(role: string): boolean;
}

export interface DutyResult {
  boot: MemoryPoint;
  steady: MemoryPoint;
  alarm: MemoryPoint;
  /** The image did its duty (the frames the bench expects arrived, MAC-checked). */
  dutyOk: boolean;
  notes: string[];
  problems: string[];
  /** "2v29, 13-byte JsVars" */
  interpreter: string;
  firmware: string;
}

type Duty = (run: ImageRun, pins: PinLevels, image: string) => Promise<DutyResult>;

/** The building group a smoke image is built with (its device config's `group`). */
export const BENCH_GROUP = { id: 0x48540100, key: "ffeeddccbbaa99887766554433221100" };

/** A building group sounding, as the gateway sends it (gateway/downlink/group-sounder.ts). */
function groupSounding(counter: number): Uint8Array {
  const msg = { type: "group-sound" as const, mode: SOUND_FIRE, durationS: 60, sourceDeviceId: 1 };
  const key = new Uint8Array(Buffer.from(BENCH_GROUP.key, "hex"));
  return frameBytes(
    encodeFrame({ deviceId: BENCH_GROUP.id, counter, flags: 0, msg }, key, hmacSha256),
  );
}

const GOOD_BATTERY = 3000 / BATTERY_FULL_SCALE_MV;

async function bootImage(
  run: ImageRun,
  image: string,
): Promise<{ interpreter: string; firmware: string }> {
  await run.install(image);
  await sleep(2500);
  const v = (await run.ask(
    '[process.version,process.memory().blocksize,E.HAITANG_ID?E.HAITANG_ID.firmware:"?"]',
  )) as [string, number, string];
  return { interpreter: `Espruino ${v[0]}, ${v[1]}-byte JsVars`, firmware: v[2] };
}

function count(frames: Frame[], test: (f: Frame) => boolean): number {
  return frames.filter(test).length;
}

/** Acks every frame that asked for one (after a phase that left them unacked). */
function ackAll(run: ImageRun): void {
  for (const f of run.frames) if (f.flags & 1) run.inject(run.gw.ack(f.counter));
}

const smoke: Duty = async (run, pins, image) => {
  pins.set("battery", GOOD_BATTERY);
  pins.set("smoke", 40 / SMOKE_FULL_SCALE);
  const id = await bootImage(run, image);
  const boot = await run.memory("boot");
  await sleep(6000);
  const steady = await run.memory("steady");
  // Fire: smoke well over the alarm level; frames unacked so retries pile up.
  run.ackFrames = false;
  pins.set("smoke", 900 / SMOKE_FULL_SCALE);
  await sleep(8000);
  // The wake-on-radio module raises the wake pin before it hands over a frame (installer default).
  // Each pulse and frame is confirmed run (esp.sync) before the next: lines sent in a burst while
  // the interpreter is busy can be lost from its console input, and a lost downlink looked like a
  // missing command-ack of the image.
  pins.fire("wake", true);
  run.command({ type: "sound", mode: SOUND_FIRE, durationS: 60, sourceDeviceId: 0x48540022 });
  await run.esp.sync();
  // The building's group sounding too: verified under the group key, acknowledged within two
  // listening periods (the installer's default period is 5 s).
  pins.fire("wake", true);
  run.inject(groupSounding(1));
  await run.esp.sync();
  await sleep(11000);
  run.ackFrames = true;
  ackAll(run);
  await run.esp.sync();
  await sleep(1000);
  pins.fire("wake", true);
  run.command({ type: "sound", mode: SOUND_HUSH, durationS: 0, sourceDeviceId: 0 });
  await run.esp.sync();
  await sleep(2000);
  const alarm = await run.memory("alarm");
  const alarms = count(
    run.frames,
    (f) => f.msg.type === "smoke-event" && f.msg.event === SMOKE_ALARM,
  );
  const acks = count(run.frames, (f) => f.msg.type === "command-ack");
  const groupAcks = count(run.frames, (f) => f.msg.type === "group-ack");
  return {
    boot,
    steady,
    alarm,
    dutyOk: alarms > 0 && acks >= 2 && groupAcks >= 1 && run.problems.length === 0,
    notes: [
      `${run.frames.length} frames`,
      `${alarms} alarm frames (retries)`,
      `${acks} command-acks`,
      `${groupAcks} group-acks`,
    ],
    problems: run.problems,
    ...id,
  };
};

const charger: Duty = async (run, pins, image) => {
  const power = (w: number) => {
    for (let i = 0; i < 12; i++) pins.set(`power${i}`, w / PORT_FULL_SCALE_W);
    pins.set("mux", w / PORT_FULL_SCALE_W);
  };
  const restore = () =>
    run.command({ type: "relay", port: PORT_ALL, on: true, reason: REASON_COMMAND });
  pins.set("temp", ntcFraction(250));
  power(0);
  const id = await bootImage(run, image);
  const boot = await run.memory("boot");
  power(200);
  await sleep(5000);
  const steady = await run.memory("steady");
  run.ackFrames = false;
  power(1200); // overload: over portLimitW for portOverloadS
  await sleep(5000);
  restore();
  power(3500); // short circuit: cut in the same sample
  await sleep(1500);
  restore();
  power(800); // 12 x 800 W over shedLimitW
  await sleep(3000);
  restore();
  power(200);
  for (let c = 300; c <= 800; c += 40) {
    pins.set("temp", ntcFraction(c)); // a real fast rise, 4 °C a reading
    await sleep(1000);
  }
  run.ackFrames = true;
  ackAll(run);
  await sleep(1500);
  const alarm = await run.memory("alarm");
  const cuts = count(run.frames, (f) => f.msg.type === "charger-event");
  const acks = count(run.frames, (f) => f.msg.type === "command-ack");
  return {
    boot,
    steady,
    alarm,
    dutyOk: cuts > 0 && acks >= 3 && run.problems.length === 0,
    notes: [`${run.frames.length} frames`, `${cuts} charger events`, `${acks} command-acks`],
    problems: run.problems,
    ...id,
  };
};

const guardian: Duty = async (run, pins, image) => {
  pins.set("battery", GOOD_BATTERY);
  const id = await bootImage(run, image);
  const boot = await run.memory("boot");
  for (let i = 0; i < 4; i++) {
    pins.fire("door", true);
    pins.fire("motion", true);
    await sleep(1500);
  }
  const steady = await run.memory("steady");
  run.ackFrames = false;
  for (let i = 0; i < 20; i++) {
    pins.fire(i % 2 ? "door" : "motion", true);
    await sleep(300);
  }
  run.command({ type: "sound", mode: SOUND_SELF_TEST, durationS: 0, sourceDeviceId: 0 });
  await sleep(4000);
  run.ackFrames = true;
  ackAll(run);
  await sleep(1000);
  const alarm = await run.memory("alarm");
  const reports = count(run.frames, (f) => f.msg.type === "guardian-activity");
  return {
    boot,
    steady,
    alarm,
    dutyOk: reports > 1 && run.problems.length === 0,
    notes: [`${run.frames.length} frames`, `${reports} activity reports`],
    problems: run.problems,
    ...id,
  };
};

export const DUTIES: Record<DeviceKind, Duty> = { smoke, charger, guardian };
