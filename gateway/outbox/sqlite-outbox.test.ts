import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tmpDir } from "../../tests/support/services.js";
import { openGatewayDatabase } from "../storage/database.js";
import { PRIORITY_ALARM, PRIORITY_TELEMETRY } from "../types.js";
import { outboxContract } from "./outbox.contract.js";
import { PAGE_AFTER_BELOW_SQL, PAGE_AFTER_SQL, SqliteOutbox } from "./sqlite-outbox.js";

outboxContract("SqliteOutbox", (cap) => {
  const dir = tmpDir("haitang-outbox-");
  const db = openGatewayDatabase(join(dir.path, "gw.db"));
  return {
    outbox: new SqliteOutbox(db, cap),
    close: () => {
      db.close();
      dir.remove();
    },
  };
});

describe("SqliteOutbox on disk", () => {
  it("keeps entries, sizes and sequence numbers across a reopen", () => {
    const dir = tmpDir("haitang-outbox-");
    const path = join(dir.path, "gw.db");
    try {
      let db = openGatewayDatabase(path);
      let ob = new SqliteOutbox(db);
      const first = ob.append([
        { priority: PRIORITY_TELEMETRY, key: "a", topic: "t", payload: "{}", createdAt: 1 },
        { priority: PRIORITY_ALARM, key: "b", topic: "t", payload: "{}", createdAt: 2 },
      ]);
      const bytes = ob.stats.bytes;
      ob.remove([first[1]!.seq]);
      db.close();
      db = openGatewayDatabase(path);
      ob = new SqliteOutbox(db);
      expect(ob.depth()).toBe(1);
      expect(ob.stats.bytes).toBeLessThan(bytes);
      const next = ob.append([
        { priority: PRIORITY_TELEMETRY, key: "a", topic: "t", payload: "{}", createdAt: 3 },
      ]);
      // the removed seq is never handed out again
      expect(next[0]!.seq).toBeGreaterThan(first[1]!.seq);
      db.close();
    } finally {
      dir.remove();
    }
  });

  it("gives each appended entry the seq of its own row, in batches larger than one INSERT", () => {
    const dir = tmpDir("haitang-outbox-");
    try {
      const db = openGatewayDatabase(join(dir.path, "gw.db"));
      const ob = new SqliteOutbox(db);
      ob.append([
        { priority: PRIORITY_ALARM, key: "x", topic: "t", payload: "first", createdAt: 1 },
      ]);
      const items = Array.from({ length: 150 }, (_, i) => ({
        priority: i % 3 === 0 ? PRIORITY_ALARM : PRIORITY_TELEMETRY,
        key: `k${i % 5}`,
        topic: `t/${i}`,
        payload: JSON.stringify({ i }),
        createdAt: i,
      }));
      const entries = ob.append(items);
      const stored = new Map(ob.peek(1000).map((e) => [e.seq, e.payload]));
      for (const [i, e] of entries.entries()) expect(stored.get(e.seq)).toBe(items[i]!.payload);
      expect(new Set(entries.map((e) => e.seq)).size).toBe(150);
      expect(ob.depth()).toBe(151);
      db.close();
    } finally {
      dir.remove();
    }
  });

  it("reads the page after a cursor with index seeks, never a scan over the entries in flight", () => {
    const dir = tmpDir("haitang-outbox-");
    try {
      const db = openGatewayDatabase(join(dir.path, "gw.db"));
      for (const [sql, args] of [
        [PAGE_AFTER_SQL, [2, 10, 2, 50]],
        [PAGE_AFTER_BELOW_SQL, [0, 10, 2, 0, 2, 50]],
      ] as const) {
        const plan = (
          db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>
        ).map((r) => r.detail);
        expect(plan.filter((d) => d.startsWith("SEARCH outbox USING INDEX"))).toHaveLength(2);
        expect(plan.filter((d) => d.startsWith("SCAN") || d.includes("TEMP B-TREE"))).toEqual([]);
      }
      db.close();
    } finally {
      dir.remove();
    }
  });
});
