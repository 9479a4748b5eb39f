/**
 * The site configuration as TypeScript types: what `loadSiteConfig` returns
 * after JSON Schema validation with defaults filled in. The schema in
 * schema.ts and schema-rules.ts is the source of truth; README.md documents
 * every key. Optional keys stay absent when not given (no `undefined`).
 */
import type {
  AlarmKind,
  AlarmTransitionKind,
  DeviceKindName,
  Severity,
} from "../../protocol/uplink.js";

export interface SerialReceiverConfig {
  /** Receiver name, shown in counters and in `receivers` of each message. */
  name: string;
  /** Device path, e.g. /dev/ttyUSB0 or /dev/serial/by-id/... */
  path: string;
  baud: number;
  /** An RS-485 bus shared with devices: the gateway waits for the line's silence before talking. */
  bus: boolean;
}

export interface MqttIngestConfig {
  /** `embedded`: an Aedes broker inside the gateway; `external`: connect to `url`. */
  mode: "embedded" | "external";
  host: string;
  port: number;
  url?: string;
  username?: string;
  password?: string;
}

export interface CloudTlsConfig {
  /** PEM file paths, resolved against the config file's folder. */
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export interface CloudUplinkConfig {
  url: string;
  clientId?: string;
  username?: string;
  password?: string;
  passwordFile?: string;
  tls?: CloudTlsConfig;
  keepaliveS: number;
  healthIntervalS: number;
  /** Site command key (hex, 16 or 32 bytes) that signs operator commands. */
  commandKey?: string;
  commandKeyFile?: string;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** QoS 1 publishes in flight at once (capped by the broker's Receive Maximum). */
  inflight: number;
  /** Several envelopes per MQTT message (UplinkBatch); maxEntries 1 turns batches off. */
  batch: { maxEntries: number; maxBytes: number; maxWaitMs: number };
}

export interface HttpConfig {
  host: string;
  port: number;
  /** `scrypt$N$r$p$salt$hash` from `hashInstallPassword` (password.ts). */
  installPasswordHash?: string;
}

export interface BuildingConfig {
  id: string;
  name?: string;
  flats: string[];
}

export interface ShedConfig {
  id: string;
  name?: string;
  building?: string;
  /** Total power limit of the shed in watts (aggregate rules default to it). */
  limitW: number;
  /** New sessions are refused on every charger of the shed above this total (default limitW - 700). */
  refuseW?: number;
  ports?: number;
}

export interface StaticDeviceConfig {
  /** 8 hex digits. */
  id: string;
  kind: DeviceKindName;
  /** 32 hex digits; absent when the device is commissioned through the gateway. */
  key?: string;
  building?: string;
  location?: string;
  shed?: string;
  heartbeatS?: number;
  sleepy?: boolean;
  board?: string;
  /**
   * Smoke detectors: the building group epoch whose key the device's image
   * carries (0 = issued at commissioning); absent = it holds no group key.
   */
  groupEpoch?: number;
  /** Battery detectors: how this one listens, when not as the site's `interlink.listen`. */
  listen?: "wake-on-radio" | "windows";
}

export type DeviceEventName =
  | "smoke-alarm"
  | "smoke-clear"
  | "smoke-hush"
  | "self-test-ok"
  | "self-test-fail"
  | "smoke-fault"
  | "tamper"
  | "tamper-clear"
  | "low-battery"
  | "end-of-life"
  | "charger-cut"
  | "charger-restored"
  | "illegal-suspected"
  | "session-start"
  | "session-end"
  | "refused";

export type ChargerReasonName =
  | "none"
  | "overload"
  | "shed-total"
  | "over-temp"
  | "short-circuit"
  | "full-charge"
  | "time-limit"
  | "illegal-load"
  | "command";

export interface RuleScope {
  id: string;
  enabled: boolean;
  description?: string;
  /** Only these devices (8 hex digits each). */
  devices?: string[];
  buildings?: string[];
  sheds?: string[];
}

export type ThresholdMetric = "shed-temp-c" | "port-power-w" | "battery-mv" | "smoke-level";

export interface ThresholdRuleConfig extends RuleScope {
  kind: "threshold";
  metric: ThresholdMetric;
  above?: number;
  below?: number;
  hysteresis: number;
  durationS: number;
  alarm: AlarmKind;
  severity: Severity;
  /** Ports to cut while raised: none, the port that crossed, or every port. */
  cut: "none" | "port" | "all";
  ports?: number[];
  plausible?: { min?: number; max?: number; maxStepPerS?: number };
}

export interface DeviceEventRuleConfig extends RuleScope {
  kind: "device-event";
  on: DeviceEventName[];
  /** Charger events only: match these reasons (all when absent). */
  reasons?: ChargerReasonName[];
  clearOn: DeviceEventName[];
  alarm?: AlarmKind;
  severity: Severity;
  /** One alarm per port (true) or one per device for the whole shed (false). */
  perPort: boolean;
  /** Sound every other detector of the same building (smoke events). */
  interlink?: { soundDurationS: number };
  /** Emit a notification (for events that are not alarms). */
  notify: boolean;
}

export interface AbsenceRuleConfig extends RuleScope {
  kind: "absence";
  deviceKinds: DeviceKindName[];
  factor: number;
  alarm: AlarmKind;
  severity: Severity;
}

export interface AggregateRuleConfig extends RuleScope {
  kind: "aggregate";
  /** Shed limit in W; defaults to the shed's `limitW`. */
  limitW?: number;
  /** Refuse mark in W; defaults to the shed's `refuseW`, else 700 W under the limit. */
  refuseW?: number;
  /** How long a charger refuses after one notice; renewed every half of it. */
  refuseHoldS: number;
  hysteresisW: number;
  durationS: number;
  /** Readings older than this are left out of the sum. */
  staleS: number;
  /** A port under this is idle (a session starts when it rises above). */
  idleW: number;
  alarm: AlarmKind;
  severity: Severity;
  cut: "newest" | "none";
}

export interface IllegalLoadRuleConfig extends RuleScope {
  kind: "illegal-load";
  flatMinW: number;
  windowS: number;
  flatTolerancePct: number;
  taperPct: number;
  stepW: number;
  stepAboveW: number;
  stepMaxGapS: number;
  idleW: number;
  alarm: AlarmKind;
  severity: Severity;
  cut: boolean;
}

export interface InactivityWindowConfig {
  /** Local time "HH:MM" (site `utcOffsetMin`); a window may cross midnight. */
  from: string;
  to: string;
  maxIdleS: number;
}

export interface InactivityRuleConfig extends RuleScope {
  kind: "inactivity";
  windows: InactivityWindowConfig[];
  alarm: AlarmKind;
  severity: Severity;
}

/** Guardian welfare model (gateway/rules/welfare/): see config README `welfare`. */
export interface WelfareRuleConfig extends RuleScope {
  kind: "welfare";
  /** The daytime window before a routine is learned; its `to` stays the window's end. */
  window: { from: string; to: string };
  /** Idle limit inside the window before learning, and the ceiling of a learned one. */
  maxIdleS: number;
  /** Floor of a learned idle limit. */
  minIdleS: number;
  /** "Overdue" (call the resident) at this fraction of the idle limit. */
  overdueRatio: number;
  /** Routine learning: days needed, and bounds of a learned window start. */
  learn: { days: number; earliestStart: string; latestStart: string };
  /** The door opened and no activity since: "away" after confirmS, "overdue" after overdueS. */
  away: { confirmS: number; overdueS: number };
  /** Night: a door opening in it with no activity within returnS raises a wandering alert. */
  night: { from: string; to: string; returnS: number };
  /** Sensor faults (welfare alarms suspended while one is active). */
  sensor: {
    silentFactor: number;
    lowBatteryMv: number;
    silentSeverity: Severity;
    batterySeverity: Severity;
  };
  alarm: AlarmKind;
  severity: Severity;
  wandering: { alarm: AlarmKind; severity: Severity };
}

export type SecurityReason = "bad-mac" | "replayed" | "decommissioned" | "wrong-direction";

export interface SecurityRuleConfig extends RuleScope {
  kind: "security";
  /** Pipeline drop reasons that count (frames of a known device id). */
  reasons: SecurityReason[];
  count: number;
  windowS: number;
  /** Cleared after this long without a counted rejection. */
  quietS: number;
  alarm: AlarmKind;
  severity: Severity;
}

export type RuleConfig =
  | SecurityRuleConfig
  | ThresholdRuleConfig
  | DeviceEventRuleConfig
  | AbsenceRuleConfig
  | AggregateRuleConfig
  | IllegalLoadRuleConfig
  | InactivityRuleConfig
  | WelfareRuleConfig;

export type RuleKind = RuleConfig["kind"];

export interface NotificationChannelConfig {
  id: string;
  type: "log" | "webhook" | "mqtt";
  url?: string;
  topic?: string;
  severities: Severity[];
  kinds?: AlarmKind[];
  transitions: AlarmTransitionKind[];
}

export interface EscalationLevelConfig {
  /** Seconds after the alarm was raised, while still active and unacknowledged. */
  afterS: number;
  notify: string[];
}

export interface EscalationPolicyConfig {
  id: string;
  kinds?: AlarmKind[];
  severities?: Severity[];
  levels: EscalationLevelConfig[];
}

/** Per-frame ingest knobs (gateway/pipeline). */
export interface IngestConfig {
  /** Per-device token bucket: sustained frames per second and burst (frames back to back). */
  rateLimit: { perSecond: number; burst: number };
  /** How long an accepted frame waits for copies from other receivers before it is committed. */
  mergeWindowMs: number;
  /**
   * Accepted frames waiting for their commit above which the gateway stops
   * reading telemetry from an external broker (0: never).
   */
  holdAboveFrames: number;
}

/** The battery detectors' listening schedule, which sets the interlink's resend interval. */
export interface InterlinkConfig {
  /** The shortest listening window of the site's battery detectors. */
  listenWindowMs: number;
  /** Radio UART speed of the receivers. */
  baud: number;
  /** The detectors' listening period: a group sounding re-targets a silent member after about three. */
  listenEveryS: number;
  /** 32 hex digits; with it, detectors holding their building's group key get one group frame per building. */
  groupSecret?: string;
  /**
   * How battery detectors listen unless their own `listen` says otherwise:
   * "wake-on-radio" (default: the radio module sniffs every sniffEveryMs and
   * downlinks they do not listen for carry a wake-up preamble) or "windows".
   */
  listen: "wake-on-radio" | "windows";
  /** The wake-on-radio modules' sniff period (their device config's wakeOnRadio.sniffEveryMs). */
  sniffEveryMs: number;
}

export interface SiteConfig {
  site: string;
  gateway: string;
  name?: string;
  /** Local time offset from UTC in minutes (China: 480). */
  utcOffsetMin: number;
  database: string;
  diskCapMB: number;
  serial: SerialReceiverConfig[];
  mqtt: MqttIngestConfig;
  ingest: IngestConfig;
  interlink: InterlinkConfig;
  cloud?: CloudUplinkConfig;
  http: HttpConfig;
  buildings: BuildingConfig[];
  sheds: ShedConfig[];
  devices: StaticDeviceConfig[];
  rules: RuleConfig[];
  notifications: NotificationChannelConfig[];
  escalation: EscalationPolicyConfig[];
}
