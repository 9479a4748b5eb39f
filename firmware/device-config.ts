/**
 * A device's build-time configuration (`haitang build-firmware --device FILE.json`).
 * The installer writes one per device; the simulator makes them for virtual devices.
 * JSON Schema: firmware/build/device-config.schema.json (validated before a build).
 */

/** Listening schedule of battery smoke detectors when the device config names none. */
export const DEFAULT_LISTEN_EVERY_S = 5;
/** Battery smoke detectors listen by wake-on-radio, the module sniffing this often (gateway/downlink/README.md). */
export const DEFAULT_SNIFF_EVERY_MS = 1000;

export type DeviceKind = "smoke" | "charger" | "guardian";

export interface SmokeThresholds {
  /** Obscuration (hundredths of %/m) at or above which a sample counts towards alarm. */
  alarmLevel: number;
  /** Consecutive samples over alarmLevel before alarming (confirmation). */
  confirmSamples: number;
  sampleIntervalS: number;
  /** Hush lasts at most this long (GB 20517 / EN 14604: at most 10 minutes). */
  hushS: number;
  lowBatteryMv: number;
}

export interface ChargerThresholds {
  ports: number;
  portLimitW: number;
  portOverloadS: number;
  shedLimitW: number;
  /** Below shedLimitW: new sessions are refused above this total. */
  shedRefuseW: number;
  overTempDeciC: number;
  /** Re-arm only when the temperature is this much below the limit. */
  overTempHysteresisDeciC: number;
  shortCircuitW: number;
  fullChargeW: number;
  fullChargeS: number;
  sessionMaxS: number;
  telemetryIntervalS: number;
}

export interface GuardianThresholds {
  reportIntervalS: number;
}

export interface DeviceGroup {
  /** 32-bit group id (the header's device id field of a group frame). */
  id: number;
  /** 128-bit building group key, 32 hex digits. */
  key: string;
}

export interface DeviceConfig {
  /** 32-bit device id. */
  deviceId: number;
  kind: DeviceKind;
  /** 128-bit key, 32 hex digits. */
  key: string;
  heartbeatS: number;
  /** Milliseconds the radio listens after each uplink (battery devices). */
  listenWindowMs: number;
  /**
   * Battery smoke detectors also open the radio for listenWindowMs every this
   * many seconds, so an interlinked fire command from the gateway reaches them
   * between uplinks. Default DEFAULT_LISTEN_EVERY_S; ignored by mains devices
   * (listenWindowMs 0) and by the guardian.
   */
  listenEveryS?: number;
  /**
   * Battery smoke detectors: the radio module listens for the device by
   * wake-on-radio. It sniffs the channel every `sniffEveryMs`, receives any
   * frame sent after a wake-up preamble at least that long, and raises the
   * board's `wake` pin; the board opens a listening window to read the frame.
   * No scheduled listening windows then (listenEveryS is 0). Absent: windows.
   */
  wakeOnRadio?: { sniffEveryMs: number };
  link: { type: "uart"; baud: number };
  /**
   * Smoke detectors: the building group key issued at commissioning (its id
   * and 32 hex digits). With it the detector also takes the building's group
   * sounding (TYPE_GROUP_SOUND); without it, only soundings sent to it alone.
   */
  group?: DeviceGroup;
  /** Board pin name per role, e.g. { smoke: "A0", relay0: "B3" }. */
  pins: { [role: string]: string };
  smoke?: SmokeThresholds;
  charger?: ChargerThresholds;
  guardian?: GuardianThresholds;
}
