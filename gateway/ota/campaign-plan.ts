/**
 * A firmware-update campaign's rollout, as a pure decision over its devices'
 * progress (time and safety passed in). Devices are ordered into stages: the
 * canary group first, then stages of growing size; a stage starts only once
 * every device of the stages before it has ended or is held, and at least one
 * of each has ended; the campaign pauses by itself when the failures so far
 * exceed the threshold. A device that is alarming, or a charger with a port
 * near its limit, or one whose building is sounding (interlink), is held: it
 * gets no update frames until that ends, and then gets them in whatever stage
 * is open. A held device does not hold the campaign back: a detector in a
 * long fire alarm would otherwise stop every building's update.
 */

export type DeviceUpdateState =
  | "queued"
  | "transferring"
  | "verifying"
  | "switched"
  | "reported"
  | "rolled-back"
  | "failed";

export interface DeviceProgress {
  deviceId: number;
  stage: number;
  state: DeviceUpdateState;
  /** Transfer progress 0..100. */
  percent: number;
  /** Why it failed or rolled back (the device's reason, in words). */
  reason?: string;
}

export interface CampaignRules {
  /** Devices in the first (canary) stage. */
  canary: number;
  /** Sizes of the stages after the canary, as shares of the remaining devices (the last takes the rest). */
  stageShares: number[];
  /** Pause when failed / ended devices exceeds this share. */
  maxFailureShare: number;
}

export const DEFAULT_RULES: CampaignRules = {
  canary: 2,
  stageShares: [0.1, 0.3],
  maxFailureShare: 0.2,
};

/** Stage per device, in the given order (the caller orders them, e.g. by building). */
export function assignStages(deviceIds: number[], rules: CampaignRules): Map<number, number> {
  const out = new Map<number, number>();
  const canary = Math.min(rules.canary, deviceIds.length);
  for (const id of deviceIds.slice(0, canary)) out.set(id, 0);
  const rest = deviceIds.slice(canary);
  let at = 0;
  rules.stageShares.forEach((share, k) => {
    const n = Math.ceil(rest.length * share);
    for (const id of rest.slice(at, at + n)) out.set(id, k + 1);
    at += n;
  });
  for (const id of rest.slice(at)) out.set(id, rules.stageShares.length + 1);
  return out;
}

export function ended(s: DeviceUpdateState): boolean {
  return s === "reported" || s === "rolled-back" || s === "failed";
}

export interface RolloutDecision {
  status: "running" | "paused" | "done";
  /** Stage now open. */
  stage: number;
  /** Devices that may get update frames now. */
  active: number[];
  /** Devices of the open stage held back, with why. */
  held: { deviceId: number; why: string }[];
  why?: string;
}

/** `unsafe(id)` is why a device must not be updated now (alarming, port near limit, sounding), or undefined. */
export function decideRollout(
  devices: DeviceProgress[],
  rules: CampaignRules,
  paused: boolean,
  unsafe: (deviceId: number) => string | undefined,
): RolloutDecision {
  const endedOnes = devices.filter((d) => ended(d.state));
  const failures = endedOnes.filter((d) => d.state !== "reported").length;
  const holds = new Map<number, string | undefined>();
  const holdOf = (id: number) => {
    if (!holds.has(id)) holds.set(id, unsafe(id));
    return holds.get(id);
  };
  /** Each device of stage `s` ended or is held, and one ended at least (an empty stage is through). */
  const through = (s: number) => {
    const of = devices.filter((d) => d.stage === s);
    return (
      of.length === 0 ||
      (of.some((d) => ended(d.state)) &&
        of.every((d) => ended(d.state) || holdOf(d.deviceId) !== undefined))
    );
  };
  let stage = 0;
  const last = Math.max(0, ...devices.map((d) => d.stage));
  while (stage < last && through(stage)) stage++;
  if (endedOnes.length === devices.length) return { status: "done", stage, active: [], held: [] };
  if (endedOnes.length > 0 && failures / endedOnes.length > rules.maxFailureShare)
    return {
      status: "paused",
      stage,
      active: [],
      held: [],
      why: `${failures} of ${endedOnes.length} ended devices failed (over ${Math.round(rules.maxFailureShare * 100)} %)`,
    };
  if (paused)
    return { status: "paused", stage, active: [], held: [], why: "paused by an operator" };
  const active: number[] = [];
  const held: { deviceId: number; why: string }[] = [];
  for (const d of devices) {
    if (d.stage > stage || ended(d.state)) continue;
    const why = holdOf(d.deviceId);
    if (why) held.push({ deviceId: d.deviceId, why });
    else active.push(d.deviceId);
  }
  return { status: "running", stage, active, held };
}
