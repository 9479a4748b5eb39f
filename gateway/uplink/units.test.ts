import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tmpDir } from "../../tests/support/services.js";
import { MemoryOutbox } from "../outbox/memory-outbox.js";
import { siteFrom } from "../rules/testing.js";
import { openGatewayDatabase } from "../storage/database.js";
import type { OutboxEntry } from "../types.js";
import { reconnectDelayMs } from "./backoff.js";
import { CommandVerifier, signCommand } from "./command-verifier.js";
import { removable } from "./drain.js";
import { uplinkOptionsFromConfig } from "./from-config.js";
import { isHistorical, stampPayload } from "./stamp.js";
import { SqliteTransactionStore } from "./transaction-store.js";

const entry = (
  seq: number,
  key: string,
  createdAt = 1000,
  payload = '{"seq":0,"historical":false,"x":1}',
): OutboxEntry => ({
  seq,
  key,
  priority: 0,
  topic: "t",
  payload,
  createdAt,
});

describe("reconnect back-off", () => {
  it("doubles from min to max with half of each delay random", () => {
    const opts = { minMs: 100, maxMs: 5000 };
    expect([0, 1, 2, 3, 10].map((a) => reconnectDelayMs(a, opts, () => 0))).toEqual([
      50, 100, 200, 400, 2500,
    ]);
    expect([0, 1, 2, 3, 10].map((a) => reconnectDelayMs(a, opts, () => 1))).toEqual([
      100, 200, 400, 800, 5000,
    ]);
  });
});

describe("publish stamp", () => {
  it("fills seq and historical and leaves other fields", () => {
    expect(JSON.parse(stampPayload(entry(42, "k"), true))).toEqual({
      seq: 42,
      historical: true,
      x: 1,
    });
    expect(stampPayload(entry(1, "k", 0, "not json"), true)).toBe("not json");
  });

  it("calls an entry historical when it was queued before the connection came up", () => {
    expect(isHistorical(entry(1, "k", 999), 1000)).toBe(true);
    expect(isHistorical(entry(1, "k", 1000), 1000)).toBe(false);
  });
});

describe("removable after PUBACKs", () => {
  it("removes acknowledged entries but none after a refused entry of the same key", () => {
    const [e1, e2, e3, e4, e5] = [
      entry(1, "a"),
      entry(2, "b"),
      entry(3, "a"),
      entry(4, "b"),
      entry(5, "c"),
    ];
    expect(removable([e1!, e2!, e3!, e4!, e5!], [])).toEqual([1, 2, 3, 4, 5]);
    // 2 was refused: 4 (same key, later) must wait to go again after it.
    expect(removable([e1!, e3!, e4!, e5!], [e2!])).toEqual([1, 3, 5]);
    expect(removable([], [e1!])).toEqual([]);
  });
});

const dir = tmpDir("haitang-upunit-");
afterAll(() => dir.remove());

