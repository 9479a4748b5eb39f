/**
 * A group rekey: the building's group moves to its next epoch (a new group id
 * and key, group-keys.ts) and every detector holding one of its keys is sent
 * the new one in a signed config downlink (keys 13-17, masked with its own
 * key). A detector counts as holding the new key only once its command-ack
 * says it took it; until then it is sounded alone (group-sounder.ts).
 *
 * The gateway rotates a building's group when one of its detectors is
 * decommissioned or rekeyed (a detector that left, or whose key may be known,
 * must not be able to sound the building), and on an operator's request.
 */
import { COMMAND_RESULT_OK, CONFIG_GROUP_ID } from "../../protocol/constants.js";
import type { HmacFn } from "../../protocol/hmac.js";
import type { DownlinkMsg } from "../../protocol/messages.js";
import type { RegisteredDevice } from "../registry/registry.js";
import { PRIORITY_EVENT } from "../types.js";
import type { DownlinkQueue } from "./downlink-queue.js";
import { type BuildingGroup, deriveBuildingGroup, groupRekeyEntries } from "./group-keys.js";
import type { GroupStore } from "./group-store.js";

export interface GroupRekeyDeps {
  secret: Uint8Array;
  hmac: HmacFn;
  store: GroupStore;
  lookup(deviceId: number): RegisteredDevice | undefined;
  downlinks: Pick<DownlinkQueue, "send">;
}

export class GroupRekey {
  readonly stats = { rotations: 0, sent: 0, confirmed: 0 };

  constructor(private readonly deps: GroupRekeyDeps) {}

  /** Starts the building's next epoch and sends its key to every active member; returns the epoch. */
  rotate(building: string, now: number): { epoch: number; sent: number } {
    const d = this.deps;
    const epoch = d.store.nextEpoch(building);
    const group = deriveBuildingGroup(d.secret, building, epoch, d.hmac);
    this.stats.rotations++;
    let sent = 0;
    for (const m of d.store.membersOf(building)) {
      const dev = d.lookup(m.deviceId);
      if (dev?.status !== "active" || dev.building !== building) {
        d.store.removeMember(m.deviceId);
        continue;
      }
      this.sendKey(dev, group, now);
      sent++;
    }
    this.stats.sent += sent;
    return { epoch, sent };
  }

  /** The building's current group, to put in a detector's image at commissioning. */
  current(building: string): BuildingGroup {
    const d = this.deps;
    return deriveBuildingGroup(d.secret, building, d.store.epoch(building), d.hmac);
  }

  /**
   * A detector was flashed with its building's group at `epoch` (haitang
   * flash, from current()): it is a member from now on. If the building
   * rotated in between, it is sent the current key at once, like any member.
   */
  commissioned(deviceId: number, epoch: number, now: number): void {
    const d = this.deps;
    const dev = d.lookup(deviceId);
    if (dev?.kind !== "smoke" || dev.building === undefined) return;
    d.store.setMember(deviceId, dev.building, epoch);
    if (epoch !== d.store.epoch(dev.building)) this.sendKey(dev, this.current(dev.building), now);
  }

  private sendKey(dev: RegisteredDevice, group: BuildingGroup, now: number): void {
    const entries = groupRekeyEntries(dev.key, group, this.deps.hmac);
    const reason = `group rekey of ${group.building} (epoch ${group.epoch})`;
    this.deps.downlinks.send(
      dev.deviceId,
      { msg: { type: "config", entries }, priority: PRIORITY_EVENT, reason },
      now,
    );
  }

  /** A command-ack of a config downlink: a detector that took the current group key is a member again. */
  confirmed(deviceId: number, msg: DownlinkMsg, result: number): void {
    if (msg.type !== "config" || msg.entries[0]?.key !== CONFIG_GROUP_ID) return;
    const dev = this.deps.lookup(deviceId);
    if (result !== COMMAND_RESULT_OK || dev?.building === undefined) return;
    const epoch = this.deps.store.epoch(dev.building);
    const current = deriveBuildingGroup(this.deps.secret, dev.building, epoch, this.deps.hmac);
    if (msg.entries[0].value >>> 0 !== current.id) return; // an older rekey answered late
    this.deps.store.setMember(deviceId, dev.building, epoch);
    this.stats.confirmed++;
  }
}
