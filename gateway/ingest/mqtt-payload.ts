/**
 * One MQTT payload from a Wi-Fi device -> frames for the pipeline. The payload
 * is framed bytes; every frame in it must carry the device id of the topic
 * (anything else is counted as malformed "topic").
 */
import { readU32 } from "../../protocol/bytes.js";
import { FRAME_FLAG, OFFSET_DEVICE_ID } from "../../protocol/constants.js";
import { Deframer } from "../../protocol/framing.js";
import type { ReceiverReading } from "../../protocol/uplink.js";
import type { StageCounters } from "../pipeline/stage-counters.js";
import { DeframeCounter } from "./deframe-counter.js";
import { parseUpTopic } from "./device-topics.js";
import type { FrameSink } from "./serial-receiver.js";

export class MqttPayloadHandler {
  readonly deframeCounter: DeframeCounter;
  private readonly reading: ReceiverReading;
  private readonly frames: Uint8Array[] = [];
  private deframer: Deframer | undefined;
  /** The last payload pushed ended with a FLAG: the deframer waits for a frame, holding nothing. */
  private clean = false;

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
    const d = this.deframerFor(payload);
    d.push(payload);
    this.clean = payload.length > 0 && payload[payload.length - 1] === FRAME_FLAG;
    this.deframeCounter.update(d.stats);
    const frames = this.frames;
    try {
      for (let i = 0; i < frames.length; i++) {
        const f = frames[i]!;
        if (f.length >= OFFSET_DEVICE_ID + 4 && readU32(f, OFFSET_DEVICE_ID) !== topicId) {
          this.counters.received++;
          this.counters.drop("malformed");
          this.counters.malformedDetail("topic");
          continue;
        }
        this.sink(f, this.reading);
      }
    } finally {
      frames.length = 0;
    }
  }

  /**
   * Each payload is deframed on its own, as by a new Deframer. The last one is
   * used again when that is the same: it ended its payload on a FLAG (nothing
   * held) and this payload starts with one (which a new Deframer would take
   * as the start of a frame too). A deframer per payload (a buffer and four
   * closures) was a few percent of the gateway's time at 10,000 frames/s.
   */
  private deframerFor(payload: Uint8Array): Deframer {
    if (this.deframer && this.clean && payload[0] === FRAME_FLAG) return this.deframer;
    this.deframer = new Deframer((f) => this.frames.push(f));
    this.deframeCounter.reset();
    return this.deframer;
  }
}
