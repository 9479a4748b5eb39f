import { describe, expect, it } from "vitest";
import { topics } from "../../protocol/uplink.js";
import { ContractCheck } from "./contract-check.js";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe("ContractCheck", () => {
  it("passes accepted uplinks and fails the case on the first rejection, saying which", () => {
    const c = new ContractCheck();
    const status = { v: 1, site: "s", gateway: "g", online: true, ts: 1 };
    expect(c.check(topics.status("s", "g"), enc(status))).toBeUndefined();
    expect(c.verdict()).toMatchObject({ pass: true });
    expect(c.check(topics.status("s", "g"), enc({ ...status, online: "yes" }))).toMatchObject({
      reason: "invalid-payload",
    });
    expect(c.verdict()).toMatchObject({ pass: false });
    expect(c.verdict().detail).toContain("1 of 2 uplinks rejected");
    expect(c.verdict().detail).toContain("/online must be boolean");
  });

  it("fails the case on an envelope the bridge would refuse inside a batch", () => {
    const c = new ContractCheck();
    const env = {
      v: 1,
      site: "s",
      gateway: "g",
      deviceId: "0000abcd",
      deviceKind: "smoke",
      seq: 1,
      counter: 1,
      ts: 1,
      historical: false,
      receivers: [],
      body: { type: "smoke-event", event: 1, smokeLevel: 9, batteryMv: 2900, eventId: 1 },
    };
    const batch = (envelopes: unknown[]) => ({
      v: 1,
      site: "s",
      gateway: "g",
      historical: false,
      envelopes,
    });
    expect(c.check(topics.batch("s", "g"), enc(batch([env, { ...env, seq: 2 }])))).toBeUndefined();
    expect(
      c.check(topics.batch("s", "g"), enc(batch([env, { ...env, seq: 3, gateway: "other" }]))),
    ).toMatchObject({ reason: "topic-mismatch", detail: expect.stringContaining("/envelopes/1") });
    expect(c.verdict()).toMatchObject({ pass: false });
  });

  it("does not pass a run that checked nothing", () => {
    expect(new ContractCheck().verdict().pass).toBe(false);
  });
});
