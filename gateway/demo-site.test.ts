import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../common/paths.js";
import { loadSiteConfig } from "./config/load.js";

describe("gateway/demo-site.yaml", () => {
  it("is a valid site config with the standard rules and its demo devices", () => {
    const r = loadSiteConfig(join(repoRoot(), "gateway", "demo-site.yaml"));
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("\n"));
    expect(r.config.devices).toHaveLength(5);
    expect(r.config.rules.map((x) => x.id)).toContain("fire");
    expect(r.config.mqtt.mode).toBe("embedded");
  });
});
