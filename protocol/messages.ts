/** The message catalogue as TypeScript values. Codes and units: constants.ts and docs/protocol.md. */

export interface StatusMsg {
  type: "status";
  deviceKind: number;
  batteryMv: number;
  fwMajor: number;
  fwMinor: number;
  fwPatch: number;
  uptimeS: number;
  resetCause: number;
}

export interface SmokeEventMsg {
  type: "smoke-event";
  event: number;
  /** Smoke obscuration in hundredths of a percent per metre. */
  smokeLevel: number;
  batteryMv: number;
  /** Increments once per physical event; repeats and retries of one event carry the same id. */
  eventId: number;
}

export interface PortReading {
  powerW: number;
  energyWh: number;
  state: number;
  relayOn: boolean;
}

export interface ChargerTelemetryMsg {
  type: "charger-telemetry";
  /** Shed temperature in tenths of a degree Celsius. */
  tempDeciC: number;
  ports: PortReading[];
}

export interface ChargerEventMsg {
  type: "charger-event";
  /** Port index from 0, or PORT_ALL for the shed. */
  port: number;
  event: number;
  reason: number;
  powerW: number;
  tempDeciC: number;
  sessionS: number;
}

export interface GuardianActivityMsg {
  type: "guardian-activity";
  doorOpens: number;
  motionCount: number;
  /** Seconds since the last door or motion activity. */
  idleS: number;
  batteryMv: number;
}

export interface CommandAckMsg {
  type: "command-ack";
  ackedCounter: number;
  result: number;
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
