import { describe, expect, it } from "vitest";
import { deframeAll } from "../../protocol/framing.js";
import type { ChargerTelemetryMsg } from "../../protocol/messages.js";
import type { UplinkEnvelope } from "../../protocol/uplink.js";
import { CounterTable } from "../dedup/counter-table.js";
import { nodeHmac } from "../registry/keys.js";
import type { RegisteredDevice } from "../registry/registry.js";
import { framed, keyOf } from "../testing/frames.js";
import { VirtualClock } from "../testing/virtual-clock.js";
import type { AcceptedMessage } from "../types.js";
import { envelopeJson, toEnvelope, toOutboxItem } from "./envelope.js";
import { Pipeline } from "./pipeline.js";
import { RateLimiter } from "./rate-limit.js";
import { StageCounters } from "./stage-counters.js";

const ID = { site: "s1", gateway: "g1" };
const CHARGER = 0x78e8fe28;
const telemetry: ChargerTelemetryMsg = {
  type: "charger-telemetry",
  tempDeciC: 245,
  ports: [{ powerW: 180, energyWh: 3, state: 1, relayOn: true }],
};

function accepted(extra: Partial<AcceptedMessage> = {}): AcceptedMessage {
  return {
    deviceId: CHARGER,
    deviceKind: "charger",
    counter: 7,
    flags: 0,
    msg: telemetry,
    receivedAt: 1_700_000_000_000,
    receivers: [{ receiver: "serial:a" }],
    ...extra,
  };
}

function envelopeOf(m: AcceptedMessage): UplinkEnvelope {
  return JSON.parse(toOutboxItem(m, ID).payload) as UplinkEnvelope;
}

describe("toOutboxItem placement", () => {
  it("carries the device's building, shed and location", () => {
    const env = envelopeOf(accepted({ building: "b1", shed: "shed-a", location: "north yard" }));
    expect(env).toMatchObject({
      deviceId: "78e8fe28",
      building: "b1",
      shed: "shed-a",
      location: "north yard",
    });
  });

  it("leaves placement out when the registry does not know it", () => {
    const env = envelopeOf(accepted());
    expect(Object.keys(env)).not.toContain("building");
    expect(Object.keys(env)).not.toContain("shed");
    expect(Object.keys(env)).not.toContain("location");
  });

  it("gets the placement from the registry record through the pipeline", () => {
    const key = keyOf(3);
    const clock = new VirtualClock();
    const device: RegisteredDevice = {
      deviceId: CHARGER,
      historyId: "h1",
      kind: "charger",
      key,
      status: "active",
      heartbeatS: 60,
      sleepy: false,
      createdAt: clock.now(),
      building: "b2",
      shed: "shed-b",
      location: "2-201",
    };
    const payloads: UplinkEnvelope[] = [];
    const pipeline = new Pipeline(
      {
        lookup: (id) => (id === CHARGER ? device : undefined),
        notePending: () => {},
        noteHeard: () => {},
        windows: new CounterTable(),
        limiter: new RateLimiter({ perSecond: 100, burst: 100 }),
        hmac: nodeHmac,
        counters: new StageCounters(),
        commit: (w, done) => {
          if (w.message) payloads.push(envelopeOf(w.message));
          done();
        },
        onAccepted: () => {},
        onHeard: () => {},
        ack: () => {},
        scheduler: clock,
        clock: clock.now,
      },
      { mergeWindowMs: 5 },
    );
    const frame = deframeAll(framed(CHARGER, 1, telemetry, key)).frames[0]!;
    pipeline.handleFrame(frame, { receiver: "serial:a" }, clock.now());
    clock.advance(50);
    expect(payloads).toHaveLength(1);
    expect(payloads[0]).toMatchObject({ building: "b2", shed: "shed-b", location: "2-201" });
  });
});

describe("envelopeJson", () => {
  it("writes exactly what JSON.stringify writes for the envelope object", () => {
    const cases: AcceptedMessage[] = [
      accepted(),
      accepted({ shed: "shed-a", building: "b1" }),
      accepted({ receivers: [{ receiver: "serial:a", rssi: -71 }, { receiver: 'odd "name"\\' }] }),
      accepted({
        deviceId: 0xffffffff,
        deviceKind: "smoke",
        counter: 0xfffffffe,
        building: "b2",
        location: "101",
        msg: { type: "smoke-event", event: 1, smokeLevel: 900, batteryMv: 2900, eventId: 3 },
      }),
    ];
    for (const m of cases) {
      expect(envelopeJson(m, ID)).toBe(JSON.stringify(toEnvelope(m, ID)));
      const odd = { site: 'a"b', gateway: "g\n" };
      expect(envelopeJson(m, odd)).toBe(JSON.stringify(toEnvelope(m, odd)));
    }
  });
});
