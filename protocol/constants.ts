/**
 * Numbers of the Haitang wire contract. docs/protocol.md has the byte tables;
 * every offset and code used by the codec is named here and nowhere else.
 * This file must stay ES5-safe: the firmware bundles it for Espruino.
 */

export const PROTOCOL_VERSION = 1;

/** Header layout: [ver|flags][type][deviceId u32][counter u32]. */
export const OFFSET_VERSION_FLAGS = 0;
export const OFFSET_TYPE = 1;
export const OFFSET_DEVICE_ID = 2;
export const OFFSET_COUNTER = 6;
export const HEADER_LENGTH = 10;
/** Truncated HMAC-SHA256, 64 bits. */
export const MAC_LENGTH = 8;
export const KEY_LENGTH = 16;
/** Largest codec frame (header + payload + MAC). */
export const MAX_FRAME_LENGTH = 64;
export const MIN_FRAME_LENGTH = HEADER_LENGTH + MAC_LENGTH;

export const FLAG_ACK_REQUESTED = 0x1;
export const FLAG_RETRANSMISSION = 0x2;

/** Message type codes. Uplink below 0x80, downlink from 0x80. */
export const TYPE_STATUS = 0x01;
export const TYPE_SMOKE_EVENT = 0x02;
export const TYPE_CHARGER_TELEMETRY = 0x03;
export const TYPE_CHARGER_EVENT = 0x04;
export const TYPE_GUARDIAN_ACTIVITY = 0x05;
export const TYPE_COMMAND_ACK = 0x06;
/**
 * A detector heard its building's group sounding (TYPE_GROUP_SOUND): the
 * payload of a command-ack naming the group frame's counter. Sent with ack
 * requested at the detector's next scheduled listening window, so a
 * building's acknowledgements spread over one listening period.
 */
export const TYPE_GROUP_ACK = 0x07;
export const TYPE_ACK = 0x81;
export const TYPE_RELAY = 0x82;
export const TYPE_SOUND = 0x83;
export const TYPE_CONFIG = 0x84;
export const TYPE_TIME_SYNC = 0x85;
/**
 * Interlinked sounding of a whole building in one frame: the payload of
 * TYPE_SOUND, the header's device id field carries the building's group id,
 * the counter is the group's own and the MAC is under the building group key
 * (issued at commissioning, rotated by a group rekey). Every detector of the
 * building verifies it; repeated by every receiver.
 */
export const TYPE_GROUP_SOUND = 0x86;
/**
 * Gateway to its own radio receiver, never on the air: "send the next frame
 * after a wake-up preamble of N ms" (wake-on-radio detectors;
 * protocol/receiver-directive.ts, docs/protocol.md).
 */
export const TYPE_WAKE_PREAMBLE = 0x87;

/*
 * Firmware update over the device link (issue 14: uplink 0x10-0x1F, downlink
 * 0x90-0x9F, config keys 20-29). protocol/ota.ts has the manifest and the
 * decisions; docs/protocol.md the byte tables.
 */
/** Uplink: where a device stands in an update (state, reason, version, chunk bitmap). */
export const TYPE_OTA_STATUS = 0x10;
/** Downlink: the 44-byte manifest of an update; starts (or resumes) a transfer. */
export const TYPE_OTA_BEGIN = 0x90;
/** Downlink: one chunk of the image: u16 index + up to OTA_CHUNK_BYTES bytes. */
export const TYPE_OTA_CHUNK = 0x91;
/** Downlink: op (OTA_OP_*) + u16 argument. */
export const TYPE_OTA_CONTROL = 0x92;

/** Image bytes per chunk: 64 - header 10 - MAC 8 - index 2. */
export const OTA_CHUNK_BYTES = 44;
export const OTA_MANIFEST_LENGTH = 44;
/** Chunks a status frame reports as had/missing, from its `from` index. */
export const OTA_BITMAP_CHUNKS = 64;
/**
 * A sleepy device keeps its receiver open this long after each update frame
 * it accepts (an update session, firmware/devices/link.ts): the gateway
 * streams chunks after one wake-up, and a query whose answer was lost can be
 * sent again before the device goes back to sleep (gateway ANSWER_TIMEOUT_MS
 * is shorter).
 */
