/**
 * Firmware-update verdicts (issue 14): where each device of a campaign ended,
 * from the gateway's `ota` progress records in the trace, and whether the
 * device was heard after that end (an update that bricked a device leaves it
 * silent). Pure: (scenario, records) -> result.
 */
import type { CaseResult } from "../report/junit.js";
import type { TraceRecord } from "../report/trace.js";
import type { Scenario } from "../scenario/load-scenario.js";

type Args = Record<string, unknown>;
type Result = Omit<CaseResult, "name">;

const ENDED = new Set(["reported", "rolled-back", "failed", "forged", "corrupt"]);
/** Refused by the gateway: the device never got a frame of it, so nothing to be heard after. */
const UNTOUCHED = new Set(["forged", "corrupt"]);

interface End {
  state: string;
  reason: string | undefined;
  t: number;
  /** When the device entered its state before the last (its last uplinks came after). */
  before: number;
}

/** Each device's last OTA record. */
function ends(recs: readonly TraceRecord[]): Map<string, End> {
  const out = new Map<string, End>();
  for (const r of recs)
    if (r.src === "gateway" && r.event === "ota" && typeof r.device === "string") {
      const prev = out.get(r.device);
      const state = String(r.state);
      out.set(r.device, {
        state,
        reason: typeof r.reason === "string" ? r.reason : undefined,
        t: r.t,
        before: prev === undefined ? r.t : prev.state === state ? prev.before : prev.t,
      });
    }
  return out;
}

/**
 * Alive after its end: an uplink after the state before its last. The status
 * that ended it is one (a report comes from the new image once it booted, a
 * rollback's from the old one after its reboot); a device refused by the
 * gateway must still be heard after the campaign began.
 */
function heardAfter(recs: readonly TraceRecord[], device: string, e: End): boolean {
  if (UNTOUCHED.has(e.state)) return true;
  return recs.some(
    (r) => r.src === "device" && r.device === device && r.event === "uplink" && r.t > e.before,
  );
}

function describe(name: string, e: End | undefined): string {
  if (!e) return `${name}: never in a campaign`;
  return `${name}: ${e.state}${e.reason ? ` (${e.reason})` : ""}`;
}

export function otaVerdict(sc: Scenario, recs: readonly TraceRecord[], a: Args): Result {
  const all = ends(recs);
  const state = String(a.state);
  const matches = (name: string) => {
    const e = all.get(name);
    return (
      e !== undefined &&
      e.state === state &&
      (a.reason === undefined || (e.reason ?? "").includes(String(a.reason)))
    );
  };
  if (typeof a.device === "string") {
    const e = all.get(a.device);
    if (!matches(a.device))
      return {
        pass: false,
        detail: `wanted ${state}${a.reason ? ` (${String(a.reason)})` : ""}; ${describe(a.device, e)}`,
      };
    if (!heardAfter(recs, a.device, e!))
      return { pass: false, detail: `${describe(a.device, e)}, but never heard after (bricked?)` };
    const untouched = UNTOUCHED.has(e!.state);
    return {
      pass: true,
      detail: `${describe(a.device, e)}${untouched ? " (nothing sent to it)" : ", and heard after"}`,
    };
  }
  const names = sc.site.devices
    .filter((d) => a.kind === undefined || d.kind === a.kind)
    .map((d) => d.id);
  const hit = names.filter(matches);
  const silent = hit.filter((n) => !heardAfter(recs, n, all.get(n)!));
  const atLeast = (a.atLeast as number | undefined) ?? 1;
  const ok = hit.length >= atLeast && silent.length === 0;
  return {
    pass: ok,
    detail: `${hit.length} ${a.kind ?? ""} devices ${state} (wanted at least ${atLeast})${silent.length ? `; never heard after: ${silent.join(", ")}` : ""}`,
  };
}

export function otaAllEndedVerdict(recs: readonly TraceRecord[]): Result {
  const all = ends(recs);
  if (all.size === 0) return { pass: false, detail: "no device was in a firmware-update campaign" };
  const problems: string[] = [];
  const tally = new Map<string, number>();
  for (const [name, e] of all) {
    tally.set(e.state, (tally.get(e.state) ?? 0) + 1);
    if (!ENDED.has(e.state)) problems.push(`${describe(name, e)} (not ended)`);
    else if (e.state !== "reported" && !e.reason)
      problems.push(`${describe(name, e)} without a reason`);
    else if (!heardAfter(recs, name, e)) problems.push(`${describe(name, e)}, never heard after`);
  }
  const counts = [...tally].map(([k, n]) => `${n} ${k}`).join(", ");
  return problems.length === 0
    ? { pass: true, detail: `${all.size} devices ended (${counts}), each heard after` }
    : {
        pass: false,
        detail: `${problems.length} of ${all.size}: ${problems.slice(0, 6).join("; ")}${problems.length > 6 ? "; ..." : ""}`,
      };
}
