import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SMOKE_ALARM, SMOKE_CLEAR, SMOKE_HUSH } from "../../protocol/constants.js";
import type { AlarmTransition } from "../../protocol/uplink.js";
import { tmpDir } from "../../tests/support/services.js";
import { SqliteOutbox } from "../outbox/sqlite-outbox.js";
import { device, harness, siteFrom, smokeEvent, T0 } from "../rules/testing.js";
import { openGatewayDatabase } from "../storage/database.js";
import type { Outbox } from "../types.js";
import { AlarmStore, type RaiseAction } from "./alarm-store.js";

const dir = tmpDir("haitang-alarms-");
afterAll(() => dir.remove());
let n = 0;

function open(opts: Partial<ConstructorParameters<typeof AlarmStore>[1]> = {}, path?: string) {
  const db = openGatewayDatabase(path ?? join(dir.path, `a${++n}.db`));
  const outbox = new SqliteOutbox(db);
  const store = new AlarmStore(db, { site: "s1", gateway: "gw", outbox, ...opts });
  store.load();
  return { db, outbox, store };
}

const fire: RaiseAction = {
  type: "raise-alarm",
  kind: "fire",
  severity: "critical",
  deviceId: 0xa001,
  rule: "fire",
  evidence: "smoke 4.5 %/m",
};
const clearFire = { type: "clear-alarm", kind: "fire", deviceId: 0xa001, rule: "fire" } as const;
const t = (s: number) => T0 + s * 1000;
const kinds = (ts: AlarmTransition[]) => ts.map((x) => `${x.transition}:${x.level}`);

