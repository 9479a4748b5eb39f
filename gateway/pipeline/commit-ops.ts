/**
 * What a batch of accepted frames writes: their outbox entries (uplink
 * envelopes) and the counter windows that admitted them, the newest window
 * once per device. The committer applies both in one transaction. Guardian
 * activity reports never become outbox entries: they stay in the gateway's
 * own table (storage/guardian-activity.ts); the cloud gets resident states.
 *
 * The envelopes are built where they are written: the batch carries each
 * frame's bytes (already verified) with what the gateway added (device kind,
 * arrival time, receivers), and the committer's worker decodes them again and
 * writes the JSON, so that work stays off the main thread.
 */
import { decodeFrame } from "../../protocol/codec.js";
import type { UplinkMsg } from "../../protocol/messages.js";
import type { DeviceKindName, ReceiverReading } from "../../protocol/uplink.js";
import type { DeviceWindow } from "../dedup/counter-table.js";
import { guardianActivityOps, staysLocal } from "../storage/guardian-activity.js";
import type { WriteOp } from "../storage/write-ops.js";
import type { AcceptedMessage, OutboxItem } from "../types.js";
import { type SiteIdentity, toOutboxItem } from "./envelope.js";
import type { AcceptedWork } from "./pipeline.js";

/** Accepted frames of one batch, packed: frame i is bytes[ends[i-1] .. ends[i]). */
export interface FramesOp {
  kind: "frames";
  site: string;
  gateway: string;
  bytes: Uint8Array;
  ends: number[];
  deviceKinds: DeviceKindName[];
  receivedAt: number[];
  receivers: ReceiverReading[][];
  /** The device's placement from the registry (undefined: none). */
  placement: Array<Placement | undefined>;
}

type Placement = Pick<AcceptedMessage, "building" | "location" | "shed">;

export function acceptedWorkOps(batch: readonly AcceptedWork[], id: SiteIdentity): WriteOp[] {
  const windows = new Map<number, DeviceWindow>();
  const items: OutboxItem[] = [];
  const local: AcceptedMessage[] = [];
  let size = 0;
  for (const w of batch) if (w.message && w.frame && !staysLocal(w.message)) size += w.frame.length;
  const op: FramesOp = {
    kind: "frames",
    site: id.site,
    gateway: id.gateway,
    bytes: new Uint8Array(size),
    ends: [],
    deviceKinds: [],
    receivedAt: [],
    receivers: [],
    placement: [],
  };
  let at = 0;
  for (const w of batch) {
    windows.set(w.window.deviceId, w.window);
    const m = w.message;
    if (!m) continue;
    // OTA status frames are the update's own traffic: the gateway's campaign engine takes
    // them and sends the cloud each device's progress (dev/{id}/ota), not every frame.
    if (m.msg.type === "ota-status") continue;
    if (staysLocal(m)) {
      local.push(m);
      continue;
    }
    if (!w.frame) {
      items.push(toOutboxItem(m, id));
      continue;
    }
    op.bytes.set(w.frame, at);
    at += w.frame.length;
    op.ends.push(at);
    op.deviceKinds.push(m.deviceKind);
    op.receivedAt.push(m.receivedAt);
    op.receivers.push(m.receivers);
    op.placement.push(placementOf(m));
  }
  const ops: WriteOp[] = [];
  if (op.ends.length > 0) ops.push(op);
  if (items.length > 0) ops.push({ kind: "append", items });
  ops.push(...guardianActivityOps(local));
  ops.push({ kind: "windows", windows: [...windows.values()] });
  return ops;
}

function placementOf(m: AcceptedMessage): Placement | undefined {
  if (m.building === undefined && m.location === undefined && m.shed === undefined)
    return undefined;
  const p: Placement = {};
  if (m.building !== undefined) p.building = m.building;
  if (m.location !== undefined) p.location = m.location;
  if (m.shed !== undefined) p.shed = m.shed;
  return p;
}

/** The outbox entries of a FramesOp (on the committer's worker). */
export function framesToItems(op: FramesOp): OutboxItem[] {
  const id = { site: op.site, gateway: op.gateway };
  const out: OutboxItem[] = [];
  let start = 0;
  for (let i = 0; i < op.ends.length; i++) {
    const end = op.ends[i]!;
    const dec = decodeFrame(op.bytes.subarray(start, end));
    start = end;
    if (!dec.ok) throw new Error(`accepted frame ${i} does not decode: ${dec.reason}`);
    const f = dec.frame;
    const m: AcceptedMessage = {
      deviceId: f.deviceId,
      deviceKind: op.deviceKinds[i]!,
      counter: f.counter,
      flags: f.flags,
      msg: f.msg as UplinkMsg,
      receivedAt: op.receivedAt[i]!,
      receivers: op.receivers[i]!,
    };
    const p = op.placement[i];
    if (p?.building !== undefined) m.building = p.building;
    if (p?.location !== undefined) m.location = p.location;
    if (p?.shed !== undefined) m.shed = p.shed;
    out.push(toOutboxItem(m, id));
  }
  return out;
}
