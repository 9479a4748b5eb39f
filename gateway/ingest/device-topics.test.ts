import { describe, expect, it } from "vitest";
import { TYPE_SMOKE_EVENT, TYPE_STATUS } from "../../protocol/constants.js";
import { ACK, framed, keyOf, smokeAlarmMsg, statusMsg } from "../testing/frames.js";
import { deviceTopicForFramed, framedType, parseUpTopic } from "./device-topics.js";

describe("device topics", () => {
  it("puts alarms, events and command acks on the event topic and the rest on up", () => {
    const key = keyOf(3);
    const status = framed(0x00ab0001, 1, statusMsg(), key);
    const alarm = framed(0x00ab0001, 2, smokeAlarmMsg(), key, ACK);
    const chargerEvent = framed(
      0x00ab0001,
      3,
      {
        type: "charger-event",
        port: 1,
        event: 1,
        reason: 1,
        powerW: 10,
        tempDeciC: 250,
        sessionS: 1,
      },
      key,
      ACK,
    );
    const commandAck = framed(
      0x00ab0001,
      4,
      { type: "command-ack", ackedCounter: 9, result: 0 },
      key,
    );
    expect(framedType(status)).toBe(TYPE_STATUS);
    expect(framedType(alarm)).toBe(TYPE_SMOKE_EVENT);
    expect(deviceTopicForFramed(0x00ab0001, status)).toBe("haitang/dev/00ab0001/up");
    for (const f of [alarm, chargerEvent, commandAck])
      expect(deviceTopicForFramed(0x00ab0001, f)).toBe("haitang/dev/00ab0001/event");
  });

  it("reads the type past an escaped first byte and refuses what is not a frame", () => {
    // flag, escaped 0x7e (first byte), type 0x02, ...
    expect(framedType(Uint8Array.of(0x7e, 0x7d, 0x5e, 0x02, 0x00))).toBe(0x02);
    expect(framedType(Uint8Array.of(0x7e, 0x10, 0x7d, 0x5d, 0x00))).toBe(0x7d);
    expect(framedType(Uint8Array.of(0x10, 0x02))).toBeUndefined();
    expect(framedType(Uint8Array.of(0x7e, 0x10))).toBeUndefined();
    expect(framedType(Uint8Array.of(0x7e, 0x10, 0x7e))).toBeUndefined();
    expect(deviceTopicForFramed(1, Uint8Array.of(1, 2, 3))).toBe("haitang/dev/00000001/up");
  });

  it("reads the device id of both up topics and nothing else", () => {
    expect(parseUpTopic("haitang/dev/00ab0001/up")).toBe("00ab0001");
    expect(parseUpTopic("haitang/dev/00ab0001/event")).toBe("00ab0001");
    expect(parseUpTopic("haitang/dev/00ab0001/down")).toBeUndefined();
    expect(parseUpTopic("haitang/dev/00ab0001/eventx")).toBeUndefined();
  });
});
