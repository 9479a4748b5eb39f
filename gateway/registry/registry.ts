/**
 * The device registry: commissioned devices with their keys and placement,
 * kept in SQLite and mirrored in memory for the per-frame lookup. A logical
 * device (placement, alarms, history id) can move to new hardware (replace)
 * or get a new key (rekey). Last-heard details are kept in memory and written
 * in batches (flushSeen), not per frame.
 */
import type { Statement } from "better-sqlite3";
import {
  type DeviceKindName,
  deviceIdHex,
  type ReceiverReading,
  type UnheardDevice,
} from "../../protocol/uplink.js";
import type { GatewayDatabase } from "../storage/database.js";
import type { SqlValue, WriteOp } from "../storage/write-ops.js";
import type { DeviceRecord, ListenMode } from "../types.js";

export interface RegisteredDevice extends DeviceRecord {
  /** Stable id of the logical device; survives replace. */
  historyId: string;
  createdAt: number;
  replacedBy?: number;
  /** Receiver (link) that heard the device last: where downlinks go. */
  lastReceiver?: string;
}

export interface DeviceInput {
  deviceId: number;
  kind: DeviceKindName;
  key: Uint8Array;
  building?: string;
  location?: string;
  shed?: string;
  heartbeatS?: number;
  sleepy?: boolean;
  board?: string;
  firmware?: string;
  listen?: ListenMode;
}

