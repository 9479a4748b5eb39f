import { describe, expect, it } from "vitest";
import { signAck, verifyAck } from "./ack-link.js";
import { answered, dueAction, startChain, told } from "./chain.js";
import type { ChainConfig } from "./config.js";

const MIN = 60_000;
const chain: ChainConfig = {
  kinds: ["welfare"],
  repeatS: 300,
  steps: [
    { name: "family", family: true, webhooks: [], ackWithinS: 900 },
    { name: "grid-worker", family: false, webhooks: ["grid"], ackWithinS: 1200 },
    { name: "duty-desk", family: false, webhooks: ["desk"], ackWithinS: 900 },
  ],
};

describe("a welfare alarm's escalation chain", () => {
  it("reminds the family, then hands over to the grid worker when the family does not answer", () => {
    let run = startChain("s", "a1", 0);
    expect(dueAction(run, chain, 4 * MIN)).toBeUndefined();
    const reminder = dueAction(run, chain, 5 * MIN);
    expect(reminder).toEqual({ step: 0, repeat: 1 });
    run = told(run, reminder!, 5 * MIN);
    expect(dueAction(run, chain, 9 * MIN)).toBeUndefined();
    run = told(run, dueAction(run, chain, 10 * MIN)!, 10 * MIN);
    expect(run).toMatchObject({ step: 0, repeat: 2 });
    // 15 minutes unanswered: the grid worker is told (not a third family reminder).
    const next = dueAction(run, chain, 15 * MIN);
    expect(next).toEqual({ step: 1, repeat: 0 });
    run = told(run, next!, 15 * MIN);
    expect(run).toMatchObject({ step: 1, stepSince: 15 * MIN, repeat: 0 });
    expect(dueAction(run, chain, 35 * MIN)).toEqual({ step: 2, repeat: 0 });
  });

  it("keeps reminding the last step until someone answers", () => {
    let run = told(startChain("s", "a1", 0), { step: 2, repeat: 0 }, 0);
    for (let i = 1; i <= 4; i++) {
      const a = dueAction(run, chain, i * 5 * MIN);
      expect(a).toEqual({ step: 2, repeat: i });
      run = told(run, a!, i * 5 * MIN);
    }
  });

  it("stops for good once someone answers", () => {
    const run = answered(startChain("s", "a1", 0), "family-wang", 0, 2 * MIN);
    expect(run.answered).toEqual({ by: "family-wang", at: 2 * MIN, step: 0 });
    expect(dueAction(run, chain, 10 * 3600_000)).toBeUndefined();
  });

  it("jumps to the furthest due step after a long silence (a restart), telling only that one", () => {
    expect(dueAction(startChain("s", "a1", 0), chain, 40 * MIN)).toEqual({ step: 2, repeat: 0 });
  });

  it("never reminds when repeatS is 0", () => {
    const quiet = { ...chain, repeatS: 0 };
    expect(dueAction(startChain("s", "a1", 0), quiet, 14 * MIN)).toBeUndefined();
  });
});

describe("acknowledgement links", () => {
  const secret = "ack-secret-0123456789";
  it("carries site, alarm, step and who, and refuses a forged or altered token", () => {
    const claim = { site: "hz-001", alarmId: "gw-1-17", step: 1, who: "grid-li" };
    const token = signAck(secret, claim);
    expect(verifyAck(secret, token)).toEqual(claim);
    expect(verifyAck("another-secret-0123456", token)).toBeUndefined();
    const [payload, mac] = token.split(".");
    const other = Buffer.from(JSON.stringify(["hz-001", "gw-1-18", 1, "grid-li"])).toString(
      "base64url",
    );
    expect(verifyAck(secret, `${other}.${mac}`)).toBeUndefined();
    expect(verifyAck(secret, `${payload}`)).toBeUndefined();
    expect(verifyAck(secret, "garbage.garbage")).toBeUndefined();
  });
});
