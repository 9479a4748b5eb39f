/**
 * Building group keys for the group sounding (TYPE_GROUP_SOUND, docs/protocol.md).
 * Derived, not stored: from the site's group secret (site YAML
 * `interlink.groupSecret`), the building id and the group's epoch, so the
 * installer, the simulator and the gateway all get the same key without a key
 * table, and a group rekey (epoch + 1) gives every building member a new id
 * and key. Pure functions; the HMAC is passed in.
 */
import { readU32, writeU32 } from "../../protocol/bytes.js";
import { CONFIG_GROUP_ID, CONFIG_GROUP_KEY_0 } from "../../protocol/constants.js";
import type { HmacFn } from "../../protocol/hmac.js";
import type { ConfigEntry } from "../../protocol/messages.js";

export interface BuildingGroup {
  building: string;
  epoch: number;
  /** 32-bit group id: the header's device id field of a group frame. */
  id: number;
  key: Uint8Array;
}

function label(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The group of `building` at `epoch` under the site's group secret. */
export function deriveBuildingGroup(
  secret: Uint8Array,
  building: string,
  epoch: number,
  hmac: HmacFn,
): BuildingGroup {
  const key = hmac(secret, label(`haitang group key\0${building}\0${epoch}`)).slice(0, 16);
  const idMac = hmac(secret, label(`haitang group id\0${building}\0${epoch}`));
  // Never 0 (no device or group has id 0).
  const id = readU32(idMac, 0) || 1;
  return { building, epoch, id, key };
}

/**
 * The config entries that move a detector to `group` (a group rekey): the id,
 * then the key's four words each XORed with HMAC(device key, group id)'s,
 * so the new key never crosses the radio in clear. The frame itself is signed
 * with the device key like every config downlink.
 */
export function groupRekeyEntries(
  deviceKey: Uint8Array,
  group: Pick<BuildingGroup, "id" | "key">,
  hmac: HmacFn,
): ConfigEntry[] {
  const idBytes = new Uint8Array(4);
  writeU32(idBytes, 0, group.id >>> 0);
  const pad = hmac(deviceKey, idBytes);
  const entries: ConfigEntry[] = [{ key: CONFIG_GROUP_ID, value: group.id | 0 }];
  for (let i = 0; i < 4; i++)
    entries.push({
      key: CONFIG_GROUP_KEY_0 + i,
      value: (readU32(group.key, i * 4) ^ readU32(pad, i * 4)) | 0,
    });
  return entries;
}
