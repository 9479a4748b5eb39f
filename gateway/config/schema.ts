/**
 * JSON Schema of the site YAML (draft 2020-12 subset understood by ajv 8).
 * Validation fills defaults in place (ajv `useDefaults`), so a minimal file
 * becomes a complete SiteConfig. README.md in this folder documents every key.
 */

import {
  ALARM_KINDS,
  DEVICE_ID_PATTERN,
  DEVICE_KINDS,
  ID_PATTERN,
  ruleItemSchema,
  SEVERITIES,
  TRANSITIONS,
} from "./schema-rules.js";
import { standardRules } from "./standard-rules.js";

const id = { type: "string", pattern: ID_PATTERN };
const port = { type: "integer", minimum: 1, maximum: 65535 };
const hex = (bytes: number[]) => ({
  type: "string",
  pattern: `^(${bytes.map((b) => `[0-9a-fA-F]{${b * 2}}`).join("|")})$`,
});

const serialReceiver = {
  type: "object",
  required: ["name", "path"],
  additionalProperties: false,
  properties: {
    name: id,
    path: { type: "string", minLength: 1 },
    baud: {
      type: "integer",
      enum: [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600],
      default: 9600,
    },
    bus: { type: "boolean", default: false },
  },
};

const mqttIngest = {
  type: "object",
  additionalProperties: false,
  default: {},
  properties: {
    mode: { type: "string", enum: ["embedded", "external"], default: "embedded" },
    host: { type: "string", default: "0.0.0.0" },
    port: { ...port, default: 1883 },
    url: { type: "string", pattern: "^(mqtt|mqtts|ws|wss)://" },
    username: { type: "string" },
    password: { type: "string" },
  },
};

const cloud = {
  type: "object",
  required: ["url"],
  additionalProperties: false,
  properties: {
    url: { type: "string", pattern: "^(mqtt|mqtts|ws|wss)://[^/]+" },
    clientId: { type: "string", minLength: 1, maxLength: 128 },
    username: { type: "string" },
    password: { type: "string" },
    passwordFile: { type: "string" },
    tls: {
      type: "object",
      additionalProperties: false,
      properties: {
        ca: { type: "string" },
        cert: { type: "string" },
        key: { type: "string" },
        rejectUnauthorized: { type: "boolean", default: true },
      },
    },
    keepaliveS: { type: "integer", minimum: 5, maximum: 65535, default: 30 },
    healthIntervalS: { type: "integer", minimum: 1, maximum: 86400, default: 60 },
    commandKey: hex([16, 32]),
    commandKeyFile: { type: "string" },
    reconnectMinMs: { type: "integer", minimum: 10, default: 1000 },
    reconnectMaxMs: { type: "integer", minimum: 10, default: 60000 },
    inflight: { type: "integer", minimum: 1, maximum: 65535, default: 64 },
    batch: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        maxEntries: { type: "integer", minimum: 1, maximum: 10000, default: 100 },
        maxBytes: { type: "integer", minimum: 1024, maximum: 268435455, default: 32768 },
        maxWaitMs: { type: "integer", minimum: 0, maximum: 1000, default: 2 },
      },
    },
  },
};

const http = {
  type: "object",
  additionalProperties: false,
  default: {},
  properties: {
    host: { type: "string", default: "127.0.0.1" },
    port: { ...port, default: 8080 },
    installPasswordHash: {
      type: "string",
      pattern: "^scrypt\\$\\d+\\$\\d+\\$\\d+\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+$",
    },
  },
};

/** The per-frame path's knobs (gateway/pipeline): defaults are what the gateway always used. */
const ingest = {
  type: "object",
  additionalProperties: false,
  default: {},
  properties: {
    rateLimit: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        perSecond: { type: "number", exclusiveMinimum: 0, maximum: 10000, default: 2 },
        burst: { type: "integer", minimum: 1, maximum: 100000, default: 30 },
      },
    },
    mergeWindowMs: { type: "integer", minimum: 0, maximum: 1000, default: 30 },
    holdAboveFrames: { type: "integer", minimum: 0, maximum: 1000000, default: 4000 },
  },
};

