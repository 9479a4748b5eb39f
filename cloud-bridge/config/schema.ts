/**
 * JSON Schema of cloud.yaml. ajv fills the defaults (`useDefaults`), so the
 * validated object is a BridgeConfig (history.url is resolved by the loader).
 */
import { guardianConfigSchema } from "../guardian/config-schema.js";

const severity = { enum: ["critical", "major", "minor", "maintenance"] };
const transition = { enum: ["raised", "cleared", "acknowledged", "escalated"] };
const name = { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$", maxLength: 64 };
const positiveInt = { type: "integer", minimum: 1 };
const siteList = { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 };

export const bridgeConfigSchema = {
  $id: "haitang-cloud-bridge-config",
  type: "object",
  additionalProperties: false,
  required: ["mqtt", "influx", "sites"],
  properties: {
    instance: name,
    mqtt: {
      type: "object",
      additionalProperties: false,
      required: ["url"],
      properties: {
        url: { type: "string", pattern: "^(mqtt|mqtts|tcp|tls|ws|wss)://" },
        username: { type: "string" },
        password: { type: "string" },
        clientId: { type: "string", minLength: 1, maxLength: 128 },
        shareGroup: { ...name, default: "haitang-bridge" },
        keepaliveS: { type: "integer", minimum: 5, maximum: 3600, default: 30 },
        sessionExpiryS: { type: "integer", minimum: 0, default: 3600 },
        receiveMaximum: { type: "integer", minimum: 1, maximum: 65535, default: 5000 },
        maxPayloadBytes: { type: "integer", minimum: 256, default: 65536 },
        reconnectPeriodMs: { type: "integer", minimum: 10, default: 1000 },
        adoptCrashedPeersAfterS: { type: "number", minimum: 0, default: 30 },
        tls: {
          type: "object",
          additionalProperties: false,
          properties: {
            caFile: { type: "string" },
            certFile: { type: "string" },
            keyFile: { type: "string" },
            rejectUnauthorized: { type: "boolean", default: true },
            servername: { type: "string" },
          },
        },
      },
    },
    influx: {
      type: "object",
      additionalProperties: false,
      required: ["url", "org", "bucket", "token"],
      properties: {
        url: { type: "string", pattern: "^https?://" },
        org: { type: "string", minLength: 1 },
        bucket: { type: "string", minLength: 1 },
        token: { type: "string" },
        batchSize: { type: "integer", minimum: 1, maximum: 100000, default: 5000 },
        flushIntervalMs: { type: "integer", minimum: 1, maximum: 60000, default: 50 },
        gzip: { type: "boolean", default: true },
        timeoutMs: { type: "integer", minimum: 100, default: 10000 },
        maxConcurrentWrites: { type: "integer", minimum: 1, maximum: 16, default: 2 },
        retry: {
          type: "object",
          additionalProperties: false,
          default: {},
          properties: {
            initialMs: { type: "integer", minimum: 1, default: 200 },
            maxMs: { type: "integer", minimum: 1, default: 10000 },
          },
        },
      },
    },
    history: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        kind: { enum: ["victoriametrics"], default: "victoriametrics" },
        url: { type: "string", pattern: "^https?://" },
        timeoutMs: { type: "integer", minimum: 100, default: 10000 },
      },
    },
    http: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: "string", default: "0.0.0.0" },
        port: { type: "integer", minimum: 0, maximum: 65535, default: 8080 },
        metricsToken: { type: "string", minLength: 16 },
        webRoot: { type: "string" },
      },
    },
    tokens: {
      type: "array",
      default: [],
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "token", "sites"],
        properties: {
          name,
          token: { type: "string", minLength: 16 },
          sites: siteList,
          role: { enum: ["viewer", "operator", "admin"], default: "viewer" },
        },
      },
    },
    sites: {
      type: "object",
      minProperties: 1,
      propertyNames: name,
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        required: ["commandKey", "gateways"],
        properties: {
          name: { type: "string" },
          commandKey: { type: "string", pattern: "^[0-9a-fA-F]{32}$" },
          gateways: { type: "array", items: name, minItems: 1, uniqueItems: true },
          utcOffsetMinutes: { type: "integer", minimum: -720, maximum: 840, default: 0 },
          limits: {
            type: "object",
            additionalProperties: false,
            properties: {
              portLimitW: positiveInt,
              shedLimitW: positiveInt,
              overTempC: { type: "number" },
            },
          },
          sheds: {
            type: "object",
            propertyNames: { type: "string", minLength: 1, maxLength: 128 },
            additionalProperties: {
              type: "object",
              additionalProperties: false,
              properties: {
                name: { type: "string" },
                limitW: { type: "number", exclusiveMinimum: 0 },
              },
            },
          },
          reportKey: { type: "string", minLength: 16, maxLength: 128 },
        },
      },
    },
    webhooks: {
      type: "array",
      default: [],
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "url", "secret"],
        properties: {
          name,
          url: { type: "string", pattern: "^https?://" },
          secret: { type: "string", minLength: 16 },
          sites: { ...siteList, default: ["*"] },
          minSeverity: { ...severity, default: "maintenance" },
          transitions: {
            type: "array",
            items: transition,
            minItems: 1,
            default: ["raised", "cleared", "acknowledged", "escalated"],
          },
          escalationOnly: { type: "boolean", default: false },
          timeoutMs: { type: "integer", minimum: 100, default: 5000 },
          maxAttempts: { type: "integer", minimum: 1, maximum: 100, default: 8 },
          initialBackoffMs: { type: "integer", minimum: 1, default: 500 },
          maxBackoffMs: { type: "integer", minimum: 1, default: 60000 },
        },
      },
    },
    escalation: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        minSeverity: { ...severity, default: "major" },
        checkIntervalS: { type: "number", exclusiveMinimum: 0, default: 5 },
        levels: {
          type: "array",
          default: [],
          items: {
            type: "object",
            additionalProperties: false,
            required: ["afterS", "webhooks"],
            properties: {
              afterS: positiveInt,
              webhooks: { type: "array", items: name, minItems: 1 },
            },
          },
        },
      },
    },
    alarms: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        dedupCacheSize: { type: "integer", minimum: 16, default: 10000 },
        recentHours: { type: "number", exclusiveMinimum: 0, default: 72 },
        maxTimeline: { type: "integer", minimum: 4, default: 50 },
      },
    },
    devices: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        offlineAfterS: { ...positiveInt, default: 90000 },
        lowBatteryMv: { type: "integer", minimum: 0, default: 2600 },
      },
    },
    commands: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        timeoutMs: { type: "integer", minimum: 100, default: 10000 },
        auditFile: { type: "string", minLength: 1 },
      },
    },
    rebuild: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        fromHistory: { type: "boolean", default: true },
        lookbackHours: { type: "number", exclusiveMinimum: 0, default: 72 },
      },
    },
    guardian: guardianConfigSchema,
    cockpit: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        responsesFile: { type: "string", minLength: 1 },
        responseWeeks: { type: "integer", minimum: 2, maximum: 104, default: 8 },
      },
    },
    workOrders: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        file: { type: "string", minLength: 1 },
        deadlinesMin: {
          type: "object",
          additionalProperties: false,
          default: {},
          properties: {
            critical: { type: "number", exclusiveMinimum: 0, default: 15 },
            major: { type: "number", exclusiveMinimum: 0, default: 60 },
            minor: { type: "number", exclusiveMinimum: 0, default: 240 },
            maintenance: { type: "number", exclusiveMinimum: 0, default: 1440 },
          },
        },
        escalateTo: {
          type: "array",
          items: { type: "string", minLength: 1, maxLength: 64 },
          default: ["grid-leader", "community-office"],
        },
        webhooks: {
          type: "object",
          default: {},
          additionalProperties: { type: "array", items: { type: "string", minLength: 1 } },
        },
        checkIntervalS: { type: "number", exclusiveMinimum: 0, default: 30 },
        reportsPerHour: { type: "integer", minimum: 1, default: 5 },
      },
    },
  },
} as const;
