/**
 * MQTT payloads -> frames: each payload is deframed on its own (as by a new
 * deframer), also when the handler keeps its deframer from one payload to the
 * next; bad bytes are counted per payload and never leak into the next one.
 */
import { describe, expect, it } from "vitest";
import { FRAME_FLAG } from "../../protocol/constants.js";
import { deviceIdHex } from "../../protocol/uplink.js";
import { StageCounters } from "../pipeline/stage-counters.js";
import { framed, keyOf, statusMsg } from "../testing/frames.js";
import { deviceUpTopic } from "./device-topics.js";
import { MqttPayloadHandler } from "./mqtt-payload.js";

const DEV = 0x30000001;
const key = keyOf(3);
const frame = (counter: number) => framed(DEV, counter, statusMsg(counter), key);
const cat = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => [...p]));

function handler() {
  const counters = new StageCounters();
  const got: number[] = [];
  const h = new MqttPayloadHandler("mqtt", counters, (f) => got.push(f.length));
  return { h, counters, got };
}

describe("MqttPayloadHandler", () => {
  it("hands on every frame of every payload, two in one payload too", () => {
    const { h, got, counters } = handler();
    const topic = deviceUpTopic(DEV);
    h.handle(topic, frame(1));
    h.handle(topic, cat(frame(2), frame(3)));
    h.handle(topic, frame(4));
    expect(got).toHaveLength(4);
    expect(counters.dropped.garbage + counters.dropped["bad-crc"]).toBe(0);
  });

  it("does not carry a cut-off frame into the next payload", () => {
    const { h, got, counters } = handler();
    const topic = deviceUpTopic(DEV);
    h.handle(topic, frame(1));
    const cut = frame(2).subarray(0, 12);
    h.handle(topic, cut);
    h.handle(topic, frame(3));
    h.handle(topic, frame(4));
    expect(got).toHaveLength(3);
    expect(counters.dropped["bad-crc"] + counters.dropped.garbage).toBe(0);
  });

  it("counts bytes before the first flag of a payload as garbage, after a clean payload too", () => {
    const { h, got, counters } = handler();
    const topic = deviceUpTopic(DEV);
    h.handle(topic, frame(1));
    h.handle(topic, cat(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]), frame(2)));
    expect(got).toHaveLength(2);
    expect(counters.dropped.garbage).toBe(1);
    expect(counters.dropped["bad-crc"]).toBe(0);
  });

  it("counts a bad CRC once, in the payload that had it", () => {
    const { h, got, counters } = handler();
    const topic = deviceUpTopic(DEV);
    const bad = frame(1).slice();
    bad[bad.length - 2] = (bad[bad.length - 2] ?? 0) ^ 0x01;
    h.handle(topic, bad);
    h.handle(topic, frame(2));
    h.handle(topic, frame(3));
    expect(got).toHaveLength(2);
    expect(counters.dropped["bad-crc"]).toBe(1);
  });

  it("drops a frame whose device id is not the topic's", () => {
    const { h, got, counters } = handler();
    h.handle(`haitang/dev/${deviceIdHex(DEV + 1)}/up`, frame(1));
    expect(got).toHaveLength(0);
    expect(counters.malformed.topic).toBe(1);
    expect(frame(1)[0]).toBe(FRAME_FLAG);
  });
});