/** The battery detectors' listening schedule the interlink resends follow (gateway/downlink/README.md). */
const interlink = {
  type: "object",
  additionalProperties: false,
  default: {},
  properties: {
    listenWindowMs: { type: "integer", minimum: 100, maximum: 10000, default: 1000 },
    baud: { enum: [2400, 4800, 9600, 19200, 38400, 57600, 115200], default: 9600 },
    /** The detectors' listening period (their device config's listenEveryS). */
    listenEveryS: { type: "integer", minimum: 1, maximum: 3600, default: 5 },
    /** 32 hex digits: the building group keys derive from it (gateway/downlink/group-keys.ts). */
    groupSecret: hex([16]),
    /** How battery detectors listen (a device's own `listen` wins): gateway/downlink/listen-modes.ts. */
    listen: { enum: ["wake-on-radio", "windows"], default: "wake-on-radio" },
    /** The wake-on-radio modules' sniff period: downlinks they do not listen for carry a preamble this long and 20 ms. */
    sniffEveryMs: { type: "integer", minimum: 100, maximum: 10000, default: 1000 },
  },
};

const building = {
  type: "object",
  required: ["id"],
  additionalProperties: false,
  properties: {
    id,
    name: { type: "string" },
    flats: { type: "array", items: { type: "string" }, uniqueItems: true, default: [] },
  },
};

const shed = {
  type: "object",
  required: ["id"],
  additionalProperties: false,
  properties: {
    id,
    name: { type: "string" },
    building: { type: "string" },
    limitW: { type: "number", exclusiveMinimum: 0, default: 8700 },
    refuseW: { type: "number", exclusiveMinimum: 0 },
    ports: { type: "integer", minimum: 1, maximum: 12 },
  },
};

const device = {
  type: "object",
  required: ["id", "kind"],
  additionalProperties: false,
  properties: {
    id: { type: "string", pattern: DEVICE_ID_PATTERN },
    kind: { type: "string", enum: DEVICE_KINDS },
    key: hex([16]),
    building: { type: "string" },
    location: { type: "string" },
    shed: { type: "string" },
    heartbeatS: { type: "integer", minimum: 10, maximum: 86400 },
    sleepy: { type: "boolean" },
    board: { type: "string" },
    groupEpoch: { type: "integer", minimum: 0 },
    listen: { enum: ["wake-on-radio", "windows"] },
  },
};

const notification = {
  type: "object",
  required: ["id", "type"],
  additionalProperties: false,
  properties: {
    id,
    type: { type: "string", enum: ["log", "webhook", "mqtt"] },
    url: { type: "string", pattern: "^(https?|mqtts?)://" },
    topic: { type: "string", minLength: 1 },
    severities: {
      type: "array",
      items: { type: "string", enum: SEVERITIES },
      uniqueItems: true,
      default: [...SEVERITIES],
    },
    kinds: { type: "array", items: { type: "string", enum: ALARM_KINDS }, uniqueItems: true },
    transitions: {
      type: "array",
      items: { type: "string", enum: TRANSITIONS },
      uniqueItems: true,
      default: ["raised", "escalated"],
    },
  },
};

const escalation = {
  type: "object",
  required: ["id", "levels"],
  additionalProperties: false,
  properties: {
    id,
    kinds: { type: "array", items: { type: "string", enum: ALARM_KINDS }, uniqueItems: true },
    severities: { type: "array", items: { type: "string", enum: SEVERITIES }, uniqueItems: true },
    levels: {
      type: "array",
      minItems: 1,
      maxItems: 9,
      items: {
        type: "object",
        required: ["afterS"],
        additionalProperties: false,
        properties: {
          afterS: { type: "integer", minimum: 1 },
          notify: { type: "array", items: { type: "string" }, uniqueItems: true, default: [] },
        },
      },
    },
  },
};

export const siteConfigSchema = {
  $id: "https://haitang.example/schemas/site-config.json",
  title: "Haitang gateway site configuration",
  type: "object",
  required: ["site", "gateway"],
  additionalProperties: false,
  properties: {
    site: id,
    gateway: id,
    name: { type: "string" },
    utcOffsetMin: { type: "integer", minimum: -720, maximum: 840, default: 480 },
    database: { type: "string", minLength: 1, default: "data/gateway.db" },
    diskCapMB: { type: "number", minimum: 16, default: 1024 },
    serial: { type: "array", items: serialReceiver, default: [] },
    mqtt: mqttIngest,
    ingest,
    interlink,
    cloud,
    http,
    buildings: { type: "array", items: building, default: [] },
    sheds: { type: "array", items: shed, default: [] },
    devices: { type: "array", items: device, default: [] },
    rules: { type: "array", items: ruleItemSchema, default: standardRules() },
    notifications: { type: "array", items: notification, default: [{ id: "log", type: "log" }] },
    escalation: { type: "array", items: escalation, default: [] },
  },
} as const;
