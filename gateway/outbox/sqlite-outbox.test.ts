import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tmpDir } from "../../tests/support/services.js";
import { openGatewayDatabase } from "../storage/database.js";
import { PRIORITY_ALARM, PRIORITY_TELEMETRY } from "../types.js";
import { outboxContract } from "./outbox.contract.js";
import { SqliteOutbox } from "./sqlite-outbox.js";

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
});
