import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tmpDir } from "../../tests/support/services.js";
import { openGatewayDatabase } from "../storage/database.js";
import { WorkerCommitter } from "../storage/worker-committer.js";
import { PRIORITY_TELEMETRY } from "../types.js";
import { CommittedOutbox } from "./committed-outbox.js";
import { outboxContract } from "./outbox.contract.js";
import { SqliteOutbox } from "./sqlite-outbox.js";

/** A CommittedOutbox over a real committer worker and a fresh database file. */
async function open(capBytes?: number) {
  const dir = tmpDir("haitang-committed-");
  const path = join(dir.path, "gw.db");
  const db = openGatewayDatabase(path);
  const committer = new WorkerCommitter<never>({
    path,
    ...(capBytes !== undefined ? { capBytes } : {}),
    toOps: () => [],
  });
  await committer.start();
  const outbox = new CommittedOutbox(new SqliteOutbox(db, { countTotals: false }), committer);
  return {
    db,
    committer,
    outbox,
    close: async () => {
      await committer.close();
      db.close();
      dir.remove();
    },
  };
}

outboxContract("CommittedOutbox (appends and removals on the committer's worker)", (cap) =>
  open(cap.capBytes),
);

const item = (n: number) => ({
  priority: PRIORITY_TELEMETRY,
  key: "dev/1",
  topic: "t",
  payload: JSON.stringify({ n }),
  createdAt: 1,
});

describe("CommittedOutbox", () => {
  it("hides an entry whose removal is on its way, and removes it from the file once committed", async () => {
    const o = await open();
    try {
      const es = o.outbox.append([item(1), item(2), item(3)]);
      o.outbox.remove([es[0]!.seq]);
      // not committed yet: the row is still in the file, but peek no longer hands it out
      expect(new SqliteOutbox(o.db).depth()).toBe(3);
      expect(o.outbox.peek(10).map((e) => e.seq)).toEqual([es[1]!.seq, es[2]!.seq]);
      expect(o.outbox.depth()).toBe(2);
      await o.committer.durable();
      expect(new SqliteOutbox(o.db).depth()).toBe(2);
      expect(o.outbox.peek(10).map((e) => e.seq)).toEqual([es[1]!.seq, es[2]!.seq]);
      expect(o.outbox.depth()).toBe(2);
    } finally {
      await o.close();
    }
  });

  it("append returns only after the entries are committed (readable on another connection)", async () => {
    const o = await open();
    try {
      const [e] = o.outbox.append([item(7)]);
      // o.db is the main thread's connection; the worker wrote on its own
      const rows = new SqliteOutbox(o.db).peek(10);
      expect(rows.map((r) => r.seq)).toEqual([e!.seq]);
      expect(o.outbox.stats.bytes).toBeGreaterThan(0);
    } finally {
      await o.close();
    }
  });
});
