/**
 * Carries frames between virtual devices and the gateway: the radio medium
 * (several receivers, each a serial port), RS-485 buses (each a serial port),
 * and Wi-Fi devices (MQTT). Faults set by the timeline live here. Everything
 * the fabric does is scheduled on the virtual clock and written to the trace.
 */
import { FRAME_FLAG } from "../../protocol/constants.js";
import { deframeAll, frameBytes } from "../../protocol/framing.js";
import { readWakePreamble } from "../../protocol/receiver-directive.js";
import { describeFrame } from "../devices/describe-frame.js";
import type { VirtualDevice } from "../devices/virtual-device.js";
import { noFaults } from "../links/link-faults.js";
import { type ChannelSummary, RadioMedium, type RadioSettings } from "../links/radio-medium.js";
import { Rs485Bus } from "../links/rs485-bus.js";
import type { Rng } from "../physics/prng.js";
import type { Trace } from "../report/trace.js";
import type { VirtualClock } from "../time/virtual-clock.js";

/** Where frames for the gateway go: a serial port by receiver/bus id, or the device's MQTT client. */
export interface GatewaySide {
  writeSerial(portId: string, bytes: Uint8Array): void;
  publishWifi(dev: VirtualDevice, framed: Uint8Array): void;
  gatewayUp(): boolean;
}

const WIFI_LATENCY_MS = 20;
/** A wake-on-radio module raises the board's wake pin this long before it hands over a frame. */
export const WAKE_LEAD_MS = 2;

/** The sniff period of a wake-on-radio detector with its wake pin; undefined for other devices. */
function sniffEveryMs(dev: VirtualDevice): number | undefined {
  return dev.config.pins.wake ? dev.config.wakeOnRadio?.sniffEveryMs : undefined;
}

export class LinkFabric {
  readonly radio: RadioMedium;
  readonly buses = new Map<string, Rs485Bus>();
  readonly wifiFaults = noFaults();
  /** Captured framed uplinks per device id, for replay. */
  private readonly captured = new Map<number, Uint8Array[]>();
  private readonly byId = new Map<number, VirtualDevice>();
  /** Detectors by the building group id their images carry (group soundings). */
  private readonly byGroup = new Map<number, VirtualDevice[]>();
  /** The devices on each RS-485 bus: each hears every transmission on it. */
  private readonly busMembers = new Map<string, VirtualDevice[]>();
  private lastCollided: Uint8Array | undefined;
  /** Wake-on-radio detectors, woken by any long enough preamble on a receiver that reaches them. */
  private readonly sniffing: VirtualDevice[] = [];
  /** A receiver's next frame goes after this wake-up preamble (the gateway's directive). */
  private readonly preambleFor = new Map<string, number>();
  /** Wake-ups of wake-on-radio detectors by preambles (the energy model's wakes). */
  readonly wakeUps = new Map<string, number>();
  private readonly clock: VirtualClock;
  private readonly trace: Trace;
  private readonly rng: Rng;
  private readonly side: GatewaySide;
  private readonly onDelivered: (dev: VirtualDevice) => void;
  private readonly nameOf: (id: number) => string | undefined;

  constructor(opts: {
    receivers: { id: string; lossRate: number; hears?: Set<number> }[];
    buses: { id: string; baud: number }[];
    radio: RadioSettings;
    clock: VirtualClock;
    trace: Trace;
    rng: Rng;
    side: GatewaySide;
    /** A device got bytes and may have new timers. */
    onDelivered: (dev: VirtualDevice) => void;
    nameOf: (id: number) => string | undefined;
  }) {
    this.clock = opts.clock;
    this.trace = opts.trace;
    this.rng = opts.rng;
    this.side = opts.side;
    this.onDelivered = opts.onDelivered;
    this.nameOf = opts.nameOf;
    this.radio = new RadioMedium(opts.receivers, opts.radio, opts.rng.fork("radio"));
    for (const b of opts.buses)
      this.buses.set(b.id, new Rs485Bus(b.id, b.baud, opts.rng.fork(`bus:${b.id}`)));
  }

  addDevice(dev: VirtualDevice): void {
    this.byId.set(dev.deviceId, dev);
    if (this.buses.has(dev.link))
      this.busMembers.set(dev.link, [...(this.busMembers.get(dev.link) ?? []), dev]);
    const g = dev.config.group;
    if (g) this.byGroup.set(g.id, [...(this.byGroup.get(g.id) ?? []), dev]);
    if (sniffEveryMs(dev) !== undefined && !this.buses.has(dev.link) && dev.link !== "wifi")
      this.sniffing.push(dev);
  }

  /** A device sent one frame (framed bytes) at `atMs`. */
  uplink(dev: VirtualDevice, framed: Uint8Array, atMs: number, capture = true): void {
    if (capture) {
      const list = this.captured.get(dev.deviceId) ?? [];
      list.push(framed);
      if (list.length > 64) list.shift();
      this.captured.set(dev.deviceId, list);
    }
    this.send(dev.link, dev.deviceId, framed, atMs, dev);
  }

