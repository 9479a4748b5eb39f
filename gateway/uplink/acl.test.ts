/**
 * A broker that refuses some publishes (Mosquitto ACL: MQTT 5 PUBACK reason
 * code 0x87 "not authorized"): the refused entries stay in the outbox, later
 * entries of the same key wait behind them, other keys still drain.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../../common/log.js";
import { tmpDir, waitFor } from "../../tests/support/services.js";
import { MemoryOutbox } from "../outbox/memory-outbox.js";
import { PRIORITY_ALARM, PRIORITY_TELEMETRY } from "../types.js";
import { startConfiguredMosquitto, type TestBroker } from "./test-broker.js";
import { UplinkClient } from "./uplink-client.js";

const dir = tmpDir("haitang-acl-");
let broker: TestBroker;

beforeAll(async () => {
  const acl = join(dir.path, "acl");
  // Anonymous clients may publish device telemetry and status, not alarms.
  writeFileSync(
    acl,
    "topic write haitang/v1/s1/gw/dev/#\ntopic write haitang/v1/s1/gw/status\ntopic readwrite haitang/v1/s1/gw/health\n",
  );
  broker = await startConfiguredMosquitto(dir.path, ["allow_anonymous true", `acl_file ${acl}`]);
});

afterAll(async () => {
  await broker.stop();
  dir.remove();
});

describe("uplink against a broker that refuses publishes", () => {
  it("keeps refused entries and what follows them on their key; other keys drain", async () => {
    const outbox = new MemoryOutbox();
    const now = Date.now();
    outbox.append([
      {
        priority: PRIORITY_ALARM,
        topic: "haitang/v1/s1/gw/alarm",
        payload: "{}",
        key: "k/a",
        createdAt: now,
      },
      {
        priority: PRIORITY_TELEMETRY,
        topic: "haitang/v1/s1/gw/dev/0000000a/telemetry",
        payload: "{}",
        key: "k/a",
        createdAt: now,
      },
      {
        priority: PRIORITY_TELEMETRY,
        topic: "haitang/v1/s1/gw/dev/0000000b/telemetry",
        payload: "{}",
        key: "k/b",
        createdAt: now,
      },
    ]);
    const logger = memoryLogger();
    const up = new UplinkClient({
      url: `mqtt://127.0.0.1:${broker.port}`,
      site: "s1",
      gateway: "gw",
      outbox,
      logger,
      reconnect: { minMs: 50, maxMs: 200 },
    });
    up.start();
    try {
      await waitFor(
        () => (up.stats.disconnects >= 2 ? true : undefined),
        "the refusal to end connections",
      );
      expect(outbox.peek(10).map((e) => e.topic)).toEqual([
        "haitang/v1/s1/gw/alarm",
        "haitang/v1/s1/gw/dev/0000000a/telemetry",
      ]);
      expect(
        logger.lines.some(
          (l) => l.msg === "broker refused a publish; reconnecting to send again in order",
        ),
      ).toBe(true);
    } finally {
      await up.stop();
    }
  });
});
