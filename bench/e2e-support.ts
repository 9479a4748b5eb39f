/**
 * Pieces of the end-to-end gateway bench (bench/gateway-e2e.ts): the site
 * YAML of the child gateway, the frame plan of a load step (signed frames,
 * duplicates, forgeries, alarms), the arrival book that times envelopes at
 * the cloud broker, and a sampler of the gateway process's RSS and CPU.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { keyToHex } from "../gateway/registry/keys.js";
import { framed, keyOf, rawFrame } from "../gateway/testing/frames.js";
import { FLAG_ACK_REQUESTED } from "../protocol/constants.js";
import { frameBytes } from "../protocol/framing.js";
import { deviceIdHex } from "../protocol/uplink.js";
import { percentile, smokeAlarm, statusMsgFor, telemetryMsg } from "./gateway-setup.js";

export interface E2eDevice {
  id: number;
  hex: string;
  key: Uint8Array;
  counter: number;
  charger: boolean;
  last?: Uint8Array;
}

/** Every tenth device is a charger (12-port telemetry), the others detectors (status). */
export function e2eDevices(count: number, alarmDevices: number): E2eDevice[] {
  const out: E2eDevice[] = [];
  for (let i = 0; i < count + alarmDevices; i++) {
    const id = (i < count ? 0x30000000 : 0x3f000000) + i;
    out.push({
      id,
      hex: deviceIdHex(id),
      key: keyOf(7 + i),
      counter: 1,
      charger: i % 10 === 0 && i < count,
    });
  }
  return out;
}

export function e2eSiteYaml(o: {
  dir: string;
  httpPort: number;
  deviceBroker?: number;
  cloudBroker: number;
  serial?: string[];
  /** The embedded broker's port when there is no device broker (serial runs). */
  embeddedPort?: number;
  devices: E2eDevice[];
}): string {
  const devices = o.devices
    .map((d) =>
      d.charger
        ? `  - { id: "${d.hex}", kind: charger, key: "${keyToHex(d.key)}", shed: s${d.hex} }`
        : `  - { id: "${d.hex}", kind: smoke, key: "${keyToHex(d.key)}" }`,
    )
    .join("\n");
  const sheds = o.devices
    .filter((d) => d.charger)
    .map((d) => `  - { id: s${d.hex}, limitW: 8700, ports: 12 }`)
    .join("\n");
  const serial = (o.serial ?? [])
    .map((p, i) => `  - { name: r${i}, path: ${JSON.stringify(p)}, baud: 115200 }`)
    .join("\n");
  const mqtt =
    o.deviceBroker === undefined
      ? `mqtt: { mode: embedded, host: 127.0.0.1, port: ${o.embeddedPort ?? 1883} }`
      : `mqtt: { mode: external, url: "mqtt://127.0.0.1:${o.deviceBroker}" }`;
  return `site: bench
gateway: gw-e2e
database: ${JSON.stringify(join(o.dir, "gateway.db"))}
diskCapMB: 4096
serial:${serial ? `\n${serial}` : " []"}
${mqtt}
http: { host: 127.0.0.1, port: ${o.httpPort} }
cloud: { url: "mqtt://127.0.0.1:${o.cloudBroker}", healthIntervalS: 3600 }
ingest: { rateLimit: { perSecond: 10000, burst: 100000 } }
sheds:${sheds ? `\n${sheds}` : " []"}
devices:
${devices}
`;
}

export interface PlannedFrame {
  device: E2eDevice;
  bytes: Uint8Array;
  /** `hex:counter` of a valid new frame; undefined for duplicates and forgeries. */
  expect?: string;
  alarm: boolean;
}

/**
 * The frames of one step, in sending order: telemetry round-robin over the
 * devices, 10 % exact copies of the device's previous frame, 1 % forgeries
 * (a MAC byte flipped), and one smoke alarm (ack requested) every
 * `alarmEvery` frames from the alarm devices.
 */
export function planStep(
  devices: E2eDevice[],
  telemetryDevices: number,
  frames: number,
  alarmEvery: number,
): PlannedFrame[] {
  const out: PlannedFrame[] = [];
  const alarmers = devices.slice(telemetryDevices);
  let alarms = 0;
  for (let i = 0; i < frames; i++) {
    if (alarmers.length > 0 && i % alarmEvery === alarmEvery - 1) {
      const d = alarmers[alarms++ % alarmers.length]!;
      const c = d.counter++;
      const bytes = framed(d.id, c, smokeAlarm(c), d.key, FLAG_ACK_REQUESTED);
      out.push({ device: d, bytes, expect: `${d.hex}:${c}`, alarm: true });
      continue;
    }
    const d = devices[i % telemetryDevices]!;
    if (i % 10 === 9 && d.last) {
      out.push({ device: d, bytes: d.last, alarm: false });
      continue;
    }
    const c = d.counter++;
    const raw = rawFrame(d.id, c, d.charger ? telemetryMsg(c) : statusMsgFor(c), d.key);
    if (i % 100 === 42) {
      // A forgery: the frame with its last MAC byte changed (its counter stays unused).
      d.counter--;
      raw[raw.length - 1]! ^= 0x5a;
      out.push({ device: d, bytes: frameBytes(raw), alarm: false });
      continue;
    }
    const bytes = frameBytes(raw);
    d.last = bytes;
    out.push({ device: d, bytes, expect: `${d.hex}:${c}`, alarm: false });
  }
  return out;
}

/** Publish -> cloud latencies of a step, ms: all frames, alarms, and alarms to their ack. */
export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
  alarmP50: number;
  alarmP99: number;
  /** Alarm due -> the gateway's ack reaches the device (its commit is durable then). */
  ackP50: number;
  ackP99: number;
}

