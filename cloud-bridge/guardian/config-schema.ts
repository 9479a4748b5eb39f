/** JSON Schema of cloud.yaml `guardian` (types in config.ts). */
const name = { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$", maxLength: 64 };

export const guardianConfigSchema = {
  type: "object",
  additionalProperties: false,
  default: {},
  properties: {
    readRole: { enum: ["viewer", "operator", "admin"], default: "operator" },
    ackSecret: { type: "string", minLength: 16 },
    publicUrl: { type: "string", default: "" },
    checkIntervalS: { type: "number", exclusiveMinimum: 0, default: 5 },
    chains: {
      type: "array",
      default: [],
      items: {
        type: "object",
        additionalProperties: false,
        required: ["kinds", "steps"],
        properties: {
          kinds: {
            type: "array",
            items: { enum: ["welfare", "wandering"] },
            minItems: 1,
            uniqueItems: true,
          },
          repeatS: { type: "integer", minimum: 0, default: 0 },
          steps: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              additionalProperties: false,
              required: ["name"],
              properties: {
                name,
                family: { type: "boolean", default: false },
                webhooks: { type: "array", items: name, default: [] },
                ackWithinS: { type: "integer", minimum: 1, default: 900 },
                workOrderTo: name,
              },
            },
          },
        },
      },
    },
    residents: {
      type: "array",
      default: [],
      items: {
        type: "object",
        additionalProperties: false,
        required: ["site", "deviceId"],
        properties: {
          site: { type: "string", minLength: 1 },
          deviceId: { type: "string", pattern: "^[0-9a-f]{8}$" },
          family: { type: "array", items: name, default: [] },
          dailySummary: { type: "boolean", default: false },
        },
      },
    },
    dailySummaryAt: {
      type: "string",
      pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$",
      default: "20:00",
    },
    stateFile: { type: "string", minLength: 1 },
  },
} as const;
