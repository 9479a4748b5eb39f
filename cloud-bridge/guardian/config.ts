/**
 * cloud.yaml `guardian`: who may read residents, the escalation chains of
 * welfare and wandering alarms, the residents' families and their daily
 * "all well" summary, and where resident states are kept across restarts.
 * Schema in config-schema.ts, cross-checks in config-check.ts.
 */
import type { Role } from "../config/types.js";

/** One step of a chain: who is told, and how long they have to answer. */
export interface ChainStep {
  /** What the timeline calls this step (family, grid-worker, duty-desk). */
  name: string;
  /** Tell the resident's own family (guardian.residents[].family). */
  family: boolean;
  /** Webhooks (by name) told at this step, besides the family. */
  webhooks: string[];
  /** Unanswered this long after it was told, the chain moves to the next step. */
  ackWithinS: number;
  /** When the chain reaches this step, a work order for the alarm is assigned to this person. */
  workOrderTo?: string;
}

export interface ChainConfig {
  /** Alarm kinds this chain carries (welfare, wandering). */
  kinds: string[];
  /** Re-notify the current step this often while nobody answers (0: never). */
  repeatS: number;
  steps: ChainStep[];
}

export interface ResidentContact {
  site: string;
  deviceId: string;
  /** The family's webhooks (by name). */
  family: string[];
  /** Opt-in: the family gets a daily "all well" summary. */
  dailySummary: boolean;
}

export interface GuardianConfig {
  /** The least role that reads a resident's detail (states, timelines, evidence). */
  readRole: Role;
  /** Signs the acknowledgement links in chain notifications (none: no links). */
  ackSecret?: string;
  /** Base URL of those links as people open them (e.g. https://haitang.example). */
  publicUrl: string;
  checkIntervalS: number;
  chains: ChainConfig[];
  residents: ResidentContact[];
  /** Local time (the site's utcOffsetMinutes) of the daily summary, "HH:MM". */
  dailySummaryAt: string;
  /** JSON file of the residents' states, read at start (none: memory only). */
  stateFile?: string;
}
