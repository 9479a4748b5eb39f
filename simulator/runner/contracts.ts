/**
 * What the scenario runner needs from the system under test, as two narrow
 * interfaces: the real gateway service (gateway-driver.ts) and the real
 * firmware images in the sandbox (firmware-source.ts).
 */
import type { DeviceConfig } from "../../firmware/device-config.js";
import type { StartRequest, StartResult } from "../../gateway/ota/campaign-start.js";
import type { FirmwareRuntimeFactory } from "../devices/firmware-runtime.js";
import type { Clock } from "../time/virtual-clock.js";

export interface GatewayDriver {
  /** Starts the service from a site config object (JSON/YAML shape). */
  start(siteConfig: Record<string, unknown>, clock: Clock): Promise<void>;
  /** Stops the service (the database stays: a restart continues from it). */
  stop(): Promise<void>;
  readonly running: boolean;
  /**
   * Resolves once the gateway has read and handled every byte written to its
   * serial ports and every MQTT publish, and sent what that made it send.
   */
  settle(expected: { serialBytes: Map<string, number>; mqttPublishes: number }): Promise<void>;
  /** True once after the gateway wrote on its own (rule tick, scheduled resend): read it back. */
  takeOutput?(): boolean;
  /** The gateway's counters (/api/health). */
  counters(): Promise<Record<string, number>>;
  /** Outbox depth, to wait for the uplink to drain at the end. */
  outboxDepth(): Promise<number>;
  /** True while the gateway is subscribed to operator commands on the cloud broker. */
  commandsReady(): boolean;
  /** Starts a firmware-update campaign now (the admin API's POST /api/ota/campaigns). */
  startOta?(req: StartRequest): StartResult;
}

export interface FirmwareSource {
  /** The built image (the same file that would be flashed) for one device. */
  imageFor(config: DeviceConfig, board: string): Promise<string>;
  runtime: FirmwareRuntimeFactory;
}
