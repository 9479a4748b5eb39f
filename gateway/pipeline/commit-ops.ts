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

/**
 * Accepted frames of one batch, packed for the worker: frame i is
 * bytes[ends[i-1] .. ends[i]), and what the gateway adds to it is in typed
 * arrays and small tables (a device kind, receivers list and placement once
 * per batch, not an object per frame), so the structured clone to the worker
 * copies a few buffers instead of serialising and rebuilding objects per frame.
 */
export interface FramesOp {
  kind: "frames";
  site: string;
  gateway: string;
  bytes: Uint8Array;
  ends: Uint32Array;
  receivedAt: Float64Array;
  /** Per frame: its device kind in `kinds`. */
  kindOf: Uint8Array;
  kinds: DeviceKindName[];
  /** Per frame: its receivers list in `receiverLists`. */
  receiversOf: Uint32Array;
  receiverLists: ReceiverReading[][];
  /** Per frame: its device's placement in `placements` (-1: none). */
  placementOf: Int32Array;
  placements: Placement[];
}

type Placement = Pick<AcceptedMessage, "building" | "location" | "shed">;

/** Builds a FramesOp: tables are shared by the frames of one device or one lone receiver. */
class FramesPacker {
  private count = 0;
  private at = 0;
  private readonly bytes: Uint8Array;
  private readonly ends: Uint32Array;
  private readonly receivedAt: Float64Array;
  private readonly kindOf: Uint8Array;
  private readonly receiversOf: Uint32Array;
  private readonly placementOf: Int32Array;
  private readonly kinds: DeviceKindName[] = [];
  private readonly receiverLists: ReceiverReading[][] = [];
  /** A lone receiver's list, by its name (a reading with nothing but the name). */
  private readonly loneReceiver = new Map<string, number>();
  private readonly placements: Placement[] = [];
  private readonly placementByDevice = new Map<number, number>();

  constructor(frames: number, size: number) {
    this.bytes = new Uint8Array(size);
    this.ends = new Uint32Array(frames);
    this.receivedAt = new Float64Array(frames);
    this.kindOf = new Uint8Array(frames);
    this.receiversOf = new Uint32Array(frames);
    this.placementOf = new Int32Array(frames);
  }

  add(frame: Uint8Array, m: AcceptedMessage): void {
    const i = this.count++;
    this.bytes.set(frame, this.at);
    this.at += frame.length;
    this.ends[i] = this.at;
    this.receivedAt[i] = m.receivedAt;
    let k = this.kinds.indexOf(m.deviceKind);
    if (k < 0) k = this.kinds.push(m.deviceKind) - 1;
    this.kindOf[i] = k;
    this.receiversOf[i] = this.receiversIndex(m.receivers);
    let p = this.placementByDevice.get(m.deviceId);
    if (p === undefined || !samePlacement(p < 0 ? undefined : this.placements[p], m)) {
      const placement = placementOf(m);
      p = placement ? this.placements.push(placement) - 1 : -1;
      this.placementByDevice.set(m.deviceId, p);
    }
    this.placementOf[i] = p;
  }

  private receiversIndex(rs: ReceiverReading[]): number {
    const r = rs[0];
    if (rs.length !== 1 || !r || !onlyName(r)) return this.receiverLists.push(rs) - 1;
    let j = this.loneReceiver.get(r.receiver);
    if (j === undefined) {
      j = this.receiverLists.push(rs) - 1;
      this.loneReceiver.set(r.receiver, j);
    }
    return j;
  }

  op(id: SiteIdentity): FramesOp | undefined {
    const n = this.count;
    if (n === 0) return undefined;
    return {
      kind: "frames",
      site: id.site,
      gateway: id.gateway,
      bytes: this.bytes.length === this.at ? this.bytes : this.bytes.slice(0, this.at),
      ends: this.ends.length === n ? this.ends : this.ends.slice(0, n),
      receivedAt: this.receivedAt.length === n ? this.receivedAt : this.receivedAt.slice(0, n),
      kindOf: this.kindOf.length === n ? this.kindOf : this.kindOf.slice(0, n),
      kinds: this.kinds,
      receiversOf: this.receiversOf.length === n ? this.receiversOf : this.receiversOf.slice(0, n),
      receiverLists: this.receiverLists,
      placementOf: this.placementOf.length === n ? this.placementOf : this.placementOf.slice(0, n),
      placements: this.placements,
    };
  }
}

/** The placement a message carries is `p` (a reload may move a device between two frames). */
function samePlacement(p: Placement | undefined, m: AcceptedMessage): boolean {
  return p
    ? p.building === m.building && p.location === m.location && p.shed === m.shed
    : m.building === undefined && m.location === undefined && m.shed === undefined;
}

/** A reading that carries nothing but its receiver's name. */
function onlyName(r: ReceiverReading): boolean {
  for (const k in r) if (k !== "receiver") return false;
  return true;
}

export function acceptedWorkOps(batch: readonly AcceptedWork[], id: SiteIdentity): WriteOp[] {
  const windows = new Map<number, DeviceWindow>();
  const items: OutboxItem[] = [];
  const local: AcceptedMessage[] = [];
  let size = 0;
  let frames = 0;
  for (const w of batch)
    if (w.message && w.frame && !staysLocal(w.message)) {
      size += w.frame.length;
      frames++;
    }
  const packer = new FramesPacker(frames, size);
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
    packer.add(w.frame, m);
  }
  const ops: WriteOp[] = [];
  const op = packer.op(id);
  if (op) ops.push(op);
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
      deviceKind: op.kinds[op.kindOf[i]!]!,
      counter: f.counter,
      flags: f.flags,
      msg: f.msg as UplinkMsg,
      receivedAt: op.receivedAt[i]!,
      receivers: op.receiverLists[op.receiversOf[i]!]!,
    };
    const p = op.placements[op.placementOf[i]!];
    if (p?.building !== undefined) m.building = p.building;
    if (p?.location !== undefined) m.location = p.location;
    if (p?.shed !== undefined) m.shed = p.shed;
    out.push(toOutboxItem(m, id));
  }
  return out;
}
