import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../common/paths.js";
import { parseConfig, parseConfigText } from "./load.js";

const EXAMPLE = readFileSync(join(repoRoot(), "cloud-bridge/examples/cloud.yaml"), "utf8");
const ENV = {
  HAITANG_MQTT_PASSWORD: "pw",
  HAITANG_INFLUX_TOKEN: "tok",
  HAITANG_TOKEN_PROPERTY: "property-token-0123456789",
  HAITANG_TOKEN_GARDEN: "garden-token-0123456789ab",
  HAITANG_TOKEN_DISTRICT: "district-token-0123456789",
  HAITANG_WEBHOOK_DUTY_SECRET: "duty-secret-0123456789",
  HAITANG_WEBHOOK_MAINT_SECRET: "maint-secret-0123456789",
  HAITANG_WEBHOOK_MANAGER_SECRET: "manager-secret-012345678",
  HAITANG_WEBHOOK_GRID_SECRET: "grid-secret-0123456789",
  HAITANG_WEBHOOK_FAMILY_WANG_SECRET: "family-secret-0123456789",
  HAITANG_GUARDIAN_ACK_SECRET: "ack-secret-0123456789",
};

const minimal = () => ({
  mqtt: { url: "mqtt://127.0.0.1:1883" },
  influx: { url: "http://127.0.0.1:8086", org: "o", bucket: "b", token: "t" },
  sites: { s1: { commandKey: "00".repeat(16), gateways: ["g1"] } },
});

describe("cloud.yaml", () => {
  it("accepts the example, with secrets from the environment and defaults filled in", () => {
    const r = parseConfigText(EXAMPLE, ENV);
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.mqtt.password).toBe("pw");
    expect(r.config.tokens[0]!.token).toBe("property-token-0123456789");
    expect(r.config.webhooks[0]!.maxAttempts).toBe(8);
    expect(r.config.history.url).toBe("http://victoriametrics.internal:8428");
    expect(r.config.sites["hz-riverside"]!.utcOffsetMinutes).toBe(0);
    expect(r.config.sites["hz-garden"]!.sheds).toEqual({
      "shed-a": { name: "North shed", limitW: 12000 },
    });
  });

  it("reads the guardian chain of the example and fills its defaults", () => {
    const r = parseConfigText(EXAMPLE, ENV);
    if (!r.ok) throw new Error(r.errors.join("\n"));
    const g = r.config.guardian;
    expect(g.readRole).toBe("operator");
    expect(g.chains[0]!.steps.map((s) => [s.name, s.family, s.webhooks, s.ackWithinS])).toEqual([
      ["family", true, [], 900],
      ["grid-worker", false, ["grid-app"], 1200],
      ["duty-desk", false, ["duty-phone"], 900],
    ]);
    expect(g.residents[0]).toMatchObject({ deviceId: "0000d902", family: ["family-wang"] });
  });

  it("checks the guardian chains and residents against the webhooks and sites", () => {
    const c = {
      ...minimal(),
      webhooks: [{ name: "desk", url: "http://x/d", secret: "desk-secret-0123456789" }],
      guardian: {
        chains: [
          { kinds: ["welfare"], steps: [{ name: "family", family: true }, { name: "grid" }] },
          { kinds: ["welfare", "wandering"], steps: [{ name: "x", webhooks: ["nobody"] }] },
        ],
        residents: [
          { site: "s9", deviceId: "0000d902", family: ["desk"] },
          { site: "s1", deviceId: "0000d903", dailySummary: true },
        ],
      },
    };
    const r = parseConfig(c, {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual(
      expect.arrayContaining([
        "/guardian/chains/0/steps/1: tells nobody (set family or webhooks)",
        '/guardian/chains/1/kinds/0: kind also carried by chain 0 (value: "welfare")',
        '/guardian/chains/1/steps/0/webhooks/0: no webhook has this name (value: "nobody")',
        '/guardian/residents/0/site: unknown site (value: "s9")',
        "/guardian/residents/1/dailySummary: the resident has no family to send it to",
      ]),
    );
  });

  it("checks a site's sheds", () => {
    const c = minimal();
    (c.sites.s1 as Record<string, unknown>).sheds = { "shed-a": { limitW: 0, colour: "red" } };
    const r = parseConfig(c, {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContain("/sites/s1/sheds/shed-a/limitW: must be > 0 (value: 0)");
    expect(r.errors).toContain('/sites/s1/sheds/shed-a: unknown property "colour"');
  });

  it("names a missing environment variable", () => {
    const r = parseConfigText(EXAMPLE, {});
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors).toContain(
        "/mqtt/password: environment variable HAITANG_MQTT_PASSWORD is not set",
      );
  });

  it("fills defaults: history reads from the write URL, port 8080, share group", () => {
    const r = parseConfig(minimal(), {});
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.history.url).toBe("http://127.0.0.1:8086");
    expect(r.config.http.port).toBe(8080);
    expect(r.config.mqtt.shareGroup).toBe("haitang-bridge");
    expect(r.config.influx.retry).toEqual({ initialMs: 200, maxMs: 10000 });
  });

  it("names the path and the bad value in errors", () => {
    const c = minimal();
    (c.sites.s1 as Record<string, unknown>).commandKey = "xyz";
    (c.mqtt as Record<string, unknown>).receiveMaximum = 0;
    (c as Record<string, unknown>).extra = 1;
    const r = parseConfig(c, {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContain(
      '/sites/s1/commandKey: must match pattern "^[0-9a-fA-F]{32}$" (value: "xyz")',
    );
    expect(r.errors).toContain("/mqtt/receiveMaximum: must be >= 1 (value: 0)");
    expect(r.errors).toContain('/: unknown property "extra"');
  });

  it("checks references between sections", () => {
    const c = {
      ...minimal(),
      tokens: [{ name: "t", token: "a-long-token-0123456789", sites: ["nowhere"] }],
      webhooks: [{ name: "w", url: "http://x", secret: "0123456789abcdef" }],
      escalation: {
        levels: [
          { afterS: 300, webhooks: ["w"] },
          { afterS: 60, webhooks: ["missing"] },
        ],
      },
    };
    const r = parseConfig(c, {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      '/tokens/0/sites/0: unknown site (value: "nowhere")',
      "/escalation/levels/1/afterS: must grow from level to level (value: 60)",
      '/escalation/levels/1/webhooks/0: no webhook has this name (value: "missing")',
    ]);
  });
});
