import { describe, expect, it } from "vitest";
import { device, harness, siteFrom, summary, T0 } from "./testing.js";

const site = siteFrom("rules:\n  - { id: lost, kind: absence, factor: 2 }\n");
const s = (seconds: number) => T0 + seconds * 1000;
const status = {
  type: "status",
  deviceKind: 1,
  batteryMv: 3000,
  fwMajor: 1,
  fwMinor: 0,
  fwPatch: 0,
  uptimeS: 5,
  resetCause: 0,
} as const;

describe("absence rule (device lost)", () => {
  it("raises after 2 x the heartbeat interval of silence, once, and clears on the next frame", () => {
    const detector = device(0xa001, "smoke", { heartbeatS: 600 });
    const h = harness(site, [detector]);
    h.send(detector, status, s(0));
    // The tick walks every device at most every 5 s.
    expect(h.tick(s(1199))).toEqual([]);
    expect(summary(h.tick(s(1205)))).toEqual(["raise device-lost major 0000a001"]);
    expect(h.tick(s(1300))).toEqual([]);
    expect(summary(h.send(detector, status, s(1400)))).toEqual(["clear device-lost 0000a001"]);
    expect(h.tick(s(2595))).toEqual([]);
    expect(summary(h.tick(s(2605)))).toEqual(["raise device-lost major 0000a001"]);
  });

  it("counts a device never heard since start from the gateway start", () => {
    const charger = device(0xc001, "charger", { heartbeatS: 60 });
    const h = harness(site, [charger]);
    expect(h.tick(s(100))).toEqual([]);
    const [raise] = h.tick(s(121));
    expect(raise).toMatchObject({
      kind: "device-lost",
      evidence:
        "0000c001 silent for 2 min since its gateway start (heartbeat 60 s, limit 2 x = 2 min)",
    });
  });

  it("uses the registry's last-seen time across a restart", () => {
    const detector = device(0xa001, "smoke", { heartbeatS: 3600, lastSeen: s(-7000) });
    const h = harness(site, [detector]);
    expect(summary(h.tick(s(201)))).toEqual(["raise device-lost major 0000a001"]);
  });

  it("clears on the first frame after a restart, for an alarm raised before it", () => {
    const detector = device(0xa001, "smoke", { heartbeatS: 3600 });
    const h = harness(site, [detector]);
    expect(summary(h.send(detector, status, s(1)))).toEqual(["clear device-lost 0000a001"]);
    expect(h.send(detector, status, s(2))).toEqual([]);
  });

  it("leaves decommissioned devices and other kinds alone", () => {
    const old = device(0xa001, "smoke", { heartbeatS: 60, status: "decommissioned" });
    const g = device(0xd001, "guardian", { heartbeatS: 60 });
    const h = harness(siteFrom("rules:\n  - { id: lost, kind: absence, deviceKinds: [smoke] }\n"), [
      old,
      g,
    ]);
    expect(h.tick(s(10_000))).toEqual([]);
  });
});