/** Envelopes seen at the cloud broker, timed against when their frame was due. */
export class ArrivalBook {
  private readonly due = new Map<string, { at: number; alarm: boolean }>();
  private readonly seen = new Map<string, number>();
  readonly latencies: number[] = [];
  readonly alarmLatencies: number[] = [];
  /** Due time of each alarm not yet acknowledged to its device, per device (oldest first). */
  private readonly unacked = new Map<string, number[]>();
  /** Due -> the gateway's ack to the device (sent after the durable commit). */
  readonly ackLatencies: number[] = [];
  storedTwice = 0;
  redelivered = 0;

  /** When the step's clock started: due times are offsets from it. */
  private t0 = 0;

  /** Starts the step's clock (performance.now()). */
  start(t0: number): void {
    this.t0 = t0;
  }

  /** A frame that should arrive, due `at` ms after start(). */
  expect(key: string, at: number, alarm: boolean): void {
    this.due.set(key, { at, alarm });
    if (!alarm) return;
    const hex = key.slice(0, key.indexOf(":"));
    const q = this.unacked.get(hex);
    if (q) q.push(at);
    else this.unacked.set(hex, [at]);
  }

  /** A downlink to an alarm device: the ack of its oldest unacknowledged alarm. */
  ackedAlarm(deviceHex: string, now: number): void {
    const at = this.unacked.get(deviceHex)?.shift();
    if (at !== undefined) this.ackLatencies.push(now - this.t0 - at);
  }

  get expected(): number {
    return this.due.size;
  }

  get delivered(): number {
    return this.latencies.length;
  }

  /** One envelope, by its device, counter and outbox seq. */
  arrived(deviceId: string, counter: number, envSeq: number, now: number): void {
    const key = `${deviceId}:${counter}`;
    const seq = this.seen.get(key);
    if (seq !== undefined) {
      if (seq === envSeq) this.redelivered++;
      else this.storedTwice++;
      return;
    }
    this.seen.set(key, envSeq);
    const d = this.due.get(key);
    if (!d) return;
    const latency = now - this.t0 - d.at;
    this.latencies.push(latency);
    if (d.alarm) this.alarmLatencies.push(latency);
  }

  summary(): LatencySummary {
    const l = this.latencies;
    const a = this.alarmLatencies;
    const k = this.ackLatencies;
    return {
      ackP50: k.length ? percentile(k, 50) : Number.NaN,
      ackP99: k.length ? percentile(k, 99) : Number.NaN,
      p50: l.length ? percentile(l, 50) : Number.NaN,
      p99: l.length ? percentile(l, 99) : Number.NaN,
      // not Math.max(...l): a long run's million latencies overflow the call stack
      max: l.length ? l.reduce((m, v) => Math.max(m, v), l[0]!) : Number.NaN,
      alarmP50: a.length ? percentile(a, 50) : Number.NaN,
      alarmP99: a.length ? percentile(a, 99) : Number.NaN,
    };
  }
}

/** Resident memory (max) and CPU share of a process over a window, from /proc. */
export class ProcSampler {
  private maxRss = 0;
  private cpu0 = 0;
  private t0 = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pid: number) {}

  private rssBytes(): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  }

  private cpuTicks(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]); // utime + stime (fields 14 and 15)
  }

  start(): void {
    this.maxRss = this.rssBytes();
    this.cpu0 = this.cpuTicks();
    this.t0 = performance.now();
    this.timer = setInterval(() => {
      try {
        this.maxRss = Math.max(this.maxRss, this.rssBytes());
      } catch {
        // The process is gone: stop sampling (an exception here would end the bench and
        // leave its brokers running).
        clearInterval(this.timer);
      }
    }, 200);
  }

  /**
   * Max RSS in MB, CPU in % of one core and CPU seconds (user + system, all
   * threads) since start(). CPU seconds do not depend on how busy the machine
   * is, so they compare builds measured at different loads.
   */
  /** CPU seconds since start() (also after stop()). */
  cpuSeconds(): number {
    return (this.cpuTicks() - this.cpu0) / 100;
  }

  stop(): { rssMB: number; cpuPct: number; cpuS: number } {
    if (this.timer) clearInterval(this.timer);
    this.maxRss = Math.max(this.maxRss, this.rssBytes());
    const s = (performance.now() - this.t0) / 1000;
    const cpuS = (this.cpuTicks() - this.cpu0) / 100;
    return { rssMB: this.maxRss / 2 ** 20, cpuPct: (cpuS / s) * 100, cpuS };
  }
}

/** The unsigned integer written at `at` in `text`. */
function intAt(text: string, at: number): number {
  let n = 0;
  for (let i = at; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
  }
  return n;
}

const DEVICE_ID = '"deviceId":"';
const SEQ = '"seq":';
const COUNTER = '"counter":';

/**
 * Calls `each` for every device envelope of an uplink payload (one envelope
 * or a batch), found by scanning the text instead of parsing it (the arrival
 * subscriber shares the machine with what it measures): an envelope's
 * deviceId, seq and counter come in that order before its body
 * (pipeline/envelope.ts envelopeJson, uplink/stamp.ts).
 */
export function scanEnvelopes(
  text: string,
  each: (deviceId: string, counter: number, seq: number) => void,
): void {
  let at = 0;
  for (;;) {
    const d = text.indexOf(DEVICE_ID, at);
    if (d < 0) return;
    const s = text.indexOf(SEQ, d);
    const c = s < 0 ? -1 : text.indexOf(COUNTER, s);
    if (c < 0) return;
    each(
      text.slice(d + DEVICE_ID.length, d + DEVICE_ID.length + 8),
      intAt(text, c + COUNTER.length),
      intAt(text, s + SEQ.length),
    );
    at = c;
  }
}
