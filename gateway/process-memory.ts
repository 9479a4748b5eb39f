/**
 * The gateway process's memory by area, for /metrics: the resident set (every
 * thread: the commit worker's V8 isolate and SQLite's page caches are in it)
 * and the main thread's V8 heap, with its young generation on its own (it
 * grows to --max-semi-space-size under a high allocation rate).
 */
import { getHeapSpaceStatistics } from "node:v8";

export function processMemory(): Record<string, number> {
  const m = process.memoryUsage();
  const out: Record<string, number> = {
    rss: m.rss,
    heap_total: m.heapTotal,
    heap_used: m.heapUsed,
    external: m.external,
    array_buffers: m.arrayBuffers,
  };
  for (const sp of getHeapSpaceStatistics())
    if (sp.space_name === "new_space") out.new_space = sp.space_size;
  return out;
}
