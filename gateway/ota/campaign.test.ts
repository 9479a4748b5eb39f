import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openGatewayDatabase } from "../storage/database.js";
import {
  assignStages,
  DEFAULT_RULES,
  type DeviceProgress,
  decideRollout,
} from "./campaign-plan.js";
import { CampaignStore } from "./campaign-store.js";

const ids = Array.from({ length: 20 }, (_, i) => 0x5d000000 + i);
const safe = () => undefined;

function progress(stages: Map<number, number>): DeviceProgress[] {
  return [...stages].map(([deviceId, stage]) => ({ deviceId, stage, state: "queued", percent: 0 }));
}

describe("campaign rollout", () => {
  it("runs the canary first, opens the next stage only when every device before it ended", () => {
    const stages = assignStages(ids, DEFAULT_RULES);
    expect([...stages.values()].filter((s) => s === 0)).toHaveLength(2);
    const devs = progress(stages);
    expect(decideRollout(devs, DEFAULT_RULES, false, safe)).toMatchObject({
      status: "running",
      stage: 0,
      active: ids.slice(0, 2),
    });
    devs[0]!.state = "reported";
    expect(decideRollout(devs, DEFAULT_RULES, false, safe).stage).toBe(0);
    devs[1]!.state = "reported";
    const next = decideRollout(devs, DEFAULT_RULES, false, safe);
    expect(next.stage).toBe(1);
    expect(next.active).toHaveLength(2); // 10 % of the 18 others, rounded up
  });

  it("pauses by itself when failures exceed the threshold, and holds devices that are alarming", () => {
    const devs = progress(assignStages(ids, DEFAULT_RULES));
    devs[0]!.state = "rolled-back";
    devs[0]!.reason = "no report within the confirm time";
    devs[1]!.state = "reported";
    expect(decideRollout(devs, DEFAULT_RULES, false, safe)).toMatchObject({ status: "paused" });
    devs[0]!.state = "reported";
    const d = decideRollout(devs, DEFAULT_RULES, false, (id) =>
      id === devs[2]!.deviceId ? "alarming" : undefined,
    );
    expect(d.held).toEqual([{ deviceId: devs[2]!.deviceId, why: "alarming" }]);
    expect(d.active).not.toContain(devs[2]!.deviceId);
    for (const x of devs) x.state = "reported";
    expect(decideRollout(devs, DEFAULT_RULES, false, safe).status).toBe("done");
  });

  it("opens the next stage past a device held by an alarm, which is updated once the alarm ends", () => {
    const devs = progress(assignStages(ids, DEFAULT_RULES));
    const [c0, c1] = [devs[0]!, devs[1]!];
    c0.state = "reported";
    c1.state = "transferring";
    const fire = new Set([c1.deviceId]);
    const unsafe = (id: number) => (fire.has(id) ? "alarm active (fire)" : undefined);
    // Without the hold the stage waits for the canary still transferring.
    expect(decideRollout(devs, DEFAULT_RULES, false, safe).stage).toBe(0);
    const d = decideRollout(devs, DEFAULT_RULES, false, unsafe);
    expect(d.stage).toBe(1);
    expect(d.held).toEqual([{ deviceId: c1.deviceId, why: "alarm active (fire)" }]);
    expect(d.active).toEqual(devs.filter((x) => x.stage === 1).map((x) => x.deviceId));
    // The alarm ends: the held canary gets its frames in the stage now open.
    fire.clear();
    expect(decideRollout(devs, DEFAULT_RULES, false, unsafe).active).toContain(c1.deviceId);
  });

  it("does not open the next stage while every device of a stage is held: nothing is proven yet", () => {
    const devs = progress(assignStages(ids, DEFAULT_RULES));
    const d = decideRollout(devs, DEFAULT_RULES, false, (id) =>
      id === devs[0]!.deviceId || id === devs[1]!.deviceId ? "alarm active (fire)" : undefined,
    );
    expect(d).toMatchObject({ status: "running", stage: 0, active: [] });
    expect(d.held).toHaveLength(2);
  });
});

describe("campaign store", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps campaigns and per-device progress across a restart (a new connection to the file)", () => {
    dir = mkdtempSync(join(tmpdir(), "ota-store-"));
    const path = join(dir, "gw.sqlite");
    const db = openGatewayDatabase(path);
    const store = new CampaignStore(db);
    store.create(
      { id: "c1", version: "1.1.0", rules: DEFAULT_RULES, paused: false, createdAt: 1000 },
      assignStages(ids.slice(0, 5), DEFAULT_RULES),
    );
    store.progress("c1", ids[0]!, { state: "transferring", percent: 40, chunkMap: "ff0f" }, 2000);
    store.progress(
      "c1",
      ids[1]!,
      { state: "rolled-back", percent: 100, reason: "restarted too often" },
      2000,
    );
    store.setPaused("c1", true);
    db.close();
    const again = new CampaignStore(openGatewayDatabase(path));
    expect(again.campaigns()).toMatchObject([{ id: "c1", version: "1.1.0", paused: true }]);
    const devs = again.devices("c1");
    expect(devs).toHaveLength(5);
    expect(devs.find((d) => d.deviceId === ids[0])).toMatchObject({
      state: "transferring",
      percent: 40,
      chunkMap: "ff0f",
    });
    expect(devs.find((d) => d.deviceId === ids[1])).toMatchObject({
      state: "rolled-back",
      reason: "restarted too often",
    });
  });
});
