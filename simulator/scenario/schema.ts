/**
 * JSON Schema of a scenario file. Every object is closed
 * (additionalProperties: false), so a misspelt key is an error naming its path.
 * References between parts (a device named in the timeline, a label named by an
 * expectation) are checked by load-scenario.ts after the schema passes.
 */

import { ALARM_KINDS, CHARGER_REASONS, DEVICE_EVENTS } from "../../gateway/config/schema-rules.js";
import { RESIDENT_STATES } from "../../protocol/uplink-schemas.js";
import { DURATION_PATTERN } from "./duration.js";

const duration = {
  oneOf: [
    { type: "string", pattern: DURATION_PATTERN },
    { type: "number", minimum: 0 },
  ],
};
const name = { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.:-]*$" };
const ref = { type: "string", minLength: 1 };
const rate = { type: "number", minimum: 0, maximum: 1 };
const port = { type: "integer", minimum: 0, maximum: 11 };

function obj(required: string[], properties: Record<string, unknown>) {
  return { type: "object", required, additionalProperties: false, properties };
}

const device = obj(["id", "kind", "link"], {
  id: name,
  kind: { enum: ["smoke", "charger", "guardian"] },
  deviceId: { type: "string", pattern: "^[0-9a-fA-F]{8}$" },
  link: ref,
  flat: { type: "string", pattern: "^[^/]+/[^/]+$" },
  shed: ref,
  board: { type: "string" },
  heartbeat: duration,
  /** Days the device has already been in service (a detector's age towards end of life). */
  inServiceDays: { type: "number", minimum: 0 },
  thresholds: { type: "object", additionalProperties: { type: "number" } },
  battery: obj([], {
    startMv: { type: "integer", minimum: 0, maximum: 10000 },
    drainMvPerDay: { type: "number", minimum: 0 },
  }),
  routine: obj([], {
    wakeHour: { type: "number", minimum: 0, maximum: 24 },
    sleepHour: { type: "number", minimum: 0, maximum: 24 },
    motionPerHour: { type: "number", minimum: 0 },
    napHour: { type: "number", minimum: 0, maximum: 24 },
    napHours: { type: "number", minimum: 0, maximum: 12 },
    lateMorningChance: rate,
    nightTripChance: rate,
    away: { type: "array", items: obj(["from", "to"], { from: duration, to: duration }) },
    visitors: { type: "array", items: duration },
  }),
});

const site = obj(["devices"], {
  buildings: {
    type: "array",
    items: obj(["id", "flats"], { id: name, flats: { type: "array", items: name } }),
  },
  sheds: {
    type: "array",
    items: obj(["id"], {
      id: name,
      limitW: { type: "number", minimum: 1 },
      refuseW: { type: "number", minimum: 1 },
      building: ref,
    }),
  },
  receivers: {
    type: "array",
    items: obj(["id"], { id: name, loss: rate, hears: { type: "array", items: ref } }),
  },
  buses: {
    type: "array",
    items: obj(["id"], {
      id: name,
      baud: { enum: [2400, 4800, 9600, 19200, 38400, 57600, 115200] },
    }),
  },
  radio: obj([], {
    latency: duration,
    jitter: duration,
    duplicate: rate,
    reorder: rate,
    corrupt: rate,
    baud: { enum: [2400, 4800, 9600, 19200, 38400, 57600, 115200] },
    airtime: { type: "boolean" },
  }),
  devices: { type: "array", minItems: 1, items: device },
});

const dev = { device: ref };
const forDur = { for: duration };

const timelineItem = obj(["at"], {
  at: duration,
  label: name,
  smoke: obj(["device", "profile"], {
    ...dev,
    profile: {
      enum: ["smouldering", "flaming", "cooking", "cooking-then-fire", "clean", "dead-chamber"],
    },
    peak: { type: "number", minimum: 0 },
  }),
  "press-test": obj(["device"], dev),
  tamper: obj(["device"], { ...dev, removed: { type: "boolean" } }),
  battery: obj(["device", "mv"], { ...dev, mv: { type: "integer", minimum: 0, maximum: 10000 } }),
  "power-off": obj(["device"], dev),
  "power-on": obj(["device"], dev),
  reboot: obj(["device"], dev),
  plug: obj(["device", "port", "load"], {
    ...dev,
    port,
    load: { enum: ["lithium", "lead-acid", "heater", "short"] },
    powerW: { type: "number", minimum: 0 },
    capacityWh: { type: "number", minimum: 1 },
    startSoc: rate,
    chargeCurrentA: { type: "number", minimum: 0.1 },
    softStartS: { type: "number", minimum: 0 },
  }),
  unplug: obj(["device", "port"], { ...dev, port }),
  "hot-contact": obj(["device", "port", "riseC"], {
    ...dev,
    port,
    riseC: { type: "number", minimum: 0 },
    tau: duration,
  }),
  "stop-moving": obj(["device"], dev),
  wander: obj(["device"], dev),
  "link-down": obj(["link"], { link: ref, ...forDur }),
  "link-up": obj(["link"], { link: ref }),
  corrupt: obj(["link", "rate"], { link: ref, rate, ...forDur }),
  loss: obj(["link", "rate"], { link: ref, rate, ...forDur }),
  "cloud-down": obj([], forDur),
  "cloud-up": obj([], {}),
  "gateway-restart": obj([], { down: duration }),
  rogue: obj(["link"], {
    device: ref,
    deviceId: { type: "string", pattern: "^[0-9a-fA-F]{8}$" },
    link: ref,
    count: { type: "integer", minimum: 1, maximum: 1000 },
    every: duration,
  }),
  replay: obj(["device", "link"], { ...dev, link: ref, last: { type: "integer", minimum: 1 } }),
  command: obj(["device", "port", "on"], { ...dev, port, on: { type: "boolean" } }),
  "ack-alarm": obj(["kind", "device"], {
    kind: { enum: ALARM_KINDS },
    ...dev,
    by: { type: "string", minLength: 1, maxLength: 64 },
  }),
  "ota-campaign": obj(["kind", "version"], {
    kind: { enum: ["smoke", "charger"] },
    version: { type: "string", pattern: "^[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}$" },
    id: { type: "string", pattern: "^[A-Za-z0-9._-]{1,64}$" },
    canary: { type: "integer", minimum: 0, maximum: 1000 },
    maxFailures: rate,
    forged: { type: "array", items: ref },
    corrupt: { type: "array", items: ref },
    downgrade: { type: "array", items: ref },
    silent: { type: "array", items: ref },
  }),
});

