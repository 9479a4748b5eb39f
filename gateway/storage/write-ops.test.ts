/**
 * The commit's durability per batch: every batch that writes something new
 * is fsynced (synchronous=FULL); a batch of outbox removals only is committed
 * without the fsync, and the connection is FULL again afterwards.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { tmpDir } from "../../tests/support/services.js";
import { SqliteOutbox } from "../outbox/sqlite-outbox.js";
import { PRIORITY_TELEMETRY } from "../types.js";
import { type GatewayDatabase, openGatewayDatabase } from "./database.js";
import { commitGroups, WriteExecutor } from "./write-ops.js";

const item = (n: number) => ({
  priority: PRIORITY_TELEMETRY,
  topic: "t",
  key: `k${n}`,
  payload: `{"n":${n}}`,
  createdAt: n,
});

describe("commit durability", () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanup.reverse()) c();
    cleanup.length = 0;
  });

  function open(unsafeNoSync = false): {
    db: GatewayDatabase;
    outbox: SqliteOutbox;
    exec: WriteExecutor;
  } {
    const dir = tmpDir("haitang-write-ops-");
    const db = openGatewayDatabase(join(dir.path, "gw.db"), { unsafeNoSync });
    cleanup.push(() => dir.remove());
    cleanup.push(() => db.close());
    const outbox = new SqliteOutbox(db);
    return { db, outbox, exec: new WriteExecutor(db, outbox) };
  }

  const sync = (db: GatewayDatabase) => db.pragma("synchronous", { simple: true });

  it("commits a batch of removals only without the fsync, and everything else with it", () => {
    const { db, outbox, exec } = open();
    const seen: unknown[] = [];
    const light = vi.spyOn(exec, "transactionWithoutSync");
    commitGroups(exec, outbox, [[{ kind: "append", items: [item(1), item(2)] }]]);
    expect(light).not.toHaveBeenCalled();
    const seqs = outbox.peek(10).map((e) => e.seq);
    const r = commitGroups(exec, outbox, [[{ kind: "remove", seqs: [seqs[0]!] }]]);
    expect(light).toHaveBeenCalledTimes(1);
    expect(r.commitError).toBeNull();
    expect(outbox.peek(10).map((e) => e.seq)).toEqual([seqs[1]]);
    // A removal in a batch that also appends: that batch is fsynced.
    commitGroups(exec, outbox, [
      [{ kind: "remove", seqs: [seqs[1]!] }],
      [{ kind: "append", items: [item(3)] }],
    ]);
    expect(light).toHaveBeenCalledTimes(1);
    exec.transactionWithoutSync(() => seen.push(sync(db)));
    expect(seen).toEqual([1]);
    expect(sync(db)).toBe(2);
  });

  it("leaves a connection opened without fsync as it is", () => {
    const { db, exec } = open(true);
    const seen: unknown[] = [];
    exec.transactionWithoutSync(() => seen.push(sync(db)));
    expect(seen).toEqual([0]);
    expect(sync(db)).toBe(0);
  });
});
