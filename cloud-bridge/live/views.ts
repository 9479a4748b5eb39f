/** What the fleet API returns (cloud-bridge/README.md documents these shapes). */
import type {
  AlarmKind,
  AlarmTransitionKind,
  DeviceKindName,
  GatewayHealth,
  Severity,
} from "../../protocol/uplink.js";

export interface GatewayView {
  site: string;
  gateway: string;
  online: boolean;
  statusTs: number;
  /** Milliseconds since the epoch of the latest message of any kind from this gateway. */
  lastSeen: number;
  version?: string;
  health: GatewayHealth | null;
}

export interface DeviceView {
  deviceId: string;
  gateway: string;
  kind: DeviceKindName;
  lastSeen: number;
  online?: boolean;
  batteryMv?: number;
  rssiDbm?: number;
  receivers?: number;
  firmware?: string;
  /** Placement from the gateway's registry (UplinkEnvelope), when known. */
  building?: string;
  shed?: string;
  location?: string;
}

export interface PortView {
  /** Index within the shed: the ports of its chargers numbered on, chargers in device-id order. */
  port: number;
  /** The charger this port belongs to and its index on that charger. */
  deviceId: string;
  devicePort: number;
  /** The numbers people read (common/port-label.ts): port from 1; the charger's position from 1 when the shed has several. */
  portNo: number;
  chargerNo?: number;
  powerW: number;
  energyWh: number;
  state: string;
  stateCode: number;
  relayOn: boolean;
}

/** One charger board of a shed, from its last telemetry. */
export interface ChargerView {
  deviceId: string;
  gateway: string;
  ts: number;
  historical: boolean;
  tempC: number;
  totalPowerW: number;
  /** Number of ports. */
  ports: number;
  location?: string;
}

/**
 * A charging shed: the envelope's `shed` id, or the charger's device id when
 * the gateway did not send one. Totals sum every charger's ports; the
 * temperature is the hottest charger's; ts, gateway and historical are those
 * of the newest telemetry.
 */
export interface ShedView {
  shed: string;
  gateway: string;
  ts: number;
  historical: boolean;
  tempC: number;
  totalPowerW: number;
  building?: string;
  /** The chargers' location when they all share one. */
  location?: string;
  chargers: ChargerView[];
  ports: PortView[];
}

/** Work order steps appear on their alarm's timeline as `wo-<step>` (wo-assigned, wo-escalated...). */
export type TimelineWhat =
  | AlarmTransitionKind
  | "notified"
  | "ack-requested"
  | "restore-requested"
  | `wo-${string}`;

export interface TimelineEntry {
  at: number;
  what: TimelineWhat;
  level?: number;
  by?: string;
  comment?: string;
  target?: string;
}

export interface AlarmView {
  site: string;
  gateway: string;
  alarmId: string;
  kind: AlarmKind;
  severity: Severity;
  deviceId: string;
  port?: number;
  rule: string;
  active: boolean;
  acknowledged: boolean;
  raisedAt: number;
  clearedAt?: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  comment?: string;
  level: number;
  evidence?: string;
  location?: string;
  /** The device's building, from its envelopes, when known. */
  building?: string;
  /**
   * The charger's position in its shed (from 1), when the shed has several
   * chargers: with `port` it names the port as people read it. Added when read.
   */
  chargerNo?: number;
  lastTransition: AlarmTransitionKind;
  updatedAt: number;
  historical: boolean;
  /** Gateway outbox sequence of the last transition applied (orders transitions). */
  seq: number;
  timeline: TimelineEntry[];
}

export const SEVERITY_RANK: Record<Severity, number> = {
  critical: 3,
  major: 2,
  minor: 1,
  maintenance: 0,
};
