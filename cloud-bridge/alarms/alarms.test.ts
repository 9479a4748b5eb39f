import { describe, expect, it } from "vitest";
import type { EscalationConfig, WebhookConfig } from "../config/types.js";
import { DedupCache } from "./dedup-cache.js";
import { dueEscalationLevel, escalationFinished } from "./escalation.js";
import { escalationTargets, notificationKey, routeTransition } from "./routing.js";
import { signBody } from "./webhook-sender.js";

const hook = (name: string, over: Partial<WebhookConfig> = {}): WebhookConfig => ({
  name,
  url: `http://x/${name}`,
  secret: "0123456789abcdef",
  sites: ["*"],
  minSeverity: "maintenance",
  transitions: ["raised", "cleared", "acknowledged", "escalated"],
  escalationOnly: false,
  timeoutMs: 1000,
  maxAttempts: 3,
  initialBackoffMs: 10,
  maxBackoffMs: 100,
  ...over,
});

const policy: EscalationConfig = {
  minSeverity: "major",
  checkIntervalS: 5,
  levels: [
    { afterS: 60, webhooks: ["lead"] },
    { afterS: 300, webhooks: ["lead", "district"] },
  ],
};

describe("routing", () => {
  const hooks = [
    hook("duty", { minSeverity: "major" }),
    hook("garden", { sites: ["garden"], transitions: ["raised"] }),
    hook("lead", { escalationOnly: true }),
    hook("district", { sites: ["riverside"], escalationOnly: true }),
  ];
  it("sends a transition to the hooks whose site, severity and transitions match", () => {
    const names = (site: string, severity: "critical" | "minor", t: "raised" | "cleared") =>
      routeTransition({ site, severity }, t, hooks).map((h) => h.name);
    expect(names("garden", "critical", "raised")).toEqual(["duty", "garden"]);
    expect(names("garden", "minor", "raised")).toEqual(["garden"]);
    expect(names("garden", "minor", "cleared")).toEqual([]);
    expect(names("riverside", "critical", "cleared")).toEqual(["duty"]);
  });

  it("sends escalations to the level's hooks that serve the site", () => {
    expect(
      escalationTargets({ site: "garden", severity: "major" }, 2, policy, hooks).map((h) => h.name),
    ).toEqual(["lead"]);
    expect(
      escalationTargets({ site: "riverside", severity: "major" }, 2, policy, hooks).map(
        (h) => h.name,
      ),
    ).toEqual(["lead", "district"]);
    expect(escalationTargets({ site: "garden", severity: "major" }, 3, policy, hooks)).toEqual([]);
  });

  it("keys a notification by site, alarm, transition and level", () => {
    expect(notificationKey("s", "a", "escalated", 2)).toBe("s/a/escalated/2");
  });
});

describe("escalation", () => {
  const a = { active: true, acknowledged: false, severity: "major" as const, raisedAt: 1_000_000 };
  it("is due level by level while the alarm stays unacknowledged", () => {
    expect(dueEscalationLevel(a, policy, 0, 1_000_000 + 59_999)).toBe(0);
    expect(dueEscalationLevel(a, policy, 0, 1_000_000 + 60_000)).toBe(1);
    expect(dueEscalationLevel(a, policy, 1, 1_000_000 + 120_000)).toBe(0);
    expect(dueEscalationLevel(a, policy, 1, 1_000_000 + 300_000)).toBe(2);
  });

  it("jumps to the highest due level for an alarm that arrives late", () => {
    expect(dueEscalationLevel(a, policy, 0, 1_000_000 + 3600_000)).toBe(2);
  });

  it("never escalates acknowledged, cleared or minor alarms", () => {
    const t = 1_000_000 + 3600_000;
    expect(dueEscalationLevel({ ...a, acknowledged: true }, policy, 0, t)).toBe(0);
    expect(dueEscalationLevel({ ...a, active: false }, policy, 0, t)).toBe(0);
    expect(dueEscalationLevel({ ...a, severity: "minor" }, policy, 0, t)).toBe(0);
    expect(escalationFinished({ ...a, acknowledged: true }, policy, 0)).toBe(true);
    expect(escalationFinished(a, policy, 2)).toBe(true);
    expect(escalationFinished(a, policy, 1)).toBe(false);
  });
});

describe("DedupCache", () => {
  it("remembers keys up to its capacity, forgetting the oldest", () => {
    const c = new DedupCache(2);
    expect(c.firstTime("a")).toBe(true);
    expect(c.firstTime("a")).toBe(false);
    c.firstTime("b");
    c.firstTime("c");
    expect(c.size).toBe(2);
    expect(c.firstTime("a")).toBe(true);
    expect(c.firstTime("c")).toBe(false);
  });
});

describe("webhook signature", () => {
  it("is HMAC-SHA256 of the body in hex, prefixed sha256=", () => {
    // RFC 4231 test case 2.
    expect(signBody("Jefe", "what do ya want for nothing?")).toBe(
      "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });
});
