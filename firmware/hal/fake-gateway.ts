/**
 * The other end of the wire for firmware tests: decodes what a device sent
 * (checking CRC and MAC) and makes signed downlinks with its own counter.
 * Not part of any image.
 */
import { decodeFrame, encodeFrame, verifyFrame } from "../../protocol/codec.js";
import { deframeAll, frameBytes } from "../../protocol/framing.js";
import type { HmacFn } from "../../protocol/hmac.js";
import type { DownlinkMsg, Frame } from "../../protocol/messages.js";

export class FakeGateway {
  readonly deviceId: number;
  readonly key: Uint8Array;
  readonly hmac: HmacFn;
  counter: number;

  constructor(deviceId: number, key: Uint8Array, hmac: HmacFn) {
    this.deviceId = deviceId;
    this.key = key;
    this.hmac = hmac;
    this.counter = 1;
  }

  /** Every frame in the chunks, in order; throws on a bad MAC or an undecodable frame. */
  decode(chunks: Uint8Array[]): Frame[] {
    const out: Frame[] = [];
    for (let c = 0; c < chunks.length; c++) {
      const frames = deframeAll(chunks[c]!).frames;
      for (let i = 0; i < frames.length; i++) {
        const bytes = frames[i]!;
        if (!verifyFrame(bytes, this.key, this.hmac)) throw new Error("bad MAC from device");
        const r = decodeFrame(bytes);
        if (!r.ok) throw new Error("undecodable frame: " + r.reason);
        out.push(r.frame);
      }
    }
    return out;
  }

  /** A signed, framed downlink; uses and advances the gateway's counter unless one is given. */
  downlink(msg: DownlinkMsg, counter?: number, key?: Uint8Array): Uint8Array {
    const c = counter === undefined ? this.counter++ : counter;
    return frameBytes(
      encodeFrame(
        { deviceId: this.deviceId, counter: c, flags: 0, msg: msg },
        key || this.key,
        this.hmac,
      ),
    );
  }

  ack(ackedCounter: number): Uint8Array {
    return this.downlink({ type: "ack", ackedCounter: ackedCounter });
  }
}
