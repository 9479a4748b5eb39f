/**
 * Commissioning operations that touch more than the registry: approving a
 * pending device, replacing hardware (placement, alarms and waiting
 * downlinks move to the new id), decommissioning and rekeying (the counter
 * window starts fresh under a new key). The HTTP API and the CLI use this.
 * Keys generated here are returned once, to the caller that asked.
 */
import type { DeviceKindName } from "../../protocol/uplink.js";
import type { CounterStore } from "../dedup/counter-store.js";
import type { CounterTable } from "../dedup/counter-table.js";
import type { DownlinkQueue } from "../downlink/downlink-queue.js";
import { generateKey, keyToHex } from "./keys.js";
import type { PendingDevices } from "./pending.js";
import {
  type DeviceInput,
  type DeviceRegistry,
  type RegisteredDevice,
  RegistryError,
} from "./registry.js";

/** What an alarm store offers when hardware is replaced (gw-rules' store, optional). */
export interface AlarmMover {
  moveDevice(fromId: number, toId: number, now: number): void;
}

export interface DeviceAdminDeps {
  registry: DeviceRegistry;
  pending: PendingDevices;
  windows: CounterTable;
  counterStore: Pick<CounterStore, "delete">;
  downlinks: DownlinkQueue;
  alarms?: AlarmMover | undefined;
  /** Building group rekeys (gateway/downlink/group-rekey.ts); absent without a group secret. */
  groups?: GroupRotator | undefined;
  clock(): number;
}

/** What the admin needs from the group rekey. */
export interface GroupRotator {
  rotate(building: string, now: number): { epoch: number; sent: number };
  current(building: string): { building: string; epoch: number; id: number; key: Uint8Array };
  commissioned(deviceId: number, epoch: number, now: number): void;
}

export interface KeyedResult {
  device: RegisteredDevice;
  /** Hex of a key the gateway generated; present only then, and only in this answer. */
  generatedKey?: string;
}

export type RegisterFields = Omit<DeviceInput, "key"> & {
  key?: Uint8Array;
  /** A detector flashed with its building's group at this epoch (from buildingGroup()). */
  groupEpoch?: number;
};

export class DeviceAdmin {
  constructor(private readonly deps: DeviceAdminDeps) {}

  register(input: RegisterFields): KeyedResult {
    const { groupEpoch, ...fields } = input;
    const { key, generated } = this.keyOrNew(fields.key);
    if (groupEpoch !== undefined) this.groupsOrFail();
    if (groupEpoch !== undefined && (fields.kind !== "smoke" || fields.building === undefined))
      throw new RegistryError("invalid", "groupEpoch is for a smoke detector with a building");
    const device = this.deps.registry.register({ ...fields, key }, this.deps.clock());
    this.freshWindow(device.deviceId);
    this.deps.downlinks.prepare(device.deviceId);
    this.deps.pending.remove(device.deviceId);
    // Its image holds the building's group key: its soundings join the group, a rekey includes it.
    if (groupEpoch !== undefined)
      this.groupsOrFail().commissioned(device.deviceId, groupEpoch, this.deps.clock());
    return withKey(device, generated);
  }

  /**
   * The building's current group (id, key, epoch) for a detector's image at
   * commissioning; undefined when the gateway runs no group sounding.
   */
  buildingGroup(
    building: string,
  ): { building: string; epoch: number; id: number; key: string } | undefined {
    const g = this.deps.groups?.current(building);
    return g && { building: g.building, epoch: g.epoch, id: g.id, key: keyToHex(g.key) };
  }

  /** Commissions a device from the pending list. */
  approve(
    deviceId: number,
    input: Omit<RegisterFields, "deviceId" | "kind"> & { kind?: DeviceKindName },
  ): KeyedResult {
    const p = this.deps.pending.get(deviceId);
    if (!p) throw new RegistryError("not-found", "device is not on the pending list");
    const kind = input.kind ?? kindFromTypeCode(p.typeCode);
    if (!kind) throw new RegistryError("invalid", "kind is required (smoke, charger or guardian)");
    const r = this.register({ ...input, deviceId, kind });
    // Downlinks go where it was heard while pending, until it is heard again.
    const last = p.receivers[p.receivers.length - 1];
    if (last !== undefined) this.deps.registry.noteHeard(deviceId, { receiver: last }, p.lastHeard);
    return r;
  }

  replace(oldId: number, newId: number, key?: Uint8Array): KeyedResult {
    const k = this.keyOrNew(key);
    const now = this.deps.clock();
    const device = this.deps.registry.replace(oldId, newId, k.key, now);
    this.freshWindow(newId);
    this.deps.downlinks.prepare(newId);
    this.deps.pending.remove(newId);
    this.deps.downlinks.move(oldId, newId);
    this.deps.alarms?.moveDevice(oldId, newId, now);
    return withKey(device, k.generated);
  }

  /** A decommissioned detector must no longer be able to sound its building: the group rotates. */
  decommission(deviceId: number): RegisteredDevice {
    const d = this.deps.registry.decommission(deviceId);
    this.rotateFor(d);
    return d;
  }

  /** The building's group moves to a new key, sent to every detector holding the old one. */
  rotateGroup(building: string): { epoch: number; sent: number } {
    return this.groupsOrFail().rotate(building, this.deps.clock());
  }

  private groupsOrFail(): GroupRotator {
    if (!this.deps.groups)
      throw new RegistryError(
        "invalid",
        "no building group sounding (interlink.groupSecret is not set)",
      );
    return this.deps.groups;
  }

  /** Deletes a failed commissioning: registration, key and counter window. */
  remove(deviceId: number): RegisteredDevice {
    const d = this.deps.registry.remove(deviceId);
    this.freshWindow(deviceId);
    return d;
  }

  rekey(deviceId: number, key?: Uint8Array): KeyedResult {
    const k = this.keyOrNew(key);
    const device = this.deps.registry.rekey(deviceId, k.key);
    this.freshWindow(deviceId);
    // Its old key may be known: the group key it unmasked with it must go too.
    this.rotateFor(device);
    return withKey(device, k.generated);
  }

  private rotateFor(d: RegisteredDevice): void {
    if (d.kind === "smoke" && d.building !== undefined)
      this.deps.groups?.rotate(d.building, this.deps.clock());
  }

  private freshWindow(deviceId: number): void {
    this.deps.windows.delete(deviceId);
    this.deps.counterStore.delete(deviceId);
  }

  private keyOrNew(key: Uint8Array | undefined): { key: Uint8Array; generated: boolean } {
    return key ? { key, generated: false } : { key: generateKey(), generated: true };
  }
}

function withKey(device: RegisteredDevice, generated: boolean): KeyedResult {
  return generated ? { device, generatedKey: keyToHex(device.key) } : { device };
}

/** Guesses the kind from the first message type heard (status frames say nothing). */
function kindFromTypeCode(code: number | undefined): DeviceKindName | undefined {
  switch (code) {
    case 0x02:
      return "smoke";
    case 0x03:
    case 0x04:
      return "charger";
    case 0x05:
      return "guardian";
    default:
      return undefined;
  }
}
