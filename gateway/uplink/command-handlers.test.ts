import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REASON_COMMAND, SOUND_FIRE } from "../../protocol/constants.js";
import type { CommandRequest } from "../../protocol/uplink.js";
import { tmpDir } from "../../tests/support/services.js";
import { AlarmStore } from "../alarms/alarm-store.js";
import { loadSiteConfig } from "../config/load.js";
import { memoryDirectory } from "../rules/directory.js";
import { device } from "../rules/testing.js";
import { openGatewayDatabase } from "../storage/database.js";
import { createCommandHandlers } from "./command-handlers.js";

const dir = tmpDir("haitang-cmd-");
afterAll(() => dir.remove());

function setup(durable?: () => Promise<void>) {
  const db = openGatewayDatabase(join(dir.path, `c${Math.random()}.db`));
  const alarms = new AlarmStore(db, { site: "s1", gateway: "gw" });
  alarms.load();
  const sent: Array<{ deviceId: number; msg: unknown; priority: number }> = [];
  const directory = memoryDirectory([
    device(0xa001, "smoke", { building: "b1" }),
    device(0xa002, "smoke", { building: "b1" }),
    device(0xa003, "smoke", { building: "b1", status: "decommissioned" }),
    device(0xc001, "charger"),
  ]);
  const handlers = createCommandHandlers({
    alarms,
    directory,
    downlinks: {
      send: (deviceId, req) => {
        sent.push({ deviceId, msg: req.msg, priority: req.priority });
        return "queued";
      },
    },
    applyConfig: (yaml) => loadSiteConfig({ text: yaml }),
    ...(durable ? { durable } : {}),
    clock: () => 1000,
  });
  return { alarms, handlers, sent };
}

const req = { transaction: "t1", issuedAt: 0, signature: "" } as unknown as CommandRequest<never>;

describe("command handlers", () => {
  it("acknowledges an alarm and says when it does not exist", async () => {
    const { alarms, handlers } = setup();
    const [t] = alarms.apply(
      { type: "raise-alarm", kind: "fire", severity: "critical", deviceId: 0xa001, rule: "fire" },
      0,
    );
    const ok = await handlers["ack-alarm"]!({ alarmId: t!.alarmId, by: "Li" }, req);
    expect(ok).toMatchObject({ ok: true, data: { alarmId: t!.alarmId, acknowledgedBy: "Li" } });
    expect(await handlers["ack-alarm"]!({ alarmId: "gw-404", by: "Li" }, req)).toEqual({
      ok: false,
      error: "no alarm gw-404",
    });
  });

  it("answers an acknowledgement or a cut only once the change is on disk", async () => {
    let commit: () => void = () => {};
    const { alarms, handlers } = setup(() => new Promise<void>((r) => (commit = r)));
    const [t] = alarms.apply(
      { type: "raise-alarm", kind: "fire", severity: "critical", deviceId: 0xa001, rule: "fire" },
      0,
    );
    let answered = false;
    const ack = handlers["ack-alarm"]!({ alarmId: t!.alarmId, by: "Li" }, req);
    void Promise.resolve(ack).then(() => (answered = true));
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    commit();
    expect(await ack).toMatchObject({ ok: true });
    const cut = handlers["set-port"]!({ deviceId: "0000c001", port: 3, on: false }, req);
    answered = false;
    void Promise.resolve(cut).then(() => (answered = true));
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    commit();
    expect(await cut).toMatchObject({ ok: true });
  });

  it("cuts a charger port at alarm priority and refuses a device that is not a charger", async () => {
    const { handlers, sent } = setup();
    expect(await handlers["set-port"]!({ deviceId: "0000c001", port: 3, on: false }, req)).toEqual({
      ok: true,
      data: { outcome: "queued" },
    });
    expect(sent).toEqual([
      {
        deviceId: 0xc001,
        msg: { type: "relay", port: 3, on: false, reason: REASON_COMMAND },
        priority: 0,
      },
    ]);
    expect(await handlers["set-port"]!({ deviceId: "0000a001", port: 0, on: true }, req)).toEqual({
      ok: false,
      error: "0000a001 is a smoke, not a charger",
    });
  });

  it("sounds the active detectors of a building", async () => {
    const { handlers, sent } = setup();
    const r = await handlers.sound!({ building: "b1", mode: "fire" }, req);
    expect(r).toEqual({
      ok: true,
      data: { outcomes: { "0000a001": "queued", "0000a002": "queued" } },
    });
    expect(sent.map((s) => s.msg)).toEqual([
      { type: "sound", mode: SOUND_FIRE, durationS: 300, sourceDeviceId: 0 },
      { type: "sound", mode: SOUND_FIRE, durationS: 300, sourceDeviceId: 0 },
    ]);
    expect(await handlers.sound!({ building: "b9", mode: "stop" }, req)).toEqual({
      ok: false,
      error: "no active detectors in building b9",
    });
  });

  it("refuses an invalid config update with the errors", async () => {
    const { handlers } = setup();
    expect(await handlers["update-config"]!({ yaml: "site: s1\ngateway: gw\n" }, req)).toEqual({
      ok: true,
    });
    const bad = await handlers["update-config"]!({ yaml: "site: s1\n" }, req);
    expect(bad).toEqual({
      ok: false,
      error: "invalid config, the running one stays: gateway: is required (got nothing)",
    });
  });
});
