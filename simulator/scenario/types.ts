/**
 * A scenario as it is written in YAML (after schema validation). Durations are
 * strings like "5m" (duration.ts); `load-scenario.ts` turns them into ms.
 */

export type Duration = string | number;
export type DeviceKind = "smoke" | "charger" | "guardian";
export type LoadKind = "lithium" | "lead-acid" | "heater" | "short";
export type SmokeProfile =
  | "smouldering"
  | "flaming"
  | "cooking"
  | "cooking-then-fire"
  | "clean"
  | "dead-chamber";

export interface DeviceSpec {
  id: string;
  kind: DeviceKind;
  /** 8 hex digits; derived from the scenario seed and name when absent. */
  deviceId?: string;
  /** "radio" (every receiver), a bus id, or "wifi" (MQTT to the gateway). */
  link: string;
  /** "building/flat" for detectors and guardians. */
  flat?: string;
  shed?: string;
  board?: string;
  heartbeat?: Duration;
  inServiceDays?: number;
  /** Threshold overrides passed into the device's build configuration. */
  thresholds?: Record<string, number>;
  battery?: { startMv?: number; drainMvPerDay?: number };
  routine?: {
    wakeHour?: number;
    sleepHour?: number;
    motionPerHour?: number;
    napHour?: number;
    napHours?: number;
    lateMorningChance?: number;
    nightTripChance?: number;
    /** Days away, as durations from the start ("5d10h"). */
    away?: Array<{ from: string; to: string }>;
    /** Visitors' arrivals, as durations from the start. */
    visitors?: string[];
  };
}

export interface SiteSpec {
  buildings?: { id: string; flats: string[] }[];
  sheds?: { id: string; limitW?: number; refuseW?: number; building?: string }[];
  receivers?: { id: string; loss?: number; hears?: string[] }[];
  buses?: { id: string; baud?: number }[];
  radio?: {
    latency?: Duration;
    jitter?: Duration;
    duplicate?: number;
    reorder?: number;
    corrupt?: number;
    /** Line rate of every receiver's radio channel (default 9,600). */
    baud?: number;
    /**
     * Airtime model (default true): each receiver's channel carries one frame
     * at a time at `baud`; its downlinks queue, overlapping frames collide.
     */
    airtime?: boolean;
  };
  devices: DeviceSpec[];
}

export interface TimelineItem {
  at: Duration;
  label?: string;
  smoke?: { device: string; profile: SmokeProfile; peak?: number };
  "press-test"?: { device: string };
  tamper?: { device: string; removed?: boolean };
  battery?: { device: string; mv: number };
  "power-off"?: { device: string };
  "power-on"?: { device: string };
  reboot?: { device: string };
  plug?: {
    device: string;
    port: number;
    load: LoadKind;
    powerW?: number;
    capacityWh?: number;
    startSoc?: number;
    chargeCurrentA?: number;
    softStartS?: number;
  };
  unplug?: { device: string; port: number };
  "hot-contact"?: { device: string; port: number; riseC: number; tau?: Duration };
  "stop-moving"?: { device: string };
  /** A guardian's resident walks out of the door (at night: wandering) and does not come back. */
  wander?: { device: string };
  "link-down"?: { link: string; for?: Duration };
  "link-up"?: { link: string };
  corrupt?: { link: string; rate: number; for?: Duration };
  loss?: { link: string; rate: number; for?: Duration };
  "cloud-down"?: { for?: Duration };
  "cloud-up"?: Record<string, never>;
  "gateway-restart"?: { down?: Duration };
  rogue?: { device?: string; deviceId?: string; link: string; count?: number; every?: Duration };
  replay?: { device: string; link: string; last?: number };
  command?: { device: string; port: number; on: boolean };
  /** `by`: who acknowledges (default "sim"), e.g. the family member of an escalation chain. */
  "ack-alarm"?: { kind: string; device: string; by?: string };
  /**
   * Starts a firmware-update campaign for every device of `kind` (their
   * packages built from this version; faults on purpose by device name).
   * Scenarios with this step flash every device's image into Storage.
   */
  "ota-campaign"?: {
    kind: "smoke" | "charger";
    version: string;
    id?: string;
    canary?: number;
    maxFailures?: number;
    forged?: string[];
    corrupt?: string[];
    downgrade?: string[];
    silent?: string[];
  };
}

