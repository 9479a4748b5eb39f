/**
 * One MQTT payload from a Wi-Fi device -> frames for the pipeline. The payload
 * is framed bytes; every frame in it must carry the device id of the topic
 * (anything else is counted as malformed "topic").
 */
import { readU32 } from "../../protocol/bytes.js";
import { OFFSET_DEVICE_ID } from "../../protocol/constants.js";
import { Deframer } from "../../protocol/framing.js";
import type { ReceiverReading } from "../../protocol/uplink.js";
import type { StageCounters } from "../pipeline/stage-counters.js";
import { DeframeCounter } from "./deframe-counter.js";
import { parseUpTopic } from "./device-topics.js";
import type { FrameSink } from "./serial-receiver.js";

export class MqttPayloadHandler {
  readonly deframeCounter: DeframeCounter;
  private readonly reading: ReceiverReading;

  constructor(
    receiver: string,
    private readonly counters: StageCounters,
    private readonly sink: FrameSink,
  ) {
    this.deframeCounter = new DeframeCounter(counters);
    this.reading = { receiver };
  }

  handle(topic: string, payload: Uint8Array): void {
    const hex = parseUpTopic(topic);
    if (hex === undefined) return;
    const topicId = Number.parseInt(hex, 16) >>> 0;
    const frames: Uint8Array[] = [];
    const d = new Deframer((f) => frames.push(f));
    d.push(payload);
    this.deframeCounter.reset();
    this.deframeCounter.update(d.stats);
    for (const f of frames) {
      if (f.length >= OFFSET_DEVICE_ID + 4 && readU32(f, OFFSET_DEVICE_ID) !== topicId) {
        this.counters.received++;
        this.counters.drop("malformed");
        this.counters.malformedDetail("topic");
        continue;
      }
      this.sink(f, this.reading);
    }
  }
}