describe("AlarmStore", () => {
  it("keeps one alarm per device, port and kind while it is active, however many frames repeat it", () => {
    const { store } = open();
    const first = store.apply(fire, t(0));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      v: 1,
      site: "s1",
      gateway: "gw",
      transition: "raised",
      kind: "fire",
      severity: "critical",
      deviceId: "0000a001",
      active: true,
      acknowledged: false,
      level: 0,
      raisedAt: t(0),
      evidence: "smoke 4.5 %/m",
    });
    for (let i = 1; i < 50; i++) expect(store.apply(fire, t(i))).toEqual([]);
    expect(store.stats.repeats).toBe(49);
    expect(store.apply({ ...fire, port: 2 }, t(1))).toHaveLength(1);
    expect(store.apply({ ...fire, kind: "tamper" }, t(1))).toHaveLength(1);
    expect(store.activeCount()).toBe(3);
  });

  it("clears once, and a new raise after the clear is a new alarm", () => {
    const { store } = open();
    const [raised] = store.apply(fire, t(0));
    const [cleared] = store.apply(clearFire, t(10));
    expect(cleared).toMatchObject({
      transition: "cleared",
      alarmId: raised!.alarmId,
      active: false,
      clearedAt: t(10),
    });
    expect(store.apply(clearFire, t(11))).toEqual([]);
    const [again] = store.apply(fire, t(20));
    expect(again!.alarmId).not.toBe(raised!.alarmId);
  });

  it("acknowledges with who and a comment, once; unknown alarms are 404", () => {
    const { store } = open();
    const [raised] = store.apply(fire, t(0));
    const r = store.ack(raised!.alarmId, "guard Li", "on my way", t(5));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.transition).toMatchObject({
        transition: "acknowledged",
        acknowledged: true,
        active: true,
        acknowledgedBy: "guard Li",
        acknowledgedAt: t(5),
        comment: "on my way",
      });
    }
    expect(store.ack(raised!.alarmId, "guard Wang", undefined, t(6))).toMatchObject({
      ok: false,
      status: 409,
      error: `alarm ${raised!.alarmId} was already acknowledged by guard Li`,
    });
    expect(store.ack("gw-999", "x", undefined, t(6))).toMatchObject({ ok: false, status: 404 });
    // Acknowledged and still active: a repeat is still the same alarm.
    expect(store.apply(fire, t(7))).toEqual([]);
    const [cleared] = store.apply(clearFire, t(8));
    expect(cleared).toMatchObject({ acknowledged: true, active: false });
  });

  it("escalates an unacknowledged active alarm level by level, and stops when acknowledged", () => {
    const { store } = open({
      escalation: [
        { id: "w", kinds: ["welfare"], levels: [{ afterS: 600, notify: [] }] },
        {
          id: "c",
          severities: ["critical"],
          levels: [
            { afterS: 60, notify: [] },
            { afterS: 300, notify: [] },
            { afterS: 900, notify: [] },
          ],
        },
      ],
    });
    const [raised] = store.apply(fire, t(0));
    expect(store.tick(t(59))).toEqual([]);
    expect(kinds(store.tick(t(61)))).toEqual(["escalated:1"]);
    expect(store.tick(t(62))).toEqual([]);
    // A late tick reaches every level it missed, each one a transition.
    expect(kinds(store.tick(t(901)))).toEqual(["escalated:2", "escalated:3"]);
    expect(store.get(raised!.alarmId)?.level).toBe(3);
    const other = store.apply({ ...fire, deviceId: 0xa002 }, t(1000));
    store.ack(other[0]!.alarmId, "guard", undefined, t(1001));
    expect(store.tick(t(5000))).toEqual([]);
  });

  it("does not escalate a cleared alarm or one no policy covers", () => {
    const { store } = open({
      escalation: [{ id: "c", severities: ["critical"], levels: [{ afterS: 60, notify: [] }] }],
    });
    store.apply(fire, t(0));
    store.apply(clearFire, t(30));
    store.apply({ ...fire, kind: "low-battery", severity: "maintenance" }, t(0));
    expect(store.tick(t(1000))).toEqual([]);
  });

  it("survives a restart: active alarms, levels and acknowledgements are reloaded", () => {
    const path = join(dir.path, "restart.db");
    const policy = [
      {
        id: "c",
        levels: [
          { afterS: 60, notify: [] },
          { afterS: 120, notify: [] },
        ],
      },
    ];
    const a = open({ escalation: policy }, path);
    const [raised] = a.store.apply(fire, t(0));
    a.store.tick(t(61));
    const acked = a.store.apply({ ...fire, kind: "tamper", severity: "major" }, t(0));
    a.store.ack(acked[0]!.alarmId, "guard", "seen", t(1));
    a.db.close();

    const b = open({ escalation: policy }, path);
    expect(b.store.activeCount()).toBe(2);
    expect(b.store.apply(fire, t(100))).toEqual([]);
    expect(kinds(b.store.tick(t(121)))).toEqual(["escalated:2"]);
    expect(b.store.list({ active: true }).map((x) => [x.kind, x.acknowledged, x.level])).toEqual([
      ["tamper", true, 0],
      ["fire", false, 2],
    ]);
    expect(b.store.apply(clearFire, t(200))[0]).toMatchObject({ alarmId: raised!.alarmId });
    b.db.close();
  });

  it("puts every transition in the outbox at alarm priority, in the same transaction", () => {
    const { store, outbox } = open();
    store.apply(fire, t(0));
    const [e] = outbox.peek(10);
    expect(e).toMatchObject({
      priority: 0,
      topic: "haitang/v1/s1/gw/alarm",
      key: "alarm/0000a001",
      createdAt: t(0),
    });
    expect(JSON.parse(e!.payload)).toMatchObject({ transition: "raised", kind: "fire" });
    store.apply(clearFire, t(1));
    expect(outbox.depth()).toBe(2);
  });

  it("changes nothing when the outbox append fails", () => {
    const { db, store: ok } = open();
    const failing: Outbox = {
      append: () => {
        throw new Error("disk full");
      },
      peek: () => [],
      remove: () => {},
      depth: () => 0,
      oldestAgeS: () => 0,
    };
    const store = new AlarmStore(db, { site: "s1", gateway: "gw", outbox: failing });
    store.load();
    expect(() => store.apply(fire, t(0))).toThrow("disk full");
    expect(store.activeCount()).toBe(0);
    expect(ok.list()).toEqual([]);
  });

  it("shows a cooking nuisance (alarm, hush, clear, retries) as one alarm: raised then cleared", () => {
    const { store } = open();
    const site = siteFrom("buildings: [{ id: b1 }]\n");
    const d = device(0xa001, "smoke", { building: "b1" });
    const h = harness(site, [d, device(0xa002, "smoke", { building: "b1" })]);
    const transitions: AlarmTransition[] = [];
    const frames = [
      smokeEvent(SMOKE_ALARM, 1, 300),
      smokeEvent(SMOKE_ALARM, 1, 310),
      smokeEvent(SMOKE_HUSH, 2, 250),
      smokeEvent(SMOKE_HUSH, 2, 240),
      smokeEvent(SMOKE_CLEAR, 3, 20),
    ];
    frames.forEach((f, i) => {
      for (const a of h.send(d, f, t(i))) transitions.push(...store.apply(a, t(i)));
    });
    expect(transitions.map((x) => x.transition)).toEqual(["raised", "cleared"]);
  });

  it("prunes closed alarms after the retention and keeps open ones", () => {
    const { store } = open({ retentionDays: 1 });
    const [a] = store.apply(fire, t(0));
    store.apply(clearFire, t(1));
    store.ack(a!.alarmId, "guard", undefined, t(2));
    store.apply({ ...fire, deviceId: 0xa002 }, t(0));
    expect(store.prune(t(3) + 86_400_000)).toBe(1);
    expect(store.list().map((x) => x.deviceId)).toEqual(["0000a002"]);
  });
});