export const OTA_SESSION_MS = 5000;
/** Manifest flag: install even when the version is not newer (signed like the rest). */
export const OTA_FLAG_FORCE = 0x1;

export const OTA_OP_QUERY = 1;
export const OTA_OP_SWITCH = 2;
export const OTA_OP_CONFIRM = 3;
export const OTA_OP_ABORT = 4;

export const OTA_STATE_IDLE = 0;
export const OTA_STATE_RECEIVING = 1;
/** Every chunk is in and the whole image matched the manifest's SHA-256. */
export const OTA_STATE_VERIFIED = 2;
/** The new image booted on trial and reports; the old one is kept until confirmed. */
export const OTA_STATE_SWITCHED = 3;
/** The gateway saw the new image report; the old one is released. */
export const OTA_STATE_CONFIRMED = 4;
export const OTA_STATE_ROLLED_BACK = 5;
export const OTA_STATE_REFUSED = 6;

export const OTA_REASON_NONE = 0;
export const OTA_REASON_WRONG_KIND = 1;
export const OTA_REASON_WRONG_BOARD = 2;
export const OTA_REASON_DOWNGRADE = 3;
export const OTA_REASON_MIN_VERSION = 4;
export const OTA_REASON_TOO_LARGE = 5;
export const OTA_REASON_HASH_MISMATCH = 6;
/** Refused now because the device is alarming (or a port is near its limit); try later. */
export const OTA_REASON_BUSY = 7;
/** The new image did not report within the confirm time. */
export const OTA_REASON_NO_REPORT = 8;
/** The new image restarted too often before it reported. */
export const OTA_REASON_BOOT_CRASH = 9;
export const OTA_REASON_NO_TRANSFER = 10;
export const OTA_REASON_INCOMPLETE = 11;
/** The running image is not kept in Storage (".bootcde"), so there is nothing to roll back to. */
export const OTA_REASON_NOT_IN_FLASH = 12;

export const DOWNLINK_BIT = 0x80;

export const DEVICE_KIND_SMOKE = 1;
export const DEVICE_KIND_CHARGER = 2;
export const DEVICE_KIND_GUARDIAN = 3;

export const RESET_POWER_ON = 0;
export const RESET_WATCHDOG = 1;
export const RESET_SOFTWARE = 2;
export const RESET_BROWNOUT = 3;
export const RESET_FLASHED = 4;

export const SMOKE_ALARM = 1;
export const SMOKE_CLEAR = 2;
export const SMOKE_HUSH = 3;
export const SMOKE_SELF_TEST_OK = 4;
export const SMOKE_SELF_TEST_FAIL = 5;
export const SMOKE_FAULT = 6;
export const SMOKE_TAMPER = 7;
export const SMOKE_TAMPER_CLEAR = 8;
export const SMOKE_LOW_BATTERY = 9;
export const SMOKE_END_OF_LIFE = 10;

/** Port states, 4 bits on the wire. Relay is on only for IDLE and CHARGING. */
export const PORT_IDLE = 0;
export const PORT_CHARGING = 1;
export const PORT_FULL = 2;
export const PORT_OFF = 3;
export const PORT_CUT_OVERLOAD = 4;
export const PORT_CUT_SHED_TOTAL = 5;
export const PORT_CUT_OVER_TEMP = 6;
export const PORT_CUT_SHORT_CIRCUIT = 7;
export const PORT_CUT_TIME_LIMIT = 8;
export const PORT_CUT_ILLEGAL_LOAD = 9;
export const PORT_CUT_COMMAND = 10;
export const PORT_FAULT = 11;

