import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tmpDir } from "../../tests/support/services.js";
import { type GatewayDatabase, openGatewayDatabase } from "../storage/database.js";
import { DOWNLINK_COUNTER_BLOCK, DownlinkCounterStore } from "./counter-store.js";

describe("DownlinkCounterStore", () => {
  const open: GatewayDatabase[] = [];
  const dirs: Array<ReturnType<typeof tmpDir>> = [];
  afterEach(() => {
    for (const db of open.splice(0)) db.close();
    for (const d of dirs.splice(0)) d.remove();
  });
  const openDb = (path: string) => {
    const db = openGatewayDatabase(path);
    open.push(db);
    return db;
  };

  it("counts each of 3,000 devices on its own and never gives a counter twice across a restart", () => {
    const dir = tmpDir("haitang-dlc-");
    dirs.push(dir);
    const path = join(dir.path, "gw.db");
    const db = openDb(path);
    const store = new DownlinkCounterStore(db);
    const ids = Array.from({ length: 3000 }, (_, i) => (0x0b000000 + i * 7919) >>> 0);
    const last = new Map<number, number>();
    for (let round = 0; round < 3; round++)
      for (const id of ids) {
        const n = store.take(id);
        if (last.has(id)) expect(n).toBe(last.get(id)! + 1);
        last.set(id, n);
      }
    // The first device well past a block, so its next counter needs a new reservation.
    for (let i = 0; i < DOWNLINK_COUNTER_BLOCK + 5; i++) last.set(ids[0]!, store.take(ids[0]!));
    db.close();
    open.length = 0;

    const again = new DownlinkCounterStore(openDb(path));
    again.reserveAll(open[0]!);
    for (const id of ids) expect(again.take(id)).toBeGreaterThan(last.get(id)!);
  });

  it("reserves a block at registration, so the first downlink needs no write", () => {
    const dir = tmpDir("haitang-dlc-");
    dirs.push(dir);
    const db = openDb(join(dir.path, "gw.db"));
    const store = new DownlinkCounterStore(db);
    store.ensure(0x0a000001);
    const rows = () =>
      (
        db.prepare("SELECT reserved_up_to AS r FROM downlink_counters").all() as Array<{
          r: number;
        }>
      ).map((r) => r.r);
    expect(rows()).toEqual([1 + DOWNLINK_COUNTER_BLOCK]);
    // ensure() took counter 1 for the reservation; downlinks go on from there.
    expect(store.take(0x0a000001)).toBe(2);
    expect(store.take(0x0a000001)).toBe(3);
    expect(rows()).toEqual([1 + DOWNLINK_COUNTER_BLOCK]);
  });
});
