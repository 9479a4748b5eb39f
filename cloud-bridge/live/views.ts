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
}

export interface PortView {
  port: number;
  powerW: number;
  energyWh: number;
  state: string;
  stateCode: number;
  relayOn: boolean;
}

export interface ShedView {
  shed: string;
  gateway: string;
  ts: number;
  historical: boolean;
  tempC: number;
  totalPowerW: number;
  ports: PortView[];
}

export type TimelineWhat = AlarmTransitionKind | "notified" | "ack-requested";

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