export interface ExpectItem {
  name?: string;
  alarm?: { kind: string; device?: string; port?: number; within?: Duration; after?: string };
  "no-alarm"?: { kind: string; device?: string; after?: string };
  "alarm-cleared"?: { kind: string; device: string; within?: Duration; after?: string };
  /** The alarm escalated to `level` (1 = the second person of the chain) unacknowledged. */
  escalated?: { kind: string; device: string; level: number; within?: Duration; after?: string };
  "not-escalated"?: { kind: string; device: string; after?: string };
  /** The cloud heard the guardian resident's welfare state `state`. */
  "cloud-resident"?: { device: string; state: string; within?: Duration; after?: string };
  "cloud-alarms"?: { kind: string; device?: string; count: number; after?: string };
  "relay-off"?: { device: string; port: number; within?: Duration; after?: string };
  "relay-on"?: { device: string; port: number; at?: string };
  cut?: { device: string; port?: number; reason: string; within?: Duration; after?: string };
  "no-cut"?: { device: string; port?: number; reason?: string; after?: string };
  sounded?: { device: string; within?: Duration; after?: string };
  "not-sounded"?: { device: string; after?: string };
  "device-event"?: { device: string; event: string; within?: Duration; after?: string };
  "cloud-telemetry-complete"?: { device: string; after?: string };
  /** The guardian's door/motion reports reached the gateway and none reached the cloud. */
  "cloud-no-raw-activity"?: { device: string };
  "gateway-counter"?: { name: string; atLeast?: number; atMost?: number };
  "cloud-historical"?: { device: string; atLeast?: number };
  /**
   * A device's (or, with `kind`, at least `atLeast` devices') end in a
   * firmware-update campaign: reported (the new version), rolled-back or failed
   * (with `reason` in the text), or refused by the gateway (forged, corrupt).
   * Ended devices must be heard after their end (not bricked).
   */
  ota?: {
    device?: string;
    kind?: "smoke" | "charger";
    state: "reported" | "rolled-back" | "failed" | "forged" | "corrupt";
    reason?: string;
    atLeast?: number;
  };
  /** Every device of every campaign ended (reported, or rolled back / failed / refused with a reason) and was heard after. */
  "ota-all-ended"?: Record<string, never>;
  /**
   * Every event (an "ack requested" uplink: session start, cut, alarm...) of
   * `device`, or of every device of `kind` (default every device), reached
   * the gateway intact, on its first attempt or a retry.
   */
  "events-delivered"?: { device?: string; kind?: "smoke" | "charger" | "guardian" };
  /**
   * The airtime offered in the busiest 10 s of every receiver channel and bus
   * (or of `receiver` alone) stayed under `under` percent of the line.
   */
  "channel-load"?: { receiver?: string; under: number };
}

export interface ScenarioFile {
  name: string;
  description?: string;
  seed?: number;
  duration: Duration;
  /** ISO time of virtual instant 0; 2026-01-05T00:00:00+08:00 by default. */
  start?: string;
  /** pty (default): receivers and buses are real pseudo-terminals; in-process: direct. */
  transport?: "pty" | "in-process";
  site: SiteSpec;
  /** Extra gateway configuration merged into the generated site config (e.g. rules). */
  gateway?: {
    rules?: Record<string, unknown>[];
    standardRules?: boolean;
    /**
     * Building group sounding (default true): detectors with a building get
     * its group key in their images and the gateway the site's group secret;
     * false = every interlinked sounding is sent to each detector alone.
     */
    groupSounding?: boolean;
    /** The gateway's notification channels and escalation policies (site YAML keys). */
    notifications?: Record<string, unknown>[];
    escalation?: Record<string, unknown>[];
  };
  timeline?: TimelineItem[];
  expect: ExpectItem[];
}

export const TIMELINE_ACTIONS = [
  "smoke",
  "press-test",
  "tamper",
  "battery",
  "power-off",
  "power-on",
  "reboot",
  "plug",
  "unplug",
  "hot-contact",
  "stop-moving",
  "wander",
  "link-down",
  "link-up",
  "corrupt",
  "loss",
  "cloud-down",
  "cloud-up",
  "gateway-restart",
  "rogue",
  "replay",
  "command",
  "ack-alarm",
  "ota-campaign",
] as const;

export const EXPECT_KINDS = [
  "alarm",
  "no-alarm",
  "alarm-cleared",
  "escalated",
  "not-escalated",
  "cloud-resident",
  "cloud-alarms",
  "relay-off",
  "relay-on",
  "cut",
  "no-cut",
  "sounded",
  "not-sounded",
  "device-event",
  "cloud-telemetry-complete",
  "cloud-no-raw-activity",
  "gateway-counter",
  "cloud-historical",
  "ota",
  "ota-all-ended",
  "events-delivered",
  "channel-load",
] as const;
