/**
 * The message catalogue as TypeScript values. Codes and units: constants.ts and docs/protocol.md.
 * Uplink messages are defined once in message-schemas.ts (the cloud bridge validates with the
 * same definitions); the imports here are type-only, so firmware never bundles TypeBox.
 */
import type { Static } from "@sinclair/typebox";
import type {
  ChargerEventMsgSchema,
  ChargerTelemetryMsgSchema,
  CommandAckMsgSchema,
  GroupAckMsgSchema,
  GuardianActivityMsgSchema,
  PortReadingSchema,
  SmokeEventMsgSchema,
  StatusMsgSchema,
} from "./message-schemas.js";

export type StatusMsg = Static<typeof StatusMsgSchema>;
export type SmokeEventMsg = Static<typeof SmokeEventMsgSchema>;
export type PortReading = Static<typeof PortReadingSchema>;
export type ChargerTelemetryMsg = Static<typeof ChargerTelemetryMsgSchema>;
export type ChargerEventMsg = Static<typeof ChargerEventMsgSchema>;
export type GuardianActivityMsg = Static<typeof GuardianActivityMsgSchema>;
export type CommandAckMsg = Static<typeof CommandAckMsgSchema>;
export type GroupAckMsg = Static<typeof GroupAckMsgSchema>;

/** Where a device stands in an update (TYPE_OTA_STATUS). */
export interface OtaStatusMsg {
  type: "ota-status";
  /** OTA_STATE_* */
  state: number;
  /** OTA_REASON_* */
  reason: number;
  /** The version this status is about: the update's while receiving, the running one after a switch or rollback. */
  fwMajor: number;
  fwMinor: number;
  fwPatch: number;
  /** Chunks held / chunks in the image (0/0 without a transfer). */
  received: number;
  total: number;
  /** Chunk index of bit 0 of `have`. */
  from: number;
  /** OTA_BITMAP_CHUNKS bits, chunk from+i is held when bit i (LSB first per byte) is set; 8 bytes. */
  have: Uint8Array;
}

export interface AckMsg {
  type: "ack";
  ackedCounter: number;
}

export interface RelayMsg {
  type: "relay";
  port: number;
  on: boolean;
  reason: number;
}

export interface SoundMsg {
  type: "sound";
  mode: number;
  durationS: number;
  sourceDeviceId: number;
}

/**
 * TYPE_GROUP_SOUND: a sounding for every detector of a building; the frame's
 * deviceId field is the building's group id (docs/protocol.md).
 */
export interface GroupSoundMsg {
  type: "group-sound";
  mode: number;
  durationS: number;
  sourceDeviceId: number;
}

export interface ConfigEntry {
  key: number;
  value: number;
}

export interface ConfigMsg {
  type: "config";
  entries: ConfigEntry[];
}

export interface TimeSyncMsg {
  type: "time-sync";
  unixS: number;
}

export interface OtaBeginMsg {
  type: "ota-begin";
  /** OTA_MANIFEST_LENGTH bytes, see protocol/ota.ts. */
  manifest: Uint8Array;
}

export interface OtaChunkMsg {
  type: "ota-chunk";
  index: number;
  /** 1..OTA_CHUNK_BYTES bytes. */
  data: Uint8Array;
}

export interface OtaControlMsg {
  type: "ota-control";
  /** OTA_OP_* */
  op: number;
  /** OTA_OP_QUERY: first chunk index of the bitmap asked for. */
  arg: number;
}

export type UplinkMsg =
  | StatusMsg
  | SmokeEventMsg
  | ChargerTelemetryMsg
  | ChargerEventMsg
  | GuardianActivityMsg
  | CommandAckMsg
  | GroupAckMsg
  | OtaStatusMsg;

export type DownlinkMsg =
  | AckMsg
  | RelayMsg
  | SoundMsg
  | GroupSoundMsg
  | ConfigMsg
  | TimeSyncMsg
  | OtaBeginMsg
  | OtaChunkMsg
  | OtaControlMsg;

export type Msg = UplinkMsg | DownlinkMsg;

export type MsgTypeName = Msg["type"];

export interface Frame {
  deviceId: number;
  counter: number;
  /** FLAG_* bits. */
  flags: number;
  msg: Msg;
}