  /** Sends framed bytes as device `deviceId` over `link` (rogue and replayed frames too). */
  send(
    link: string,
    deviceId: number,
    framed: Uint8Array,
    atMs: number,
    dev?: VirtualDevice,
  ): void {
    if (link === "radio" || this.radio.receiverIds().includes(link)) {
      for (const d of this.radio.transmit(deviceId, framed, atMs)) {
        if (link !== "radio" && d.to !== link) continue;
        this.clock.at(d.atMs, () => {
          if (d.airtime?.collided) this.lost(String(d.to), deviceId, framed, "collision");
          else this.toGateway(String(d.to), d.bytes, d.corrupted, deviceId);
        });
      }
      return;
    }
    const bus = this.buses.get(link);
    if (bus) {
      this.onBus(bus, deviceId, framed, atMs);
      return;
    }
    if (link === "wifi") {
      const f = this.wifiFaults;
      if (f.down || this.rng.chance(f.lossRate)) {
        this.lost("wifi", deviceId, framed, "wifi down");
        return;
      }
      const target = dev ?? this.byId.get(deviceId);
      if (!target) return;
      this.clock.at(atMs + WIFI_LATENCY_MS, () => {
        this.traceToGateway("wifi", framed, false, deviceId);
        if (this.side.gatewayUp()) this.side.publishWifi(target, framed);
      });
    }
  }

  private lost(link: string, deviceId: number, framed: Uint8Array, why: string): void {
    const info = describeFrame(deframeAll(framed).frames[0] ?? new Uint8Array());
    this.trace.add({
      t: this.clock.nowMs,
      src: "link",
      event: "lost",
      link,
      device: this.nameOf(deviceId),
      why,
      counter: info.counter,
      type: info.type,
    });
  }

  private traceToGateway(
    link: string,
    bytes: Uint8Array,
    corrupted: boolean,
    deviceId: number,
  ): void {
    const frames = corrupted ? [] : deframeAll(bytes).frames;
    const info = frames[0] ? describeFrame(frames[0]) : {};
    this.trace.add({
      t: this.clock.nowMs,
      src: "link",
      event: "to-gateway",
      link,
      device: this.nameOf(deviceId),
      intact: !corrupted && frames.length === 1 && this.side.gatewayUp(),
      counter: info.counter,
      type: info.type,
      name: info.name,
    });
  }

  private toGateway(portId: string, bytes: Uint8Array, corrupted: boolean, deviceId: number): void {
    this.traceToGateway(portId, bytes, corrupted, deviceId);
    // A receiver with no host running hands its frames to nobody.
    if (this.side.gatewayUp()) this.side.writeSerial(portId, bytes);
  }

  /** The gateway sent a frame (unframed codec bytes) out of serial port `portId`, or over MQTT. */
  fromGateway(portId: string, frame: Uint8Array): void {
    const now = this.clock.nowMs;
    const wake = readWakePreamble(frame);
    if (wake !== undefined) {
      this.preambleFor.set(portId, wake);
      return;
    }
    const preambleMs = this.preambleFor.get(portId) ?? 0;
    this.preambleFor.delete(portId);
    const info = describeFrame(frame);
    const id = typeof info.deviceId === "string" ? Number.parseInt(info.deviceId, 16) : -1;
    const dev = this.byId.get(id);
    // A group sounding is for every detector of the building holding the group's key.
    const group = dev ? undefined : this.byGroup.get(id);
    this.trace.add({
      t: now,
      src: "gateway",
      event: "downlink",
      link: portId,
      device: dev?.name ?? (group ? `group of ${group.length}` : undefined),
      ...info,
      ...(preambleMs > 0 ? { preambleMs } : {}),
    });
    const framed = frameBytes(frame);
    // On a bus every node hears it (and it takes the line whoever it is for).
    const bus = this.buses.get(portId);
    if (bus) {
      this.onBus(bus, "gateway", framed, now, frame);
      return;
    }
    const targets = dev ? [dev] : group;
    if (!targets) return;
    // Only the addressed devices are given the bytes: the others would drop them by id.
    if (portId === "wifi") {
      if (this.wifiFaults.down) return;
      for (const t of targets) this.clock.at(now + WIFI_LATENCY_MS, () => this.deliver(t, framed));
      return;
    }
    this.radioDownlink(portId, frame, framed, targets, preambleMs, now);
  }

