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

  it("does not pass a run that checked nothing", () => {
    expect(new ContractCheck().verdict().pass).toBe(false);
  });
});