export const CHARGER_EVENT_CUT = 1;
export const CHARGER_EVENT_RESTORED = 2;
export const CHARGER_EVENT_ILLEGAL_SUSPECTED = 3;
export const CHARGER_EVENT_SESSION_START = 4;
export const CHARGER_EVENT_SESSION_END = 5;
export const CHARGER_EVENT_REFUSED = 6;
/** Shed temperature sensor open, shorted or implausible (port PORT_ALL); the charger does not trip on it. */
export const CHARGER_EVENT_SENSOR_FAULT = 7;
/** Shed temperature sensor readings are plausible again (port PORT_ALL). */
export const CHARGER_EVENT_SENSOR_OK = 8;
/** tempDeciC in telemetry and events when the charger has no trustworthy temperature. */
export const TEMP_INVALID_DECI_C = -32768;

export const REASON_NONE = 0;
export const REASON_OVERLOAD = 1;
export const REASON_SHED_TOTAL = 2;
export const REASON_OVER_TEMP = 3;
export const REASON_SHORT_CIRCUIT = 4;
export const REASON_FULL_CHARGE = 5;
export const REASON_TIME_LIMIT = 6;
export const REASON_ILLEGAL_LOAD = 7;
export const REASON_COMMAND = 8;

/** Port index meaning "the whole shed" / "every port". */
export const PORT_ALL = 0xff;

export const SOUND_FIRE = 1;
export const SOUND_HUSH = 2;
export const SOUND_STOP = 3;
export const SOUND_LOCATE = 4;
/** Run the self-test (detector) or report status at once (others): used by commissioning. */
export const SOUND_SELF_TEST = 5;

export const COMMAND_RESULT_OK = 0;
export const COMMAND_RESULT_REJECTED = 1;
export const COMMAND_RESULT_FAILED = 2;

/** Configuration keys carried by TYPE_CONFIG, values are signed 32-bit. */
export const CONFIG_HEARTBEAT_S = 1;
export const CONFIG_SMOKE_ALARM_LEVEL = 2;
export const CONFIG_PORT_LIMIT_W = 3;
export const CONFIG_PORT_OVERLOAD_S = 4;
export const CONFIG_SHED_LIMIT_W = 5;
export const CONFIG_OVER_TEMP_DECI_C = 6;
export const CONFIG_FULL_CHARGE_W = 7;
export const CONFIG_FULL_CHARGE_S = 8;
export const CONFIG_SESSION_MAX_S = 9;
export const CONFIG_LISTEN_WINDOW_MS = 10;
export const CONFIG_TELEMETRY_S = 11;
/**
 * Chargers: refuse new sessions for this many seconds (0 = accept again). Not
 * a stored setting: the gateway renews it while the shed's total is above its
 * refuse mark, so a charger that loses the gateway stops refusing by itself.
 */
export const CONFIG_REFUSE_SESSIONS_S = 12;
/**
 * Smoke detectors: a new building group (a group rekey). Key 13 is the new
 * group id; keys 14-17 are the four big-endian words of the new group key,
 * each XORed with the same word of HMAC-SHA256(device key, group id as u32),
 * so the key never crosses the radio in clear. The config frame is signed with
 * the device key; the new group's counter window starts empty.
 */
export const CONFIG_GROUP_ID = 13;
export const CONFIG_GROUP_KEY_0 = 14;
export const CONFIG_GROUP_KEY_3 = 17;
export const MAX_CONFIG_ENTRIES = 8;

/** Charger telemetry limits: 12 ports, 12-bit power and energy, 4-bit state. */
export const MAX_PORTS = 12;
export const MAX_PORT_POWER_W = 4095;
export const MAX_PORT_ENERGY_WH = 4095;

/** Byte-stream framing (HDLC-like). */
export const FRAME_FLAG = 0x7e;
export const FRAME_ESCAPE = 0x7d;
export const FRAME_ESCAPE_XOR = 0x20;
export const CRC_LENGTH = 2;