  /**
   * A downlink on a receiver's channel. After a wake-up preamble, every
   * wake-on-radio detector it reaches whose sniff period the preamble covers
   * wakes (its module raises the wake pin, the board opens a window), whether
   * or not the frame is for it; the frame's own addressees then get it.
   */
  private radioDownlink(
    portId: string,
    frame: Uint8Array,
    framed: Uint8Array,
    targets: VirtualDevice[],
    preambleMs: number,
    now: number,
  ): void {
    const addressed = new Set(targets.map((t) => t.deviceId));
    const woken = new Set<number>();
    if (preambleMs > 0)
      for (const w of this.sniffing)
        if ((sniffEveryMs(w) ?? Infinity) <= preambleMs) woken.add(w.deviceId);
    const ids = [...new Set([...addressed, ...woken])];
    for (const d of this.radio.downlink(portId, ids, framed, now, preambleMs)) {
      const t = this.byId.get(d.to as number);
      if (!t) continue;
      const isFor = addressed.has(t.deviceId);
      if (woken.has(t.deviceId)) {
        // The module received the frame after the preamble: it wakes the board, then hands it over.
        this.clock.at(d.atMs, () => {
          if (d.airtime?.collided) {
            if (isFor) this.collidedDownlink(portId, t, frame);
            return;
          }
          this.wake(t);
          if (isFor) this.clock.at(this.clock.nowMs + WAKE_LEAD_MS, () => this.deliver(t, d.bytes));
        });
        continue;
      }
      if (!isFor) continue;
      this.clock.at(d.atMs, () => {
        if (d.airtime?.collided) this.collidedDownlink(portId, t, frame);
        else this.deliver(t, d.bytes);
      });
    }
  }

  /** A wake-on-radio module's pulse on the board's wake pin. */
  private wake(dev: VirtualDevice): void {
    const now = this.clock.nowMs;
    dev.advanceTo(now);
    dev.setInput("wake", true, now);
    dev.setInput("wake", false, now);
    this.wakeUps.set(dev.name, (this.wakeUps.get(dev.name) ?? 0) + 1);
    this.onDelivered(dev);
  }

  /**
   * A transmission on a bus: every node but the sender hears the opening flag
   * one character after it starts and the rest at its end, garbled if it
   * collided (the gateway then drops it as a bad CRC, a charger as malformed).
   */
  private onBus(
    bus: Rs485Bus,
    from: number | "gateway",
    framed: Uint8Array,
    atMs: number,
    frame?: Uint8Array,
  ): void {
    const tx = bus.transmit(from, framed, atMs);
    if (!tx) {
      if (from !== "gateway") this.lost(bus.id, from, framed, "bus down");
      return;
    }
    const members = this.busMembers.get(bus.id) ?? [];
    const toGateway = from !== "gateway";
    const hear = (bytes: Uint8Array) => {
      for (const m of members) if (m.deviceId !== from) this.deliverBytes(m, bytes);
    };
    // Whole milliseconds, as the rest of the fabric: devices' timers run on them.
    this.clock.at(Math.ceil(tx.airtime.startMs + bus.charMs()), () => {
      const flag = framed.subarray(0, 1);
      if (toGateway && this.side.gatewayUp()) this.side.writeSerial(bus.id, flag);
      hear(flag);
    });
    this.clock.at(Math.ceil(tx.airtime.endMs), () => {
      const heard = bus.heard(tx);
      const rest = heard.subarray(1);
      if (toGateway) {
        if (tx.airtime.collided) this.lost(bus.id, from, framed, "collision");
        this.traceToGateway(bus.id, heard, tx.corrupted || tx.airtime.collided, from);
        if (this.side.gatewayUp()) this.side.writeSerial(bus.id, rest);
      } else if (tx.airtime.collided && frame) this.collidedDownlink(bus.id, undefined, frame);
      hear(rest);
    });
  }

  /** One trace record per collided downlink (not one per device it was for). */
  private collidedDownlink(
    portId: string,
    dev: VirtualDevice | undefined,
    frame: Uint8Array,
  ): void {
    if (this.lastCollided === frame) return;
    this.lastCollided = frame;
    const info = describeFrame(frame);
    this.trace.add({
      t: this.clock.nowMs,
      src: "link",
      event: "lost",
      link: portId,
      device: dev?.name,
      why: "collision",
      counter: info.counter,
      type: info.type,
    });
  }

  private deliver(dev: VirtualDevice, bytes: Uint8Array): void {
    if (bytes[0] !== FRAME_FLAG) return;
    this.deliverBytes(dev, bytes);
  }

  /** Bytes as the device's UART hands them over (a piece of a frame, or garbage). */
  private deliverBytes(dev: VirtualDevice, bytes: Uint8Array): void {
    dev.receive(bytes, this.clock.nowMs);
    this.onDelivered(dev);
  }

  /** Airtime, collisions and queueing per bus, as the radio channels report theirs. */
  busStats(): ChannelSummary[] {
    return [...this.buses.values()].map((b) => ({
      receiver: b.id,
      baud: b.baud,
      peakLoad10s: b.peakLoad(10),
      ...b.stats,
    }));
  }

  /** The last `n` captured frames of a device (all when n is undefined). */
  capturedOf(deviceId: number, n?: number): Uint8Array[] {
    const list = this.captured.get(deviceId) ?? [];
    return n === undefined ? [...list] : list.slice(-n);
  }

  /** Fault state of a link by name: a receiver, a bus or "wifi". */
  faultsOf(link: string) {
    if (link === "wifi") return this.wifiFaults;
    const bus = this.buses.get(link);
    if (bus) return bus.faults;
    return this.radio.faults.get(link);
  }
}
