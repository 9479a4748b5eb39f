/**
 * The gateway's mqtt.js clients never build mqtt-packet's table of 65,536
 * packet-id Buffers (~6.5 MB of heap), and their QoS 1 traffic still works
 * (packet ids written from fresh buffers). Without `writeCache: false` the
 * first packet written builds it and the check fails (checked).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startConfiguredMosquitto, type TestBroker } from "../gateway/uplink/test-broker.js";
import { gatewayMqttOptions } from "./mqtt-client-options.js";

const numbers = createRequire(import.meta.url)("mqtt-packet/numbers.js") as {
  cache: Record<number, Buffer>;
};

let dir: string;
let broker: TestBroker;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "haitang-mqtt-opts-"));
  broker = await startConfiguredMosquitto(dir, ["allow_anonymous true"]);
});

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Subscribes and publishes `n` QoS 1 messages to itself; resolves with what came back. */
async function roundTrip(options: mqtt.IClientOptions, n: number): Promise<string[]> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
    protocolVersion: 5,
    ...options,
  });
  const got: string[] = [];
  const all = new Promise<void>((resolve) =>
    c.on("message", (_t, p) => {
      got.push(p.toString());
      if (got.length === n) resolve();
    }),
  );
  await c.subscribeAsync("t/#", { qos: 1 });
  for (let i = 0; i < n; i++) await c.publishAsync(`t/${i}`, `m${i}`, { qos: 1 });
  await all;
  await c.endAsync();
  return got.sort();
}

describe("gateway mqtt.js client options", () => {
  it("carry QoS 1 both ways without building the packet-id table", async () => {
    const got = await roundTrip({ ...gatewayMqttOptions(), clientId: "gw-opts" }, 20);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
    expect(typeof numbers.cache).toBe("object");
    expect(Object.keys(numbers.cache)).toHaveLength(0);
  });
});
