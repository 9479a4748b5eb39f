import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fromHex } from "../../protocol/bytes.js";
import { CONFIG_TELEMETRY_S, SOUND_SELF_TEST } from "../../protocol/constants.js";
import type { GuardianActivityMsg } from "../../protocol/messages.js";
import { FakeGateway } from "../hal/fake-gateway.js";
import { FakeHal } from "../hal/fake-hal.js";
import { createGuardianSensor } from "./guardian-sensor.js";
import { createLink } from "./link.js";
import { BATTERY_FULL_SCALE_MV } from "./status.js";

const nodeHmac = (key: Uint8Array, data: Uint8Array) =>
  new Uint8Array(createHmac("sha256", key).update(data).digest());
const KEY = fromHex("1234567890abcdef1234567890abcdef")!;
const ID = 0x6a000003;

function guardian(reportIntervalS = 900, heartbeatS = 3600) {
  const hal = new FakeHal(["door", "motion", "battery"]);
  hal.analogs.battery = 3010 / BATTERY_FULL_SCALE_MV;
  hal.digitals.door = false;
  hal.digitals.motion = false;
  const settings = { reportIntervalS, heartbeatS, listenWindowMs: 0 };
  const gw = new FakeGateway(ID, KEY, nodeHmac);
  const link = createLink(hal, ID, KEY, settings, 0, 60000, (msg, now) => dev.command(msg, now));
  link.start();
  const dev = createGuardianSensor(
    hal,
    link,
    { deviceKind: 3, firmwareVersion: "1.0.0", resetCause: 0 },
    settings,
  );
  dev.start(0);
  const loop = () => hal.after(dev.tick(hal.nowMs()), loop);
  loop();
  const frames = () => gw.decode(hal.takeSent());
  const reports = () =>
    frames()
      .filter((f) => f.msg.type === "guardian-activity")
      .map((f) => f.msg as GuardianActivityMsg);
  const pulse = (role: string) => {
    hal.setPin(role, true);
    hal.setPin(role, false);
  };
  return { hal, dev, gw, settings, frames, reports, pulse };
}

describe("guardian sensor", () => {
  it("reports door openings and motion counted since the last report, and the idle time", () => {
    const g = guardian();
    g.hal.advance(100000);
    g.pulse("door");
    g.pulse("motion");
    g.hal.advance(60000);
    g.pulse("motion");
    g.hal.advance(900000 - 160000);
    const [r] = g.reports();
    expect(r).toEqual({
      type: "guardian-activity",
      doorOpens: 1,
      motionCount: 2,
      idleS: 740,
      batteryMv: 3010,
    });
    g.hal.advance(900000);
    expect(g.reports()[0]).toMatchObject({ doorOpens: 0, motionCount: 0, idleS: 1640 });
  });

  it("counts a door opening once, not its closing", () => {
    const g = guardian();
    g.hal.advance(1000);
    g.pulse("door");
    g.pulse("door");
    g.hal.advance(900000);
    expect(g.reports()[0]!.doorOpens).toBe(2);
  });

  it("reports at once the first activity after a quiet interval", () => {
    const g = guardian(900);
    g.hal.advance(2000000);
    g.reports();
    g.pulse("motion");
    const [r] = g.reports();
    expect(r).toMatchObject({ motionCount: 1, idleS: 0 });
  });

  it("sends a status heartbeat every heartbeatS", () => {
    const g = guardian(900, 3600);
    g.hal.advance(4 * 3600 * 1000);
    const statuses = g.frames().filter((f) => f.msg.type === "status");
    expect(statuses).toHaveLength(5);
    expect(statuses[0]!.msg).toMatchObject({ deviceKind: 3, batteryMv: 3010 });
  });

  it("reports at once on a self-test command and takes a new report interval from the next period", () => {
    const g = guardian(900);
    g.frames();
    g.hal.inject(
      g.gw.downlink({ type: "sound", mode: SOUND_SELF_TEST, durationS: 0, sourceDeviceId: 0 }),
    );
    const types = g.frames().map((f) => f.msg.type);
    expect(types).toEqual(["status", "guardian-activity", "command-ack"]);
    g.hal.inject(
      g.gw.downlink({ type: "config", entries: [{ key: CONFIG_TELEMETRY_S, value: 60 }] }),
    );
    expect(g.settings.reportIntervalS).toBe(60);
    g.frames();
    // The period under way finishes; then a report every 60 s.
    g.hal.advance(900000 + 600000);
    expect(g.reports()).toHaveLength(11);
  });
});
