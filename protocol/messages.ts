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

export type UplinkMsg =
  | StatusMsg
  | SmokeEventMsg
  | ChargerTelemetryMsg
  | ChargerEventMsg
  | GuardianActivityMsg
  | CommandAckMsg;

export type DownlinkMsg = AckMsg | RelayMsg | SoundMsg | ConfigMsg | TimeSyncMsg;

export type Msg = UplinkMsg | DownlinkMsg;

export type MsgTypeName = Msg["type"];

export interface Frame {
  deviceId: number;
  counter: number;
  /** FLAG_* bits. */
  flags: number;
  msg: Msg;
}
