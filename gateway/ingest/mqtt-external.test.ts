/**
 * The external-broker ingest against a real Mosquitto: events and alarms
 * come in on a connection of their own, so one published after a flood of
 * telemetry reaches the gateway while the flood is still queued for it, also
 * while the gateway holds its telemetry connection (backpressure).
 */
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../../common/log.js";
import { decodeFrame } from "../../protocol/codec.js";
import { deframeAll } from "../../protocol/framing.js";
import { type Mosquitto, startMosquitto, waitFor } from "../../tests/support/services.js";
import { ACK, framed, keyOf, smokeAlarmMsg, statusMsg } from "../testing/frames.js";
import { deviceTopicForFramed } from "./device-topics.js";
import { ExternalMqttIngest } from "./mqtt-external.js";

const TELEMETRY_DEVICE = 0x00f10001;
const ALARM_DEVICE = 0x00f10002;
const FLOOD = 400; // under Mosquitto's default queue of 1,000 per session

interface Arrival {
  topic: string;
  deviceId: number;
  counter: number;
  type: string;
}

let broker: Mosquitto;
let ingest: ExternalMqttIngest;
let pub: MqttClient;
const arrivals: Arrival[] = [];

beforeAll(async () => {
  broker = await startMosquitto();
  ingest = new ExternalMqttIngest(
    { url: broker.url, clientId: "gw-ingest-test" },
    (topic, payload) => {
      for (const f of deframeAll(payload).frames) {
        const d = decodeFrame(f);
        if (d.ok)
          arrivals.push({
            topic,
            deviceId: d.frame.deviceId,
            counter: d.frame.counter,
            type: d.frame.msg.type,
          });
      }
    },
    memoryLogger(),
  );
  ingest.start();
  pub = await mqtt.connectAsync(broker.url, { clientId: "devices", reconnectPeriod: 0 });
}, 30_000);

afterAll(async () => {
  await pub?.endAsync(true);
  await ingest?.stop();
  await broker?.stop();
});

/** Publishes a device's frame on the topic the device would use, with QoS 1 (resolves on the broker's PUBACK). */
async function send(deviceId: number, counter: number, alarm: boolean): Promise<string> {
  const key = keyOf(deviceId & 0xff);
  const f = alarm
    ? framed(deviceId, counter, smokeAlarmMsg(counter), key, ACK)
    : framed(deviceId, counter, statusMsg(counter), key);
  const topic = deviceTopicForFramed(deviceId, f);
  await pub.publishAsync(topic, Buffer.from(f), { qos: 1 });
  return topic;
}

describe("external MQTT ingest", () => {
  it("reads events on a connection of its own: an alarm after a telemetry flood does not wait for it", {
    timeout: 60_000,
  }, async () => {
    // Both subscriptions are live once a frame on each topic has come through.
    let probe = 1;
    await waitFor(async () => {
      await send(TELEMETRY_DEVICE, probe++, false);
      return arrivals.some((a) => a.deviceId === TELEMETRY_DEVICE) ? true : undefined;
    }, "the up subscription");
    await waitFor(async () => {
      await send(ALARM_DEVICE, probe++, true);
      return arrivals.some((a) => a.deviceId === ALARM_DEVICE) ? true : undefined;
    }, "the event subscription");
    arrivals.length = 0;

    // The gateway is behind a backlog of commits: it holds its telemetry
    // connection (backpressure.ts). The flood waits for it in the broker.
    ingest.holdTelemetry(true);
    // mqtt.js's pipe resumes the socket whenever its parser drains: the hold outlasts that.
    (ingest as unknown as { client: MqttClient }).client.stream.resume();
    const first = probe;
    for (let i = 0; i < FLOOD; i++)
      expect(await send(TELEMETRY_DEVICE, first + i, false)).toMatch(/\/up$/);
    expect(await send(ALARM_DEVICE, first + FLOOD, true)).toMatch(/\/event$/);

    await waitFor(
      () => (arrivals.some((a) => a.deviceId === ALARM_DEVICE) ? true : undefined),
      "the alarm",
    );
    const alarmAt = arrivals.findIndex((a) => a.deviceId === ALARM_DEVICE);
    expect(arrivals[alarmAt]).toMatchObject({ type: "smoke-event", counter: first + FLOOD });
    // Published last, it came while the whole flood was still held in the broker.
    expect(arrivals.filter((a) => a.deviceId === TELEMETRY_DEVICE)).toHaveLength(0);

    // Nothing of the flood is lost or doubled once the gateway reads again, and its order is kept.
    ingest.holdTelemetry(false);
    const flood = await waitFor(() => {
      const t = arrivals.filter((a) => a.deviceId === TELEMETRY_DEVICE);
      return t.length >= FLOOD ? t : undefined;
    }, "the flood");
    expect(flood.map((a) => a.counter)).toEqual(Array.from({ length: FLOOD }, (_, i) => first + i));
    expect(arrivals.filter((a) => a.deviceId === ALARM_DEVICE)).toHaveLength(1);
  });
});