describe("CommandVerifier", () => {
  const key = new Uint8Array(16).fill(7);
  const other = new Uint8Array(16).fill(8);
  const now = Date.UTC(2025, 0, 6, 12);
  const ack = (over: Record<string, unknown> = {}, k = key) =>
    JSON.stringify({
      ...signCommand(k, {
        transaction: "tx-1",
        command: "ack-alarm",
        issuedAt: now,
        payload: { alarmId: "gw-1", by: "guard" },
        ...over,
      }),
    });

  const cases: Array<[string, string, string, RegExp]> = [
    [
      "a forged signature",
      "ack-alarm",
      ack({}, other),
      /^bad signature: not signed with the site command key$/,
    ],
    ["a changed payload", "ack-alarm", ack().replace('"guard"', '"mallory"'), /^bad signature/],
    [
      "a missing signature",
      "ack-alarm",
      JSON.stringify({ transaction: "t", command: "ack-alarm", issuedAt: now, payload: {} }),
      /^bad signature: expected 64 hex digits/,
    ],
    [
      "a command older than 5 minutes",
      "ack-alarm",
      ack({ issuedAt: now - 360_000 }),
      /^stale: issued 360 s before the gateway clock \(limit 300 s\)$/,
    ],
    [
      "a command from the future",
      "ack-alarm",
      ack({ issuedAt: now + 301_000 }),
      /^stale: issued 301 s after/,
    ],
    ["a topic that does not match", "set-port", ack(), /does not match the topic/],
    ["an unknown command", "reboot", ack(), /^unknown command "reboot"$/],
    ["not JSON", "ack-alarm", "{", /^malformed request: not JSON$/],
    [
      "a signed but invalid payload",
      "ack-alarm",
      ack({ payload: { alarmId: "gw-1" } }),
      /^invalid payload: payload must have required property 'by'$/,
    ],
  ];

  it.each(cases)("rejects %s and says why", (_name, topic, body, error) => {
    const v = new CommandVerifier(key).verify(topic, body, now);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(error);
  });

  it("accepts a signed fresh command once, and rejects its replay", () => {
    const verifier = new CommandVerifier(key);
    const first = verifier.verify("ack-alarm", ack(), now + 1000);
    expect(first).toMatchObject({
      ok: true,
      request: { transaction: "tx-1", payload: { by: "guard" } },
    });
    expect(verifier.verify("ack-alarm", ack(), now + 2000)).toMatchObject({
      ok: false,
      reason: "replayed",
      transaction: "tx-1",
    });
  });

  it("does not let a forged request burn a transaction id", () => {
    const verifier = new CommandVerifier(key);
    expect(verifier.verify("ack-alarm", ack({}, other), now).ok).toBe(false);
    expect(verifier.verify("ack-alarm", ack(), now).ok).toBe(true);
  });

  it("remembers used transactions across a restart with the SQLite store", () => {
    const path = join(dir.path, "tx.db");
    const db1 = openGatewayDatabase(path);
    expect(
      new CommandVerifier(key, new SqliteTransactionStore(db1)).verify("ack-alarm", ack(), now).ok,
    ).toBe(true);
    db1.close();
    const db2 = openGatewayDatabase(path);
    const after = new CommandVerifier(key, new SqliteTransactionStore(db2));
    expect(after.verify("ack-alarm", ack(), now + 60_000)).toMatchObject({
      ok: false,
      reason: "replayed",
    });
    // Once out of the window it is stale anyway, and forgotten.
    expect(after.verify("ack-alarm", ack(), now + 400_000)).toMatchObject({
      ok: false,
      reason: "stale",
    });
    db2.close();
  });

  it("refuses every command without a command key", () => {
    expect(new CommandVerifier(undefined).verify("ack-alarm", ack(), now)).toMatchObject({
      ok: false,
      reason: "no-key",
    });
  });
});

describe("uplink options from the site config", () => {
  it("reads the password, command key and TLS files", () => {
    mkdirSync(join(dir.path, "s"), { recursive: true });
    writeFileSync(join(dir.path, "s", "pw"), "secret\n");
    writeFileSync(join(dir.path, "s", "key"), "00112233445566778899aabbccddeeff\n");
    writeFileSync(join(dir.path, "s", "ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    const site = siteFrom(
      `cloud: { url: "mqtts://c:8883", passwordFile: ${dir.path}/s/pw, commandKeyFile: ${dir.path}/s/key, tls: { ca: ${dir.path}/s/ca.pem } }\n`,
    );
    const r = uplinkOptionsFromConfig(site, { outbox: new MemoryOutbox() });
    expect(r.ok && r.options).toMatchObject({
      url: "mqtts://c:8883",
      clientId: "test-gw",
      password: "secret",
      keepaliveS: 30,
      tls: { ca: "-----BEGIN CERTIFICATE-----\n", rejectUnauthorized: true },
    });
    if (r.ok)
      expect(Buffer.from(r.options!.commandKey!).toString("hex")).toBe(
        "00112233445566778899aabbccddeeff",
      );
  });

  it("names a command key file that does not hold a key", () => {
    writeFileSync(join(dir.path, "badkey"), "not a key");
    const site = siteFrom(`cloud: { url: "mqtt://c", commandKeyFile: ${dir.path}/badkey }\n`);
    const r = uplinkOptionsFromConfig(site, { outbox: new MemoryOutbox() });
    expect(r).toMatchObject({ ok: false, errors: [{ path: "cloud.commandKeyFile" }] });
  });

  it("gives no options for a site without a cloud section", () => {
    expect(uplinkOptionsFromConfig(siteFrom(""), { outbox: new MemoryOutbox() })).toEqual({
      ok: true,
      options: undefined,
    });
  });
});
