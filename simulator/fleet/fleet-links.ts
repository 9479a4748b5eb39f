/**
 * How a fleet's frames reach a running gateway, and its answers come back:
 * - Wi-Fi: one MQTT connection per device to the gateway's broker, logged in
 *   with the device's own credentials (username = id hex, password =
 *   mqttPassword(key), gateway/ingest/mqtt-broker.ts), publishing framed
 *   bytes to haitang/dev/{id}/event (events, alarms, command acks) or .../up
 *   (the rest) and subscribed to .../down;
 * - serial: shared serial ports (a radio dongle or an RS-485 adapter as the
 *   gateway sees it; in tests the device end of a socat pseudo-terminal),
 *   devices spread over them; what the gateway writes back is deframed and
 *   given to the addressed device only.
 */

import { readU32 } from "../../protocol/bytes.js";
import { OFFSET_DEVICE_ID } from "../../protocol/constants.js";
import { frameBytes } from "../../protocol/framing.js";
import { SerialEndpoint } from "../runner/serial-endpoint.js";
import { WifiEndpoint } from "../runner/wifi-endpoint.js";

export interface LinkedDevice {
  deviceId: number;
  key: Uint8Array;
}

export interface LinkStats {
  /** Devices whose link is up. */
  connected: number;
  framesOut: number;
  /** Frames a device sent while its link was down. */
  framesDropped: number;
  framesIn: number;
  /** Frames from the gateway for a device this fleet does not have. */
  framesUnrouted: number;
  connectFailures: number;
}

export interface FleetLinks {
  /** Opens the links; `deliver` gets each downlink (framed bytes) for its device. */
  start(
    devices: LinkedDevice[],
    deliver: (deviceId: number, framed: Uint8Array) => void,
  ): Promise<void>;
  /** Resolves once `deviceId` can send (Wi-Fi: connected and subscribed). */
  ready(deviceId: number): Promise<boolean>;
  send(deviceId: number, framed: Uint8Array): boolean;
  stats(): LinkStats;
  stop(): Promise<void>;
}

function emptyStats(): LinkStats {
  return {
    connected: 0,
    framesOut: 0,
    framesDropped: 0,
    framesIn: 0,
    framesUnrouted: 0,
    connectFailures: 0,
  };
}

export class MqttFleetLinks implements FleetLinks {
  private readonly endpoints = new Map<number, WifiEndpoint>();
  private readonly ready_ = new Map<number, Promise<boolean>>();
  private readonly s = emptyStats();
  private stopping = false;

  /** `concurrency`: connections opened at once (a broker takes them in turn). */
  constructor(
    private readonly url: string,
    private readonly concurrency = 50,
  ) {}

  async start(
    devices: LinkedDevice[],
    deliver: (deviceId: number, framed: Uint8Array) => void,
  ): Promise<void> {
    const waiting: { dev: LinkedDevice; done: (ok: boolean) => void }[] = [];
    for (const dev of devices) {
      let done!: (ok: boolean) => void;
      this.ready_.set(dev.deviceId, new Promise<boolean>((r) => (done = r)));
      waiting.push({ dev, done });
    }
    const worker = async (): Promise<void> => {
      for (let w = waiting.shift(); w; w = waiting.shift()) {
        if (this.stopping) {
          w.done(false);
          continue;
        }
        const dev = w.dev;
        const ep = new WifiEndpoint(dev.deviceId, dev.key, (frame) => {
          this.s.framesIn++;
          deliver(dev.deviceId, frameBytes(frame));
        });
        this.endpoints.set(dev.deviceId, ep);
        const ok = await ep.connect(this.url).then(
          () => true,
          () => {
            this.s.connectFailures++;
            return false;
          },
        );
        w.done(ok);
      }
    };
    // Connections open in the background; ready(id) says when a device's is up.
    for (let i = 0; i < this.concurrency; i++) void worker();
  }

  ready(deviceId: number): Promise<boolean> {
    return this.ready_.get(deviceId) ?? Promise.resolve(false);
  }

  send(deviceId: number, framed: Uint8Array): boolean {
    const ep = this.endpoints.get(deviceId);
    if (!ep?.connected) {
      this.s.framesDropped++;
      return false;
    }
    this.s.framesOut++;
    void ep.publish(framed);
    return true;
  }

  stats(): LinkStats {
    let connected = 0;
    for (const ep of this.endpoints.values()) if (ep.connected) connected++;
    return { ...this.s, connected };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.endpoints.values()].map((ep) => ep.close().catch(() => {})));
    this.endpoints.clear();
  }
}

export class SerialFleetLinks implements FleetLinks {
  private readonly ports: SerialEndpoint[] = [];
  private readonly portOf = new Map<number, SerialEndpoint>();
  private readonly s = emptyStats();
  private known = new Set<number>();

  constructor(
    private readonly paths: string[],
    private readonly baud = 9600,
  ) {
    if (paths.length === 0) throw new Error("serial fleet links need at least one port");
  }

  async start(
    devices: LinkedDevice[],
    deliver: (deviceId: number, framed: Uint8Array) => void,
  ): Promise<void> {
    this.known = new Set(devices.map((d) => d.deviceId));
    for (const path of this.paths) {
      const ep = new SerialEndpoint(path, (frame) => {
        // Every device on the line hears it; only the addressed one keeps it.
        const id = frame.length >= OFFSET_DEVICE_ID + 4 ? readU32(frame, OFFSET_DEVICE_ID) : -1;
        if (!this.known.has(id)) {
          this.s.framesUnrouted++;
          return;
        }
        this.s.framesIn++;
        deliver(id, frameBytes(frame));
      });
      await ep.open(this.baud);
      this.ports.push(ep);
    }
    devices.forEach((d, i) => {
      this.portOf.set(d.deviceId, this.ports[i % this.ports.length]!);
    });
  }

  ready(deviceId: number): Promise<boolean> {
    return Promise.resolve(this.portOf.has(deviceId));
  }

  send(deviceId: number, framed: Uint8Array): boolean {
    const ep = this.portOf.get(deviceId);
    if (!ep) {
      this.s.framesDropped++;
      return false;
    }
    this.s.framesOut++;
    ep.write(framed);
    return true;
  }

  stats(): LinkStats {
    return { ...this.s, connected: this.portOf.size };
  }

  async stop(): Promise<void> {
    await Promise.all(this.ports.map((p) => p.close()));
    this.ports.length = 0;
  }
}