const kind = { enum: ALARM_KINDS };
const after = { after: ref };
const within = { within: duration };

const expectItem = obj([], {
  name: { type: "string" },
  alarm: obj(["kind"], { kind, device: ref, port, ...within, ...after }),
  "no-alarm": obj(["kind"], { kind, device: ref, ...after }),
  "alarm-cleared": obj(["kind", "device"], { kind, device: ref, ...within, ...after }),
  escalated: obj(["kind", "device", "level"], {
    kind,
    device: ref,
    level: { type: "integer", minimum: 1, maximum: 10 },
    ...within,
    ...after,
  }),
  "not-escalated": obj(["kind", "device"], { kind, device: ref, ...after }),
  "cloud-resident": obj(["device", "state"], {
    device: ref,
    state: { enum: [...RESIDENT_STATES] },
    ...within,
    ...after,
  }),
  "cloud-alarms": obj(["kind", "count"], {
    kind,
    device: ref,
    count: { type: "integer", minimum: 0 },
    ...after,
  }),
  "relay-off": obj(["device", "port"], { device: ref, port, ...within, ...after }),
  "relay-on": obj(["device", "port"], { device: ref, port, at: ref }),
  cut: obj(["device", "reason"], {
    device: ref,
    port,
    reason: { enum: CHARGER_REASONS },
    ...within,
    ...after,
  }),
  "no-cut": obj(["device"], { device: ref, port, reason: { enum: CHARGER_REASONS }, ...after }),
  sounded: obj(["device"], { device: ref, ...within, ...after }),
  "not-sounded": obj(["device"], { device: ref, ...after }),
  "device-event": obj(["device", "event"], {
    device: ref,
    event: { enum: DEVICE_EVENTS },
    ...within,
    ...after,
  }),
  "cloud-telemetry-complete": obj(["device"], { device: ref, ...after }),
  "cloud-no-raw-activity": obj(["device"], { device: ref }),
  "gateway-counter": obj(["name"], {
    name: { type: "string", minLength: 1 },
    atLeast: { type: "integer", minimum: 0 },
    atMost: { type: "integer", minimum: 0 },
  }),
  "cloud-historical": obj(["device"], { device: ref, atLeast: { type: "integer", minimum: 1 } }),
  ota: obj(["state"], {
    device: ref,
    kind: { enum: ["smoke", "charger"] },
    state: { enum: ["reported", "rolled-back", "failed", "forged", "corrupt"] },
    reason: { type: "string", minLength: 1 },
    atLeast: { type: "integer", minimum: 1 },
  }),
  "ota-all-ended": obj([], {}),
  "events-delivered": obj([], { device: ref, kind: { enum: ["smoke", "charger", "guardian"] } }),
  "channel-load": obj(["under"], {
    receiver: { type: "string", minLength: 1 },
    under: { type: "number", exclusiveMinimum: 0 },
  }),
});

export const scenarioSchema = {
  $id: "https://haitang.example/schemas/scenario.json",
  title: "Haitang simulator scenario",
  ...obj(["name", "duration", "site", "expect"], {
    name: { type: "string", minLength: 1 },
    description: { type: "string" },
    seed: { type: "integer", minimum: 0, maximum: 4294967295 },
    duration,
    start: { type: "string", format: "date-time" },
    transport: { enum: ["pty", "in-process"] },
    site,
    gateway: obj([], {
      rules: { type: "array", items: { type: "object" } },
      standardRules: { type: "boolean" },
      groupSounding: { type: "boolean" },
      notifications: { type: "array", items: { type: "object" } },
      escalation: { type: "array", items: { type: "object" } },
    }),
    timeline: { type: "array", items: timelineItem },
    expect: { type: "array", minItems: 1, items: expectItem },
  }),
} as const;
