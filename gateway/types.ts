/**
 * Types shared by the gateway's stages. gw-core (ingest, pipeline, registry,
 * outbox, downlink queue, wiring) and gw-rules (config, rules, alarms, uplink)
 * meet here. Additive changes only; say so in the commit message.
 */
import type { DownlinkMsg, Frame, UplinkMsg } from "../protocol/messages.js";
import type {
  AlarmKind,
  DeviceKindName,
  ReceiverReading,
  ResidentStateName,
  Severity,
} from "../protocol/uplink.js";

/** A frame that passed decode, MAC, counter window and de-duplication. */
export interface AcceptedMessage {
  deviceId: number;
  deviceKind: DeviceKindName;
  counter: number;
  flags: number;
  msg: UplinkMsg;
  /** Milliseconds since the epoch when the gateway first accepted the frame. */
  receivedAt: number;
  /** Every receiver that heard this frame (merged copies), with signal strength. */
  receivers: ReceiverReading[];
  /** Site-level placement, from the registry. */
  building?: string;
  location?: string;
  /** Shed id of a charger, from the registry. */
  shed?: string;
}

/** How a battery detector listens: by wake-on-radio or in scheduled windows (gateway/downlink/listen-modes.ts). */
export type ListenMode = "wake-on-radio" | "windows";

export const LISTEN_MODES: readonly ListenMode[] = ["wake-on-radio", "windows"];

export interface DeviceRecord {
  deviceId: number;
  kind: DeviceKindName;
  /** 16 bytes. Never logged or printed. */
  key: Uint8Array;
  status: "active" | "decommissioned";
  building?: string;
  location?: string;
  /** Shed id for chargers (aggregate rules group by it). */
  shed?: string;
  heartbeatS: number;
  /** Battery devices listen only briefly after an uplink. */
  sleepy: boolean;
  board?: string;
  firmware?: string;
  /**
   * How a battery smoke detector listens, when set for it (registration API or
   * the site YAML's devices[].listen); absent: the site's interlink.listen.
   */
  listen?: ListenMode;
  lastSeen?: number;
  lastRssi?: number;
  batteryMv?: number;
}

/** Why a frame left the pipeline; each is a counter. */
export type DropReason =
  | "bad-crc"
  | "garbage"
  | "oversize"
  | "malformed"
  | "unknown-device"
  | "decommissioned"
  | "bad-mac"
  | "replayed"
  | "duplicate"
  | "rate-limited"
  | "wrong-direction";

export type Priority = 0 | 1 | 2;
export const PRIORITY_ALARM: Priority = 0;
export const PRIORITY_EVENT: Priority = 1;
export const PRIORITY_TELEMETRY: Priority = 2;

/** What goes into the durable outbox, to be published to the cloud broker. */
export interface OutboxItem {
  priority: Priority;
  topic: string;
  /** JSON text of an UplinkEnvelope / AlarmTransition / ... (seq and historical filled at publish). */
  payload: string;
  /** Ordering key: entries of one key leave in order. */
  key: string;
  createdAt: number;
}

export interface OutboxEntry extends OutboxItem {
  seq: number;
}

/** The durable outbox. Implementations pass gateway/outbox/outbox.contract.ts. */
export interface Outbox {
  /** Appends in one transaction (durable when it returns); returns the entries with seq. */
  append(items: OutboxItem[]): OutboxEntry[];
  /** Oldest first within priority, alarms first; never two entries of one key out of order. */
  peek(limit: number): OutboxEntry[];
  /** Removes after the broker's PUBACK. */
  remove(seqs: number[]): void;
  depth(): number;
  oldestAgeS(now: number): number;
}

/**
 * What the uplink and the health report need of the outbox: draining and
 * sizes. The gateway's appends go through the committer (WorkerCommitter).
 */
export type DrainableOutbox = Pick<Outbox, "peek" | "remove" | "depth" | "oldestAgeS"> & {
  /** Is there an alarm or event with a seq above `seq`? (a drain keeps its queue when not) */
  urgentAfter?(seq: number): boolean;
  /**
   * peek's order from a place in it on (a drain reads only entries after the
   * ones it handed out), or over the priorities below `below` only.
   */
  walk?(from: OutboxCursor | undefined, limit: number, below?: Priority): OutboxWalk;
};

/** A place in the outbox's draining order: the last (priority, seq) a walk handed out. */
export interface OutboxCursor {
  priority: Priority;
  seq: number;
}

export interface OutboxWalk {
  entries: OutboxEntry[];
  /** Where the next walk goes on from. */
  cursor: OutboxCursor | undefined;
  /**
   * The walk read to the end of the outbox: nothing came after its last entry
   * when it looked. False also when it stopped at its limit.
   */
  end?: boolean;
}

/** A rule's decision. Rules never do I/O; the wiring carries actions out. */
export type Action =
  | {
      type: "raise-alarm";
      kind: AlarmKind;
      severity: Severity;
      deviceId: number;
      port?: number;
      rule: string;
      evidence?: string;
    }
  | { type: "clear-alarm"; kind: AlarmKind; deviceId: number; port?: number; rule: string }
  | { type: "downlink"; deviceId: number; msg: DownlinkMsg; priority: Priority; reason: string }
  | { type: "notify"; text: string; severity: Severity; deviceId?: number }
  /** A guardian resident's welfare state changed (uplinked: states and times only). */
  | {
      type: "resident-state";
      deviceId: number;
      state: ResidentStateName;
      since: number;
      lastActivityAt?: number;
    };

export type { Frame };
