/**
 * The run's cloud side against a real Mosquitto: once sync() returns, the
 * observer holds every message the broker took before it, so a run reads its
 * cloud counters after the uplink drained without sleeping for late deliveries.
 */
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { topics } from "../../protocol/uplink.js";
import { CloudBroker, CloudObserver } from "./cloud.js";

describe("the run's cloud observer", () => {
  const cloud = new CloudBroker(false);
  const seen: string[] = [];
  const observer = new CloudObserver((m) => seen.push(String(m.payload.n)));

  beforeAll(async () => {
    await cloud.start();
    await observer.connect(cloud.brokerUrl, "observer-sync-test");
  });
  afterAll(async () => {
    await observer.close();
    await cloud.dispose();
  });

  it("has every message the broker acknowledged before sync() once it returns, and no marker among them", async () => {
    const gateway = await mqtt.connectAsync(cloud.url, { clientId: "gw-sync", protocolVersion: 5 });
    // The observer reads nothing while the gateway publishes: the broker queues every message
    // for it (a slow or starved observer), so they are all still on their way when sync() starts.
    const stream = (observer as unknown as { client: MqttClient }).client.stream;
    stream.pause();
    const sent: string[] = [];
    for (let i = 0; i < 300; i++) sent.push(String(i));
    // QoS 1: each is acknowledged once the broker has it (the gateway's outbox then empties).
    await Promise.all(
      sent.map((n) =>
        gateway.publishAsync(topics.health("site-s", "gw-sync"), JSON.stringify({ n }), {
          qos: 1,
        }),
      ),
    );
    expect(seen).toEqual([]);
    stream.resume();
    expect(await observer.sync(60_000)).toBe(true);
    expect(seen).toEqual(sent);
    expect(observer.received).toBe(300);
    await gateway.endAsync();
  });
});
