/** What the HTTP server needs from the rest of the gateway; service.ts supplies it. */
import type { DownlinkQueue } from "../downlink/downlink-queue.js";
import type { OtaEngine } from "../ota/ota-engine.js";
import type { RecentReadings } from "../readings/recent-readings.js";
import type { DeviceAdmin } from "../registry/device-admin.js";
import type { PendingDevices } from "../registry/pending.js";
import type { DeviceRegistry, RegisteredDevice } from "../registry/registry.js";
import type { ReportStore } from "../reports/report-store.js";
import type { ListenMode } from "../types.js";
import type { SseHub } from "./sse.js";

export type AckResult = { ok: true; alarm: unknown } | { ok: false; status: number; error: string };

/** gw-rules' alarm store as the API sees it. */
export interface AlarmsView {
  list(filter: { active?: boolean; deviceId?: number; limit?: number }): unknown[];
  ack(alarmId: string, by: string, comment: string | undefined, now: number): AckResult;
  /** Resolves once every change made so far is committed (the ack is answered after it). */
  durable?(): Promise<void>;
}

export interface HttpBackend {
  registry: DeviceRegistry;
  pending: PendingDevices;
  admin: DeviceAdmin;
  downlinks: DownlinkQueue;
  /** Firmware-update campaigns (absent: the routes answer 503). */
  ota?: OtaEngine;
  reports: ReportStore;
  /** Recent readings per device (the device page's chart). */
  readings: RecentReadings;
  /** How a battery detector listens (its own mode, else the site's); undefined: always listening. */
  listening?: (dev: RegisteredDevice) => ListenMode | undefined;
  alarms: AlarmsView | undefined;
  sse: SseHub;
  health(now: number): unknown;
  metrics(now: number): string;
  clock(): number;
  /** Folder served at /ui/ (gateway/web), when present. */
  webRoot?: string;
}
