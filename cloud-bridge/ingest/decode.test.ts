import { describe, expect, it } from "vitest";
import { topics } from "../../protocol/uplink.js";
import { pointsFor } from "../storage/points.js";
import { decodeUplink, directoryFromSites } from "./decode.js";

const dir = directoryFromSites({ s1: { gateways: ["g1"] } });
const bytes = (v: unknown) =>
  new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));

const env = (body: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  v: 1,
  site: "s1",
  gateway: "g1",
  deviceId: "0000abcd",
  deviceKind: "charger",
  seq: 7,
  counter: 3,
  ts: 1700000000000,
  historical: false,
  receivers: [{ receiver: "rs485", rssi: -50 }],
  body,
  ...over,
});
const telemetry = {
  type: "charger-telemetry",
  tempDeciC: 200,
  ports: [{ powerW: 10, energyWh: 1, state: 1, relayOn: true }],
};

describe("decodeUplink", () => {
  it("accepts charger telemetry on its telemetry topic", () => {
    const r = decodeUplink(topics.telemetry("s1", "g1", "0000abcd"), bytes(env(telemetry)), dir);
    expect(r.ok && r.msg.kind === "device" && r.msg.envelope.seq).toBe(7);
  });

  it.each([
    ["unknown-topic", "other/topic", env(telemetry)],
    ["unknown-site", topics.telemetry("s9", "g1", "0000abcd"), env(telemetry)],
    ["unknown-gateway", topics.telemetry("s1", "g9", "0000abcd"), env(telemetry)],
    ["malformed-json", topics.telemetry("s1", "g1", "0000abcd"), "{"],
    [
      "invalid-payload",
      topics.telemetry("s1", "g1", "0000abcd"),
      env({ ...telemetry, ports: "many" }),
    ],
    ["invalid-payload", topics.telemetry("s1", "g1", "0000abcd"), env(telemetry, { v: 2 })],
    ["invalid-payload", topics.telemetry("s1", "g1", "0000abcd"), env({ type: "Not A Type!" })],
    [
      "invalid-payload",
      topics.event("s1", "g1", "0000abcd"),
      env({ type: "command-ack", ackedCounter: -1, result: 0 }),
    ],
    ["topic-mismatch", topics.telemetry("s1", "g1", "0000abcd"), env(telemetry, { gateway: "g2" })],
    ["topic-mismatch", topics.telemetry("s1", "g1", "0000ffff"), env(telemetry)],
    ["topic-mismatch", topics.event("s1", "g1", "0000abcd"), env(telemetry)],
    [
      "topic-mismatch",
      topics.telemetry("s1", "g1", "0000abcd"),
      env(telemetry, { deviceKind: "smoke" }),
    ],
  ])("rejects %s (%s)", (reason, topic, payload) => {
    const r = decodeUplink(topic, bytes(payload), dir);
    expect(r.ok ? "accepted" : r.reason).toBe(reason);
  });

  it("accepts the gateway's command-ack on the event topic, from any kind of device", () => {
    for (const deviceKind of ["smoke", "charger", "guardian"]) {
      const r = decodeUplink(
        topics.event("s1", "g1", "0000abcd"),
        bytes(env({ type: "command-ack", ackedCounter: 41, result: 0 }, { deviceKind })),
        dir,
      );
      expect(r.ok && r.msg.kind).toBe("device");
    }
  });

  it("keeps a body type it does not know yet (a newer gateway) instead of rejecting it", () => {
    const r = decodeUplink(
      topics.telemetry("s1", "g1", "0000abcd"),
      bytes(env({ type: "ota-progress", chunk: 3, extra: { nested: true } })),
      dir,
    );
    expect(r).toMatchObject({
      ok: true,
      msg: { kind: "unknown-body", topicKind: "telemetry", envelope: { seq: 7 } },
    });
  });

  it("says which body field fails its schema", () => {
    const r = decodeUplink(
      topics.telemetry("s1", "g1", "0000abcd"),
      bytes(env({ ...telemetry, tempDeciC: "warm" })),
      dir,
    );
    expect(r).toEqual({
      ok: false,
      reason: "invalid-payload",
      detail: "/body/tempDeciC must be integer",
    });
  });

  it("rejects an oversize payload before parsing it", () => {
    const r = decodeUplink(topics.health("s1", "g1"), new Uint8Array(2000), dir, 1024);
    expect(r).toMatchObject({ ok: false, reason: "oversize" });
  });

  it("says where a payload fails its schema", () => {
    const r = decodeUplink(
      topics.status("s1", "g1"),
      bytes({ v: 1, site: "s1", gateway: "g1", online: "yes", ts: 1 }),
      dir,
    );
    expect(r).toEqual({ ok: false, reason: "invalid-payload", detail: "/online must be boolean" });
  });

  it("passes operator requests through untouched and reads responses", () => {
    expect(decodeUplink(topics.request("s1", "g1", "ack-alarm"), bytes("x"), dir)).toMatchObject({
      ok: true,
      msg: { kind: "request" },
    });
    const r = decodeUplink(
      topics.response("s1", "g1", "ack-alarm"),
      bytes({ transaction: "t", command: "ack-alarm", ok: true }),
      dir,
    );
    expect(r).toMatchObject({
      ok: true,
      msg: { kind: "response", response: { transaction: "t" } },
    });
  });
});

