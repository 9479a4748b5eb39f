import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AlarmView, PortView } from "../live/views.js";
import { type AuditEntry, AuditLog } from "./audit-log.js";
import { HttpError } from "./http-util.js";
import { cutAlarmOf, restoreReason } from "./port-restore.js";

const port: PortView = {
  port: 9,
  deviceId: "00c4a002",
  devicePort: 1,
  portNo: 2,
  chargerNo: 2,
  powerW: 0,
  energyWh: 0,
  state: "cut-overload",
  stateCode: 4,
  relayOn: false,
};

function alarm(id: string, over: Partial<AlarmView>): AlarmView {
  return {
    site: "s",
    gateway: "g",
    alarmId: id,
    kind: "port-overload",
    severity: "major",
    deviceId: "00c4a002",
    port: 1,
    rule: "r",
    active: false,
    acknowledged: false,
    raisedAt: 1000,
    level: 0,
    lastTransition: "raised",
    updatedAt: 1000,
    historical: false,
    seq: 1,
    timeline: [],
    ...over,
  };
}

describe("why a port is off", () => {
  it("takes the active alarm of that charger port over older or other ones", () => {
    const alarms = [
      alarm("old-cleared", { raisedAt: 5000 }),
      alarm("active", { active: true, raisedAt: 2000 }),
      alarm("other-port", { active: true, port: 0, raisedAt: 9000 }),
      alarm("other-charger", { active: true, deviceId: "00c4a001", raisedAt: 9000 }),
    ];
    expect(cutAlarmOf(alarms, port)?.alarmId).toBe("active");
    expect(cutAlarmOf(alarms.slice(0, 1), port)?.alarmId).toBe("old-cleared");
    expect(cutAlarmOf(alarms.slice(2), port)).toBeUndefined();
  });
});

describe("the restore reason", () => {
  it("is required, trimmed and bounded", () => {
    expect(restoreReason({ reason: "  charger replaced  " })).toBe("charger replaced");
    for (const bad of [{}, { reason: "   " }, { reason: 3 }, null, { reason: "x".repeat(501) }]) {
      expect(() => restoreReason(bad)).toThrow(HttpError);
    }
  });
});

describe("audit log", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const entry = (site: string, at: number): AuditEntry => ({
    at,
    site,
    by: "guard",
    role: "operator",
    action: "port-restore",
    reason: "checked",
    outcome: "sent",
  });

  it("lists a site's entries newest first and keeps them in its file across restarts", () => {
    dir = mkdtempSync(join(tmpdir(), "haitang-audit-"));
    const file = join(dir, "audit.jsonl");
    const log = new AuditLog(file);
    log.record(entry("a", 1));
    log.record(entry("b", 2));
    log.record(entry("a", 3));
    expect(log.list("a").map((e) => e.at)).toEqual([3, 1]);
    // A crash mid-write leaves a torn line: the rest still loads.
    writeFileSync(file, `${readFileSync(file, "utf8")}{"at":4,"si`);
    const again = new AuditLog(file);
    expect(again.list("a").map((e) => e.at)).toEqual([3, 1]);
    expect(again.list("b")).toHaveLength(1);
  });

  it("keeps at most its bound in memory", () => {
    const log = new AuditLog(undefined, 3);
    for (let i = 0; i < 5; i++) log.record(entry("a", i));
    expect(log.list("a").map((e) => e.at)).toEqual([4, 3, 2]);
  });
});
