/**
 * What the installer needs from the gateway's device API (gw-core's
 * gateway/http). The HTTP implementation is gateway-client.ts; the flow in
 * flash.ts only sees this interface.
 */
import type { DeviceKind } from "../firmware/device-config.js";
import type { CommissioningReport } from "./commissioning-report.js";

export interface DeviceRegistration {
  deviceId: number;
  kind: DeviceKind;
  /** 32 hex digits; sent once, over the API, never printed. */
  keyHex: string;
  site: string;
  building?: string;
  location: string;
  shed?: string;
  heartbeatS: number;
  sleepy: boolean;
  board: string;
  firmware: string;
  /** A detector flashed with its building's group at this epoch (from buildingGroup()). */
  groupEpoch?: number;
}

/** A building's current group, as the gateway issues it for a detector's image. */
export interface IssuedGroup {
  building: string;
  epoch: number;
  /** 32-bit group id. */
  id: number;
  /** 32 hex digits; goes into the image, never printed. */
  key: string;
}

/** A registered device as the gateway shows it (no key). */
export interface GatewayDevice {
  deviceId: number;
  kind: string;
  status: string;
  building?: string;
  location?: string;
  shed?: string;
  lastSeen?: number;
  lastRssi?: number;
  lastReceiver?: string;
}

/** A frame the gateway accepted (decoded, MAC and counter checked), from its event stream. */
export interface AcceptedFrame {
  deviceId: number;
  msg: { type: string } & Record<string, unknown>;
  /** Milliseconds since the epoch. */
  receivedAt: number;
  receivers: Array<{ receiver: string; rssi?: number }>;
}

/** Accepted frames of one device, buffered from the moment the watch opened. */
export interface DeviceWatch {
  /** The next frame matching `pred`, or undefined when `timeoutMs` passes first. */
  next(pred: (f: AcceptedFrame) => boolean, timeoutMs: number): Promise<AcceptedFrame | undefined>;
  close(): void;
}

export interface GatewayApi {
  readonly url: string;
  /** Throws FlashError("gateway-unreachable" | "gateway-rejected") when it cannot be used. */
  probe(): Promise<void>;
  getDevice(deviceId: number): Promise<GatewayDevice | undefined>;
  register(reg: DeviceRegistration): Promise<void>;
  /**
   * The building's current group (GET /api/buildings/:id/group) for a
   * detector's image; undefined when the gateway runs no group sounding.
   */
  buildingGroup(building: string): Promise<IssuedGroup | undefined>;
  /** Opens the live event stream for one device (before it is made to speak). */
  watchDevice(deviceId: number): Promise<DeviceWatch>;
  /** Queues the self-test command; it reaches a sleepy device just after its next uplink. */
  requestSelfTest(deviceId: number): Promise<void>;
  /**
   * Moves the logical device `oldId` (placement, alarms, history) to the new
   * hardware `newId` with its key; `oldId` is decommissioned.
   */
  replace(oldId: number, newId: number, keyHex: string): Promise<void>;
  /** Deletes the registration and its key (a failed commissioning). */
  unregister(deviceId: number): Promise<void>;
  postReport(report: CommissioningReport): Promise<void>;
}
