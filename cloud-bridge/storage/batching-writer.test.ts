import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../common/log.js";
import { waitFor } from "../../tests/support/services.js";
import { MetricsRegistry } from "../metrics/registry.js";
import { BatchingWriter } from "./batching-writer.js";
import type { PointSink } from "./influx-sink.js";

/** A sink in memory that refuses writes while `down` (the contract: all lines of a write, or none). */
class MemorySink implements PointSink {
  lines: string[] = [];
  writes = 0;
  down = false;
  async write(text: string, lines: number) {
    this.writes++;
    if (this.down) throw new Error("connection refused");
    const got = text.slice(0, -1).split("\n");
    if (got.length !== lines) throw new Error(`${lines} points announced, ${got.length} given`);
    this.lines.push(...got);
  }
  close() {}
}

const opts = {
  batchSize: 4,
  flushIntervalMs: 5,
  maxConcurrentWrites: 2,
  retry: { initialMs: 5, maxMs: 20 },
};

describe("BatchingWriter", () => {
  it("batches lines and reports each message done after its lines are written", async () => {
    const sink = new MemorySink();
    const w = new BatchingWriter(sink, opts, new MetricsRegistry(), memoryLogger());
    const done: number[] = [];
    for (let i = 0; i < 10; i++) w.enqueue(`m${i}a\nm${i}b\n`, 2, () => done.push(i));
    await w.flush();
    expect(done.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sink.lines).toHaveLength(20);
    expect(sink.writes).toBe(5);
  });

  it("holds messages while writes fail and writes them all once the sink is back", async () => {
    const sink = new MemorySink();
    const metrics = new MetricsRegistry();
    const w = new BatchingWriter(sink, opts, metrics, memoryLogger());
    sink.down = true;
    const done: number[] = [];
    for (let i = 0; i < 6; i++) w.enqueue(`m${i}\n`, 1, () => done.push(i));
    await waitFor(
      () => (metrics.value("haitang_bridge_write_failures_total") >= 3 ? true : undefined),
      "failures",
    );
    expect(done).toEqual([]);
    expect(w.degraded).toBe(true);
    sink.down = false;
    await w.flush();
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set(sink.lines).size).toBe(6);
    expect(w.degraded).toBe(false);
  });

  it("reports a message without lines done at once", () => {
    const w = new BatchingWriter(new MemorySink(), opts, new MetricsRegistry(), memoryLogger());
    let done = false;
    w.enqueue("", 0, () => {
      done = true;
    });
    expect(done).toBe(true);
  });
});
