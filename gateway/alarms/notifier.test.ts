import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../common/log.js";
import type { AlarmTransition } from "../../protocol/uplink.js";
import { siteFrom } from "../rules/testing.js";
import { Notifier } from "./notifier.js";
import { notificationTargets, notificationText } from "./notify-route.js";

const transition = (over: Partial<AlarmTransition> = {}): AlarmTransition => ({
  v: 1,
  site: "s1",
  gateway: "gw",
  alarmId: "gw-7",
  transition: "raised",
  kind: "welfare",
  severity: "major",
  deviceId: "0000d001",
  rule: "welfare",
  active: true,
  acknowledged: false,
  raisedAt: Date.UTC(2025, 0, 6),
  level: 0,
  evidence: "no activity for 12.0 h",
  location: "b1/301",
  seq: 0,
  ts: Date.UTC(2025, 0, 6),
  historical: false,
  ...over,
});

const site = siteFrom(`notifications:
  - { id: log, type: log }
  - { id: guard-room, type: mqtt, topic: local/guard, severities: [critical] }
  - { id: family, type: webhook, url: "http://127.0.0.1:1/x", kinds: [welfare], transitions: [raised, cleared] }
escalation:
  - { id: welfare, kinds: [welfare], levels: [{ afterS: 1800, notify: [guard-room] }] }
`);

describe("notification routing", () => {
  const ids = (t: AlarmTransition) =>
    notificationTargets(t, site.notifications, site.escalation).map((c) => c.id);

  it.each([
    ["a raised welfare alarm", transition(), ["log", "family"]],
    ["a cleared welfare alarm", transition({ transition: "cleared" }), ["family"]],
    [
      "an escalated welfare alarm adds the level's channels",
      transition({ transition: "escalated", level: 1 }),
      ["log", "guard-room"],
    ],
    [
      "a raised critical fire",
      transition({ kind: "fire", severity: "critical" }),
      ["log", "guard-room"],
    ],
    ["an acknowledgement", transition({ transition: "acknowledged" }), []],
  ])("%s", (_name, t, expected) => {
    expect(ids(t)).toEqual(expected);
  });

  it("writes a text that says what, where, why and which alarm", () => {
    expect(notificationText(transition())).toBe(
      "[major] welfare at 0000d001, b1/301 raised — no activity for 12.0 h (gw-7)",
    );
    expect(
      notificationText(
        transition({ transition: "acknowledged", acknowledgedBy: "Li", comment: "called" }),
      ),
    ).toContain("acknowledged by Li: called");
  });
});

describe("Notifier", () => {
  it("posts to a webhook, publishes on MQTT, logs, and counts a failing channel without stopping the others", async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let b = "";
      req.on("data", (c) => {
        b += c;
      });
      req.on("end", () => {
        bodies.push(b);
        res.statusCode = req.url === "/fail" ? 500 : 204;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const published: string[] = [];
    const logger = memoryLogger();
    const cfg = siteFrom(`notifications:
  - { id: log, type: log }
  - { id: family, type: webhook, url: "http://127.0.0.1:${port}/ok" }
  - { id: broken, type: webhook, url: "http://127.0.0.1:${port}/fail" }
  - { id: guard-room, type: mqtt, topic: local/guard }
`);
    const n = new Notifier({
      channels: cfg.notifications,
      escalation: [],
      logger,
      mqttPublish: (topic) => published.push(topic),
    });
    try {
      n.notify(transition());
      await n.drain();
      expect(JSON.parse(bodies[0]!)).toMatchObject({ transition: { alarmId: "gw-7" } });
      expect(bodies).toHaveLength(2);
      expect(published).toEqual(["local/guard"]);
      expect(n.stats).toEqual({
        sent: { log: 1, family: 1, "guard-room": 1 },
        failed: { broken: 1 },
      });
      expect(
        logger.lines.some((l) => l.msg === "notification failed" && l.channel === "broken"),
      ).toBe(true);
    } finally {
      server.close();
    }
  });
});
