/** The cloud bridge's configuration after validation and defaults (cloud.yaml). */
import type { AlarmTransitionKind, Severity } from "../../protocol/uplink.js";
import type { GuardianConfig } from "../guardian/config.js";

export type Role = "viewer" | "operator" | "admin";

export interface TlsConfig {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  rejectUnauthorized: boolean;
  servername?: string;
}

export interface MqttConfig {
  url: string;
  username?: string;
  password?: string;
  /** Stable per instance: the broker keeps this client's session (and its unacknowledged messages). */
  clientId?: string;
  shareGroup: string;
  keepaliveS: number;
  /** How long the broker keeps this instance's session (and queued messages) after it disconnects. */
  sessionExpiryS: number;
  /** MQTT v5 Receive Maximum: unacknowledged QoS 1 messages the broker may send at once. */
  receiveMaximum: number;
  maxPayloadBytes: number;
  reconnectPeriodMs: number;
  /**
   * A peer instance whose presence says "crashed" for this long has its
   * session drained and ended by a survivor (0: never; wait for it to return).
   */
  adoptCrashedPeersAfterS: number;
  tls?: TlsConfig;
}

export interface InfluxConfig {
  url: string;
  org: string;
  bucket: string;
  token: string;
  /** Lines per write request. */
  batchSize: number;
  /** Longest time a line waits before its batch is sent. */
  flushIntervalMs: number;
  gzip: boolean;
  timeoutMs: number;
  maxConcurrentWrites: number;
  retry: { initialMs: number; maxMs: number };
}

export interface HistoryConfig {
  kind: "victoriametrics";
  url: string;
  timeoutMs: number;
}

export interface HttpConfig {
  host: string;
  port: number;
  metricsToken?: string;
  /** Folder of static files served for paths outside /api (the dashboard). */
  webRoot?: string;
}

export interface TokenConfig {
  name: string;
  token: string;
  sites: string[];
  role: Role;
}

export interface SiteLimits {
  portLimitW?: number;
  shedLimitW?: number;
  overTempC?: number;
}

export interface SiteConfig {
  name?: string;
  /** 16-byte key (32 hex digits) that signs operator commands to this site's gateways. */
  commandKey: string;
  gateways: string[];
  /** Local time of the compound, for weekly report boundaries (e.g. 480 for China). */
  utcOffsetMinutes: number;
  limits?: SiteLimits;
  /**
   * Charging sheds by the id the gateways send in the envelope's `shed` (the
   * gateway site config's `sheds[].id`): a display name and the shed's limit.
   */
  sheds?: Record<string, ShedConfig>;
  /**
   * The key of the site link for residents' reports (随手拍): whoever has the
   * link may report without logging in. No key: the site takes no reports.
   */
  reportKey?: string;
}

export interface ShedConfig {
  name?: string;
  limitW?: number;
}

export interface WebhookConfig {
  name: string;
  url: string;
  secret: string;
  sites: string[];
  minSeverity: Severity;
  transitions: AlarmTransitionKind[];
  /** Only called by escalation levels that name it. */
  escalationOnly: boolean;
  timeoutMs: number;
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface EscalationLevel {
  afterS: number;
  webhooks: string[];
}

export interface EscalationConfig {
  minSeverity: Severity;
  checkIntervalS: number;
  levels: EscalationLevel[];
}

export interface BridgeConfig {
  instance?: string;
  mqtt: MqttConfig;
  influx: InfluxConfig;
  history: HistoryConfig;
  http: HttpConfig;
  tokens: TokenConfig[];
  sites: Record<string, SiteConfig>;
  webhooks: WebhookConfig[];
  escalation: EscalationConfig;
  alarms: { dedupCacheSize: number; recentHours: number; maxTimeline: number };
  devices: { offlineAfterS: number; lowBatteryMv: number };
  /** auditFile: JSON lines of operator actions (port restores), kept across restarts. */
  commands: { timeoutMs: number; auditFile?: string };
  rebuild: { fromHistory: boolean; lookbackHours: number };
  guardian: GuardianConfig;
  workOrders: WorkOrdersConfig;
  /** responsesFile: SQLite file of response-time samples (trends across restarts). */
  cockpit: { responsesFile?: string; responseWeeks: number };
}

export interface WorkOrdersConfig {
  /** JSON lines of every work order change, replayed at start (none: kept in memory only). */
  file?: string;
  /** Minutes from creation (or the last escalation) to resolved, per severity. */
  deadlinesMin: Record<Severity, number>;
  /** Who is told at each missed deadline, in order. */
  escalateTo: string[];
  /** Webhooks (by name) that reach each escalateTo level's people, e.g. {"grid-leader": ["leader-sms"]}. */
  webhooks: Record<string, string[]>;
  checkIntervalS: number;
  /** Residents' reports accepted per sender address and site per hour. */
  reportsPerHour: number;
}
