/**
 * Device admin routes (install password required):
 *   GET  /api/devices                  list (never keys); a battery detector's record has
 *                                      `listening`: the mode it is reached by (its own, else the site's)
 *   GET  /api/devices/:id              one device, with its waiting downlinks
 *   GET  /api/devices/:id/readings     its recent readings per series and its alarms (?from&to, ms)
 *   POST /api/devices                  register {id, kind, key?, building?, location?, shed?, board?, firmware?, heartbeatS?, sleepy?, listen?, groupEpoch?}
 *                                      (listen: "wake-on-radio" | "windows", a smoke detector's own
 *                                      listening, over the site's interlink.listen)
 *   PATCH /api/devices/:id             placement / metadata (listen too)
 *   POST /api/devices/:id/approve      commission a pending device {kind?, key?, placement...}
 *   POST /api/devices/:id/replace      move to new hardware {newId, key?}
 *   POST /api/devices/:id/decommission
 *   DELETE /api/devices/:id            remove a failed commissioning, key and all
 *   POST /api/devices/:id/rekey        {key?}
 *   POST /api/devices/:id/self-test    queue a SOUND_SELF_TEST downlink
 *   POST /api/buildings/:id/group-rekey  new building group key, sent to its detectors
 *   GET  /api/buildings/:id/group        the building's current group {building, epoch, id, key}
 *                                      for a detector's image (haitang flash); register it with
 *                                      groupEpoch so its soundings join the group
 *   GET  /api/pending                  devices heard but not commissioned
 * A key the gateway generates (key left out) is in the answer as `key`, once.
 */
import { SOUND_SELF_TEST } from "../../protocol/constants.js";
import type { KeyedResult, RegisterFields } from "../registry/device-admin.js";
import { publicDevice, type RegisteredDevice, RegistryError } from "../registry/registry.js";
import { LISTEN_MODES, PRIORITY_EVENT } from "../types.js";
import type { HttpBackend } from "./backend.js";
import { BadRequest, Fields, readJson } from "./body.js";
import type { Route } from "./router.js";

function keyed(b: HttpBackend, r: KeyedResult) {
  return r.generatedKey === undefined
    ? { device: shownDevice(b, r.device) }
    : { device: shownDevice(b, r.device), key: r.generatedKey };
}

function placement(f: Fields): Partial<RegisterFields> {
  const p: Partial<RegisterFields> = {};
  const set = <K extends keyof RegisterFields>(k: K, v: RegisterFields[K] | undefined) => {
    if (v !== undefined) p[k] = v;
  };
  set("building", f.optString("building"));
  set("location", f.optString("location"));
  set("shed", f.optString("shed"));
  set("board", f.optString("board", 64));
  set("firmware", f.optString("firmware", 64));
  set("heartbeatS", f.optInt("heartbeatS", 10, 86_400));
  set("sleepy", f.optBool("sleepy"));
  set("listen", f.optOneOf("listen", LISTEN_MODES));
  return p;
}

/** A time in ms since the epoch from the query string, or undefined when absent. */
function timeQuery(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new BadRequest(`${name} must be ms since the epoch, not ${JSON.stringify(raw)}`);
  return n;
}

/**
 * A device as the API shows it: its record without the key and, for a battery
 * detector, `listening`, the mode the gateway reaches it by (its own `listen`,
 * else the site's interlink.listen).
 */
function shownDevice(b: HttpBackend, d: RegisteredDevice) {
  const listening = b.listening?.(d);
  return listening === undefined ? publicDevice(d) : { ...publicDevice(d), listening };
}

function pathId(params: Record<string, string>): number {
  return new Fields({ id: params.id }).deviceId("id");
}

