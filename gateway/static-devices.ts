/**
 * Devices listed in the site YAML with a key are registered at start and on
 * each reload; a listed device that is already registered gets the YAML's
 * placement (and its key, when the YAML's differs). Devices commissioned
 * through the API are left alone, and a decommissioned one stays so.
 */
import type { Logger } from "../common/log.js";
import type { SiteConfig, StaticDeviceConfig } from "./config/site-config.js";
import type { GroupStore } from "./downlink/group-store.js";
import type { DeviceAdmin, RegisterFields } from "./registry/device-admin.js";
import { keyToHex, parseDeviceId, parseKeyHex } from "./registry/keys.js";
import type { DeviceRegistry } from "./registry/registry.js";

function fields(d: StaticDeviceConfig, deviceId: number): RegisterFields {
  const f: RegisterFields = { deviceId, kind: d.kind };
  if (d.building !== undefined) f.building = d.building;
  if (d.location !== undefined) f.location = d.location;
  if (d.shed !== undefined) f.shed = d.shed;
  if (d.heartbeatS !== undefined) f.heartbeatS = d.heartbeatS;
  if (d.sleepy !== undefined) f.sleepy = d.sleepy;
  if (d.board !== undefined) f.board = d.board;
  if (d.listen !== undefined) f.listen = d.listen;
  return f;
}

export function syncStaticDevices(
  cfg: SiteConfig,
  registry: DeviceRegistry,
  admin: DeviceAdmin,
  log: Logger,
  groups?: GroupStore,
): void {
  for (const d of cfg.devices) {
    const id = parseDeviceId(d.id);
    const key = d.key === undefined ? undefined : parseKeyHex(d.key);
    if (id === undefined || key === undefined) continue;
    const f = fields(d, id);
    try {
      const existing = registry.get(id);
      if (!existing) {
        admin.register({ ...f, key });
        syncGroup(d, id, groups);
        continue;
      }
      // Decommissioned or replaced through the API: the YAML does not bring it back.
      if (existing.status !== "active") continue;
      const { deviceId: _id, ...patch } = f;
      registry.update(id, patch);
      if (keyToHex(existing.key) !== keyToHex(key)) admin.rekey(id, key);
      syncGroup(d, id, groups);
    } catch (err) {
      log.warn("static device not applied", { device: d.id, error: String(err) });
    }
  }
}

/** The building group key the YAML says the device's image carries. */
function syncGroup(d: StaticDeviceConfig, id: number, groups: GroupStore | undefined): void {
  if (!groups) return;
  if (d.groupEpoch !== undefined && d.building !== undefined && d.kind === "smoke")
    groups.setMember(id, d.building, d.groupEpoch);
  else groups.removeMember(id);
}
