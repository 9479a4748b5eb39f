/**
 * Starting a campaign from an operator's request: which devices (kind, board,
 * building, running version), what they get (a release image the gateway
 * personalises, or per-device packages it checks), in which order (by
 * building and place, so the canary is a couple of devices of one building).
 * Refused packages are counted (forged, corrupt) and listed in the answer.
 */
import type { DeviceKindName } from "../../protocol/uplink.js";
import type { RegisteredDevice } from "../registry/registry.js";
import {
  fromPackages,
  fromRelease,
  type PackageInput,
  type Prepared,
  type Refusal,
} from "./campaign-packages.js";
import type { CampaignRules } from "./campaign-plan.js";
import { type CampaignView, manifestVersionText, type OtaEngine } from "./ota-engine.js";

export interface DeviceSelector {
  kind: DeviceKindName;
  board?: string;
  building?: string;
  /** Only devices whose registry firmware version is this one. */
  fromVersion?: string;
}

export interface StartRequest {
  id?: string;
  selector: DeviceSelector;
  /** A release for every selected device, or per-device packages (then their own version). */
  release?: { version: string; minVersion?: string; force?: boolean; image: string };
  packages?: PackageInput[];
  rules?: Partial<CampaignRules>;
}

export type StartResult =
  | { ok: true; campaign: CampaignView; refused: Refusal[] }
  | { ok: false; status: number; error: string; refused: Refusal[] };

export function selectDevices(
  all: readonly RegisteredDevice[],
  s: DeviceSelector,
): RegisteredDevice[] {
  return all
    .filter(
      (d) =>
        d.status === "active" &&
        d.kind === s.kind &&
        (s.board === undefined || (d.board ?? "").toUpperCase() === s.board.toUpperCase()) &&
        (s.building === undefined || d.building === s.building) &&
        (s.fromVersion === undefined || d.firmware === s.fromVersion),
    )
    .sort(
      (a, b) =>
        (a.building ?? "").localeCompare(b.building ?? "") ||
        (a.location ?? "").localeCompare(b.location ?? "") ||
        a.deviceId - b.deviceId,
    );
}

export function startCampaign(
  req: StartRequest,
  deps: {
    devices: readonly RegisteredDevice[];
    lookup(deviceId: number): RegisteredDevice | undefined;
    engine: OtaEngine;
    now: number;
  },
): StartResult {
  const chosen = selectDevices(deps.devices, req.selector);
  const fail = (status: number, error: string, refused: Refusal[] = []): StartResult => ({
    ok: false,
    status,
    error,
    refused,
  });
  if (chosen.length === 0) return fail(404, `no active device matches ${describe(req.selector)}`);
  const busy = deps.engine.busyDevices(chosen.map((d) => d.deviceId));
  if (busy.length > 0)
    return fail(
      409,
      `${busy.length} of the devices are in an unfinished campaign (abort it first)`,
    );
  let prepared: Prepared;
  let version: string | undefined;
  if (req.release) {
    const board = req.selector.board ?? chosen[0]!.board;
    if (!board) return fail(400, "board: needed (the devices' registry entries name none)");
    prepared = fromRelease({ ...req.release, kind: req.selector.kind, board }, chosen);
    version = req.release.version;
  } else if (req.packages) {
    const wanted = new Set(chosen.map((d) => d.deviceId));
    prepared = fromPackages(
      req.packages.filter((p) => wanted.has(p.deviceId)),
      deps.lookup,
    );
    const first = prepared.images[0];
    version = first ? manifestVersionText(first.manifest) : undefined;
  } else return fail(400, "give a release image or per-device packages");
  for (const r of prepared.refused) {
    if (r.code === "forged") deps.engine.counters.forged++;
    if (r.code === "corrupt") deps.engine.counters.corrupt++;
  }
  if (prepared.images.length === 0 || version === undefined)
    return fail(422, "every package was refused", prepared.refused);
  const id = req.id ?? `ota-${req.selector.kind}-${version}-${deps.now.toString(36)}`;
  const selector: Record<string, string> = { kind: req.selector.kind };
  for (const k of ["board", "building", "fromVersion"] as const) {
    const v = req.selector[k];
    if (v !== undefined) selector[k] = v;
  }
  const campaign = deps.engine.create(
    { id, version, selector, ...(req.rules ? { rules: req.rules } : {}) },
    prepared.images,
    deps.now,
  );
  return { ok: true, campaign, refused: prepared.refused };
}

function describe(s: DeviceSelector): string {
  return Object.entries(s)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}