export function deviceRoutes(b: HttpBackend): Route[] {
  return [
    {
      method: "GET",
      path: "/api/devices",
      handle: async () => ({ devices: b.registry.list().map((d) => shownDevice(b, d)) }),
    },
    {
      method: "GET",
      path: "/api/devices/:id",
      handle: async (_req, params) => {
        const id = pathId(params);
        const d = b.registry.get(id);
        if (!d) throw new RegistryError("not-found", `device ${params.id} is not registered`);
        return { device: shownDevice(b, d), downlinks: b.downlinks.pending(id) };
      },
    },
    {
      method: "GET",
      path: "/api/devices/:id/readings",
      handle: async (_req, params, url) => {
        const id = pathId(params);
        const d = b.registry.get(id);
        if (!d) throw new RegistryError("not-found", `device ${params.id} is not registered`);
        const to = timeQuery(url, "to") ?? b.clock();
        const from = timeQuery(url, "from") ?? to - 3_600_000;
        if (from > to) throw new BadRequest("from must not be after to");
        const alarms = (b.alarms?.list({ deviceId: id, limit: 500 }) ?? []).filter((a) => {
          const raisedAt = (a as { raisedAt?: unknown }).raisedAt;
          return typeof raisedAt === "number" && raisedAt >= from && raisedAt <= to;
        });
        return {
          deviceId: publicDevice(d).deviceId,
          from,
          to,
          series: b.readings.series(id, from, to),
          alarms,
        };
      },
    },
    {
      method: "POST",
      path: "/api/devices",
      status: 201,
      handle: async (req) => {
        const f = new Fields(await readJson(req));
        const input: RegisterFields = {
          ...placement(f),
          deviceId: f.deviceId("id"),
          kind: f.kind("kind"),
        };
        const key = f.optKey("key");
        if (key) input.key = key;
        const groupEpoch = f.optInt("groupEpoch", 0, 2 ** 31 - 1);
        if (groupEpoch !== undefined) input.groupEpoch = groupEpoch;
        return keyed(b, b.admin.register(input));
      },
    },
    {
      method: "PATCH",
      path: "/api/devices/:id",
      handle: async (req, params) => {
        const f = new Fields(await readJson(req));
        const patch = placement(f);
        const kind = f.optKind("kind");
        return {
          device: shownDevice(
            b,
            b.registry.update(pathId(params), kind ? { ...patch, kind } : patch),
          ),
        };
      },
    },
    {
      method: "POST",
      path: "/api/devices/:id/approve",
      handle: async (req, params) => {
        const f = new Fields(await readJson(req));
        const input: Parameters<typeof b.admin.approve>[1] = { ...placement(f) };
        const kind = f.optKind("kind");
        if (kind) input.kind = kind;
        const key = f.optKey("key");
        if (key) input.key = key;
        return keyed(b, b.admin.approve(pathId(params), input));
      },
    },
    {
      method: "POST",
      path: "/api/devices/:id/replace",
      handle: async (req, params) => {
        const f = new Fields(await readJson(req));
        return keyed(b, b.admin.replace(pathId(params), f.deviceId("newId"), f.optKey("key")));
      },
    },
    {
      method: "POST",
      path: "/api/devices/:id/decommission",
      handle: async (_req, params) => ({
        device: publicDevice(b.admin.decommission(pathId(params))),
      }),
    },
    {
      method: "DELETE",
      path: "/api/devices/:id",
      handle: async (_req, params) => {
        const d = b.admin.remove(pathId(params));
        return { removed: publicDevice(d).id };
      },
    },
    {
      method: "POST",
      path: "/api/devices/:id/rekey",
      handle: async (req, params) => {
        const f = new Fields(await readJson(req));
        return keyed(b, b.admin.rekey(pathId(params), f.optKey("key")));
      },
    },
    {
      method: "GET",
      path: "/api/buildings/:id/group",
      // null: this gateway runs no building group sounding (no interlink.groupSecret).
      handle: async (_req, params) => ({ group: b.admin.buildingGroup(String(params.id)) ?? null }),
    },
    {
      method: "POST",
      path: "/api/buildings/:id/group-rekey",
      handle: async (_req, params) => b.admin.rotateGroup(String(params.id)),
    },
    {
      method: "POST",
      path: "/api/devices/:id/self-test",
      status: 202,
      handle: async (_req, params) => {
        const id = pathId(params);
        const outcome = b.downlinks.send(
          id,
          {
            msg: { type: "sound", mode: SOUND_SELF_TEST, durationS: 0, sourceDeviceId: 0 },
            priority: PRIORITY_EVENT,
            reason: "self-test requested by installer",
          },
          b.clock(),
        );
        if (outcome === "unknown-device")
          throw new RegistryError("not-found", `device ${params.id} is not an active device`);
        return { outcome };
      },
    },
    {
      method: "GET",
      path: "/api/pending",
      handle: async () => ({ pending: b.pending.list() }),
    },
  ];
}

export { BadRequest };