export class RegistryError extends Error {
  readonly code: "not-found" | "exists" | "invalid" | "state";
  constructor(code: RegistryError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

export const DEFAULT_HEARTBEAT_S: Record<DeviceKindName, number> = {
  smoke: 3600,
  charger: 60,
  guardian: 900,
};

export type RegistryChange =
  | { type: "registered" | "updated" | "decommissioned" | "rekeyed" | "removed"; deviceId: number }
  | { type: "replaced"; deviceId: number; newDeviceId: number };

interface Row {
  device_id: number;
  history_id: string;
  kind: string;
  key: Buffer;
  status: string;
  building: string | null;
  location: string | null;
  shed: string | null;
  heartbeat_s: number;
  sleepy: number;
  board: string | null;
  firmware: string | null;
  listen: string | null;
  created_at: number;
  replaced_by: number | null;
  last_seen: number | null;
  last_rssi: number | null;
  last_receiver: string | null;
  battery_mv: number | null;
}

function fromRow(r: Row): RegisteredDevice {
  const d: RegisteredDevice = {
    deviceId: r.device_id,
    historyId: r.history_id,
    kind: r.kind as DeviceKindName,
    key: new Uint8Array(r.key),
    status: r.status === "active" ? "active" : "decommissioned",
    heartbeatS: r.heartbeat_s,
    sleepy: r.sleepy === 1,
    createdAt: r.created_at,
  };
  if (r.building !== null) d.building = r.building;
  if (r.location !== null) d.location = r.location;
  if (r.shed !== null) d.shed = r.shed;
  if (r.board !== null) d.board = r.board;
  if (r.firmware !== null) d.firmware = r.firmware;
  if (r.listen === "wake-on-radio" || r.listen === "windows") d.listen = r.listen;
  if (r.replaced_by !== null) d.replacedBy = r.replaced_by;
  if (r.last_seen !== null) d.lastSeen = r.last_seen;
  if (r.last_rssi !== null) d.lastRssi = r.last_rssi;
  if (r.last_receiver !== null) d.lastReceiver = r.last_receiver;
  if (r.battery_mv !== null) d.batteryMv = r.battery_mv;
  return d;
}

/** The device as the API shows it: everything but the key. */
export function publicDevice(d: RegisteredDevice): Omit<RegisteredDevice, "key"> & { id: string } {
  const { key: _key, ...rest } = d;
  return { id: deviceIdHex(d.deviceId), ...rest };
}

const SEEN_SQL =
  "UPDATE devices SET last_seen = ?, last_rssi = ?, last_receiver = ?, battery_mv = ? WHERE device_id = ?";

export class DeviceRegistry {
  private readonly db: GatewayDatabase;
  private readonly devices = new Map<number, RegisteredDevice>();
  private readonly dirtySeen = new Set<number>();
  private readonly listeners: Array<(c: RegistryChange) => void> = [];
  private readonly upsert: Statement;
  private readonly seen: Statement;

  constructor(db: GatewayDatabase) {
    this.db = db;
    this.upsert = db.prepare(`
      INSERT INTO devices (device_id, history_id, kind, key, status, building, location, shed,
        heartbeat_s, sleepy, board, firmware, listen, created_at, replaced_by, last_seen,
        last_rssi, last_receiver, battery_mv)
      VALUES (@device_id, @history_id, @kind, @key, @status, @building, @location, @shed,
        @heartbeat_s, @sleepy, @board, @firmware, @listen, @created_at, @replaced_by, @last_seen,
        @last_rssi, @last_receiver, @battery_mv)
      ON CONFLICT(device_id) DO UPDATE SET history_id = excluded.history_id, kind = excluded.kind,
        key = excluded.key, status = excluded.status, building = excluded.building,
        location = excluded.location, shed = excluded.shed, heartbeat_s = excluded.heartbeat_s,
        sleepy = excluded.sleepy, board = excluded.board, firmware = excluded.firmware,
        listen = excluded.listen,
        replaced_by = excluded.replaced_by, last_seen = excluded.last_seen,
        last_rssi = excluded.last_rssi, last_receiver = excluded.last_receiver,
        battery_mv = excluded.battery_mv`);
    this.seen = db.prepare(SEEN_SQL);
  }

  /** Reads every device into memory. */
  load(): void {
    this.devices.clear();
    for (const r of this.db.prepare("SELECT * FROM devices").iterate() as Iterable<Row>) {
      this.devices.set(r.device_id, fromRow(r));
    }
  }

  onChange(fn: (c: RegistryChange) => void): void {
    this.listeners.push(fn);
  }

  get(deviceId: number): RegisteredDevice | undefined {
    return this.devices.get(deviceId);
  }

  list(): RegisteredDevice[] {
    return [...this.devices.values()].sort((a, b) => a.deviceId - b.deviceId);
  }

  /** Active devices registered but never heard, for the cloud (uplink health `unheard`). */
  unheard(): UnheardDevice[] {
    const out: UnheardDevice[] = [];
    for (const d of this.list()) {
      if (d.status !== "active" || d.lastSeen !== undefined) continue;
      const u: UnheardDevice = {
        deviceId: deviceIdHex(d.deviceId),
        kind: d.kind,
        registeredAt: d.createdAt,
      };
      if (d.building !== undefined) u.building = d.building;
      if (d.shed !== undefined) u.shed = d.shed;
      if (d.location !== undefined) u.location = d.location;
      out.push(u);
    }
    return out;
  }

  count(status?: DeviceRecord["status"]): number {
    if (!status) return this.devices.size;
    let n = 0;
    for (const d of this.devices.values()) if (d.status === status) n++;
    return n;
  }

  /** Active devices of one building (interlinked sounding). */
  inBuilding(building: string): RegisteredDevice[] {
    return [...this.devices.values()].filter(
      (d) => d.status === "active" && d.building === building,
    );
  }

  register(input: DeviceInput, now: number): RegisteredDevice {
    listenFits(input.kind, input.listen);
    const existing = this.devices.get(input.deviceId);
    if (existing && existing.status === "active")
      throw new RegistryError(
        "exists",
        `device ${deviceIdHex(input.deviceId)} is already registered`,
      );
    const d: RegisteredDevice = {
      ...optionalPlacement(input),
      deviceId: input.deviceId,
      historyId: existing?.historyId ?? `dev-${deviceIdHex(input.deviceId)}`,
      kind: input.kind,
      key: input.key,
      status: "active",
      heartbeatS: input.heartbeatS ?? DEFAULT_HEARTBEAT_S[input.kind],
      sleepy: input.sleepy ?? input.kind !== "charger",
      createdAt: now,
    };
    this.write(d);
    this.emit({ type: "registered", deviceId: d.deviceId });
    return d;
  }

  /** Changes placement or metadata (never the key: see rekey). */
  update(
    deviceId: number,
    patch: Partial<Omit<DeviceInput, "deviceId" | "key">>,
  ): RegisteredDevice {
    const d = this.require(deviceId);
    const next: RegisteredDevice = { ...d, ...optionalPlacement(patch) };
    if (patch.kind) next.kind = patch.kind;
    listenFits(next.kind, next.listen);
    if (patch.heartbeatS !== undefined) next.heartbeatS = patch.heartbeatS;
    if (patch.sleepy !== undefined) next.sleepy = patch.sleepy;
    this.write(next);
    this.emit({ type: "updated", deviceId });
    return next;
  }

  /**
   * Moves the logical device `oldId` (placement, history id) to new hardware.
   * The old id is decommissioned and points at the new one.
   */
  replace(oldId: number, newId: number, key: Uint8Array, now: number): RegisteredDevice {
    const old = this.require(oldId);
    if (old.status !== "active")
      throw new RegistryError("state", `device ${deviceIdHex(oldId)} is not active`);
    if (oldId === newId) throw new RegistryError("invalid", "replacement has the same id");
    const clash = this.devices.get(newId);
    if (clash && clash.status === "active")
      throw new RegistryError("exists", `device ${deviceIdHex(newId)} is already registered`);
    const fresh: RegisteredDevice = {
      ...placementOf(old),
      deviceId: newId,
      historyId: old.historyId,
      kind: old.kind,
      key,
      status: "active",
      heartbeatS: old.heartbeatS,
      sleepy: old.sleepy,
      createdAt: now,
    };
    const retired: RegisteredDevice = { ...old, status: "decommissioned", replacedBy: newId };
    this.db.transaction(() => {
      this.write(fresh);
      this.write(retired);
    })();
    this.emit({ type: "replaced", deviceId: oldId, newDeviceId: newId });
    return fresh;
  }

  decommission(deviceId: number): RegisteredDevice {
    const d = this.require(deviceId);
    const next: RegisteredDevice = { ...d, status: "decommissioned" };
    this.write(next);
    this.emit({ type: "decommissioned", deviceId });
    return next;
  }

  /**
   * Deletes a registration and its key outright: for a commissioning that
   * failed (installer/flash.ts). Installed devices are decommissioned instead,
   * which keeps their history.
   */
  remove(deviceId: number): RegisteredDevice {
    const d = this.require(deviceId);
    this.db.prepare("DELETE FROM devices WHERE device_id = ?").run(deviceId);
    this.devices.delete(deviceId);
    this.dirtySeen.delete(deviceId);
    this.emit({ type: "removed", deviceId });
    return d;
  }

  rekey(deviceId: number, key: Uint8Array): RegisteredDevice {
    const d = this.require(deviceId);
    if (d.status !== "active")
      throw new RegistryError("state", `device ${deviceIdHex(deviceId)} is not active`);
    const next: RegisteredDevice = { ...d, key };
    this.write(next);
    this.emit({ type: "rekeyed", deviceId });
    return next;
  }

  /** Records a heard frame in memory (persisted by flushSeen). */
  noteHeard(deviceId: number, reading: ReceiverReading, now: number, batteryMv?: number): void {
    const d = this.devices.get(deviceId);
    if (!d) return;
    d.lastSeen = now;
    d.lastReceiver = reading.receiver;
    if (reading.rssi !== undefined) d.lastRssi = reading.rssi;
    if (batteryMv !== undefined && batteryMv > 0) d.batteryMv = batteryMv;
    this.dirtySeen.add(deviceId);
  }

  /**
   * Writes last-heard details of devices heard since the previous flush, in
   * one transaction; with `write`, hands them to it instead (the committer).
   */
  flushSeen(write?: (op: WriteOp) => void): number {
    if (this.dirtySeen.size === 0) return 0;
    const rows: SqlValue[][] = [];
    for (const id of this.dirtySeen) {
      const d = this.devices.get(id);
      if (d)
        rows.push([
          d.lastSeen ?? null,
          d.lastRssi ?? null,
          d.lastReceiver ?? null,
          d.batteryMv ?? null,
          id,
        ]);
    }
    this.dirtySeen.clear();
    if (write) write({ kind: "run", sql: SEEN_SQL, rows });
    else
      this.db.transaction(() => {
        for (const r of rows) this.seen.run(...r);
      })();
    return rows.length;
  }

  private require(deviceId: number): RegisteredDevice {
    const d = this.devices.get(deviceId);
    if (!d)
      throw new RegistryError("not-found", `device ${deviceIdHex(deviceId)} is not registered`);
    return d;
  }

  private write(d: RegisteredDevice): void {
    this.upsert.run({
      device_id: d.deviceId,
      history_id: d.historyId,
      kind: d.kind,
      key: Buffer.from(d.key),
      status: d.status,
      building: d.building ?? null,
      location: d.location ?? null,
      shed: d.shed ?? null,
      heartbeat_s: d.heartbeatS,
      sleepy: d.sleepy ? 1 : 0,
      board: d.board ?? null,
      firmware: d.firmware ?? null,
      listen: d.listen ?? null,
      created_at: d.createdAt,
      replaced_by: d.replacedBy ?? null,
      last_seen: d.lastSeen ?? null,
      last_rssi: d.lastRssi ?? null,
      last_receiver: d.lastReceiver ?? null,
      battery_mv: d.batteryMv ?? null,
    });
    this.devices.set(d.deviceId, d);
  }

  private emit(c: RegistryChange): void {
    for (const fn of this.listeners) {
      try {
        fn(c);
      } catch {
        // a listener's failure stays with the listener
      }
    }
  }
}

type Placement = Pick<
  DeviceRecord,
  "building" | "location" | "shed" | "board" | "firmware" | "listen"
>;

/** Where a logical device is: carried over to replacement hardware (board, firmware and listen are not). */
function placementOf(d: Placement): Placement {
  const p: Placement = {};
  if (d.building !== undefined) p.building = d.building;
  if (d.location !== undefined) p.location = d.location;
  if (d.shed !== undefined) p.shed = d.shed;
  return p;
}

/** A listen mode is a battery smoke detector's (the interlink wakes or waits for it). */
function listenFits(kind: DeviceKindName, listen: ListenMode | undefined): void {
  if (listen !== undefined && kind !== "smoke")
    throw new RegistryError("invalid", `listen is for a smoke detector, not a ${kind}`);
}

function optionalPlacement(d: Partial<Placement>): Placement {
  const p: Placement = {};
  if (d.building !== undefined) p.building = d.building;
  if (d.location !== undefined) p.location = d.location;
  if (d.shed !== undefined) p.shed = d.shed;
  if (d.board !== undefined) p.board = d.board;
  if (d.firmware !== undefined) p.firmware = d.firmware;
  if (d.listen !== undefined) p.listen = d.listen;
  return p;
}
