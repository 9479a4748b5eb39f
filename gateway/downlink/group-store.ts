/**
 * Which building group each detector holds, and each building's current
 * group epoch, in the gateway's SQLite file. A detector is a member of its
 * building's group sounding only while it holds the building's current epoch
 * (issued in its image at commissioning, or moved to it by a group rekey it
 * confirmed); every other detector gets soundings sent to it alone.
 */
import type { Statement } from "better-sqlite3";
import { type GatewayDatabase, migrate } from "../storage/database.js";

const MIGRATIONS = [
  `CREATE TABLE building_groups (building TEXT PRIMARY KEY, epoch INTEGER NOT NULL);
   CREATE TABLE group_members (device_id INTEGER PRIMARY KEY, building TEXT NOT NULL, epoch INTEGER NOT NULL);`,
];

export class GroupStore {
  private readonly epochs = new Map<string, number>();
  private readonly members = new Map<number, { building: string; epoch: number }>();
  private readonly putEpoch: Statement;
  private readonly putMember: Statement;
  private readonly dropMember: Statement;

  constructor(db: GatewayDatabase) {
    migrate(db, "groups", MIGRATIONS);
    for (const r of db.prepare("SELECT building, epoch FROM building_groups").all() as Array<{
      building: string;
      epoch: number;
    }>)
      this.epochs.set(r.building, r.epoch);
    for (const r of db
      .prepare("SELECT device_id AS d, building, epoch FROM group_members")
      .all() as Array<{ d: number; building: string; epoch: number }>)
      this.members.set(r.d, { building: r.building, epoch: r.epoch });
    this.putEpoch = db.prepare(
      "INSERT INTO building_groups (building, epoch) VALUES (?, ?) ON CONFLICT(building) DO UPDATE SET epoch = excluded.epoch",
    );
    this.putMember = db.prepare(
      "INSERT INTO group_members (device_id, building, epoch) VALUES (?, ?, ?) ON CONFLICT(device_id) DO UPDATE SET building = excluded.building, epoch = excluded.epoch",
    );
    this.dropMember = db.prepare("DELETE FROM group_members WHERE device_id = ?");
  }

  /** The building's current group epoch (0 until its first group rekey). */
  epoch(building: string): number {
    return this.epochs.get(building) ?? 0;
  }

  /** Starts the building's next epoch (a group rekey); returns it. */
  nextEpoch(building: string): number {
    const e = this.epoch(building) + 1;
    this.putEpoch.run(building, e);
    this.epochs.set(building, e);
    return e;
  }

  /** The detector holds the key of `building`'s group at `epoch`. */
  setMember(deviceId: number, building: string, epoch: number): void {
    const m = this.members.get(deviceId);
    if (m?.building === building && m.epoch === epoch) return;
    this.putMember.run(deviceId, building, epoch);
    this.members.set(deviceId, { building, epoch });
  }

  /** The detector holds no group key (or one nobody should trust any more). */
  removeMember(deviceId: number): void {
    if (!this.members.delete(deviceId)) return;
    this.dropMember.run(deviceId);
  }

  /** True when the detector holds the current group key of `building`. */
  isCurrentMember(deviceId: number, building: string): boolean {
    const m = this.members.get(deviceId);
    return m !== undefined && m.building === building && m.epoch === this.epoch(building);
  }

  /** Detectors of `building` holding any of its group keys. */
  membersOf(building: string): Array<{ deviceId: number; epoch: number }> {
    const out = [];
    for (const [deviceId, m] of this.members)
      if (m.building === building) out.push({ deviceId, epoch: m.epoch });
    return out;
  }
}