describe("decodeUplink: a guardian resident's state", () => {
  const state = (over: Record<string, unknown> = {}) => ({
    v: 1,
    site: "s1",
    gateway: "g1",
    deviceId: "0000d001",
    state: "overdue",
    since: 1700000000000,
    lastActivityAt: 1699990000000,
    location: "b1/301",
    seq: 9,
    ts: 1700000000000,
    historical: false,
    ...over,
  });
  const topic = topics.resident("s1", "g1", "0000d001");

  it("accepts a state on the resident topic", () => {
    const r = decodeUplink(topic, bytes(state()), dir);
    expect(r.ok && r.msg.kind === "resident" && r.msg.resident.state).toBe("overdue");
  });

  it.each([
    ["invalid-payload", topic, state({ state: "asleep" })],
    ["invalid-payload", topic, state({ since: undefined })],
    ["topic-mismatch", topics.resident("s1", "g1", "0000d002"), state()],
    ["topic-mismatch", topic, state({ gateway: "g2" })],
  ])("rejects as %s (%s)", (reason, t, payload) => {
    const r = decodeUplink(t, bytes(payload), dir);
    expect(r.ok ? "ok" : r.reason).toBe(reason);
  });
});

describe("decodeUplink: a device's firmware-update progress", () => {
  const progress = (over: Record<string, unknown> = {}) => ({
    v: 1,
    site: "s1",
    gateway: "g1",
    deviceId: "0000d001",
    campaign: "ota-1.1.0-x",
    version: "1.1.0",
    state: "rolled-back",
    percent: 100,
    reason: "rolled back: the new image did not report in time",
    seq: 4,
    ts: 1700000000000,
    historical: false,
    ...over,
  });
  const topic = topics.ota("s1", "g1", "0000d001");

  it("accepts progress on the ota topic and stores it as an ota_progress point", () => {
    const r = decodeUplink(topic, bytes(progress()), dir);
    expect(r.ok && r.msg.kind === "ota" && r.msg.ota.state).toBe("rolled-back");
    if (!r.ok) return;
    expect(pointsFor(r.msg).lines()).toEqual([
      "ota_progress,campaign=ota-1.1.0-x,device=0000d001,gateway=g1,site=s1,state=rolled-back,version=1.1.0 percent=100i,seq=4i,historical=0i 1700000000000000004",
    ]);
  });

  it.each([
    ["invalid-payload", topic, progress({ state: "bricked" })],
    ["invalid-payload", topic, progress({ percent: 101 })],
    ["invalid-payload", topic, progress({ version: "v2" })],
    ["topic-mismatch", topics.ota("s1", "g1", "0000d002"), progress()],
  ])("rejects as %s (%s)", (reason, t, payload) => {
    const r = decodeUplink(t, bytes(payload), dir);
    expect(r.ok ? "ok" : r.reason).toBe(reason);
  });
});
