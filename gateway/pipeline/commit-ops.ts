/**
 * What a batch of accepted frames writes: their outbox entries (uplink
 * envelopes) and the counter windows that admitted them, the newest window
 * once per device. The committer applies both in one transaction.
 */
import type { DeviceWindow } from "../dedup/counter-table.js";
import type { WriteOp } from "../storage/write-ops.js";
import type { OutboxItem } from "../types.js";
import { type SiteIdentity, toOutboxItem } from "./envelope.js";
import type { AcceptedWork } from "./pipeline.js";

export function acceptedWorkOps(batch: readonly AcceptedWork[], id: SiteIdentity): WriteOp[] {
  const items: OutboxItem[] = [];
  const windows = new Map<number, DeviceWindow>();
  for (const w of batch) {
    if (w.message) items.push(toOutboxItem(w.message, id));
    windows.set(w.window.deviceId, w.window);
  }
  return [
    { kind: "append", items },
    { kind: "windows", windows: [...windows.values()] },
  ];
}
