/**
 * Who may read a guardian resident's detail. A resident (an elderly person
 * living alone) is shown only to tokens of the resident's site (as every
 * /api/sites/{site} route) whose role is at least `guardian.readRole`
 * (default operator: the duty desk and grid workers who act on it). Other
 * tokens of the site (a viewer: the district cockpit, a shed screen) get 403
 * on the residents, no resident events, and welfare / wandering alarms
 * without their evidence, comments and timeline (who was told, who answered):
 * they still count the alarm, they do not learn about the person.
 */
import type { BridgeConfig } from "../config/types.js";
import type { AlarmView } from "../live/views.js";
import { type Principal, TokenAuth } from "./auth.js";

/** Alarm kinds that are about a resident rather than a device. */
export const RESIDENT_ALARM_KINDS: ReadonlySet<string> = new Set(["welfare", "wandering"]);

export function mayReadResidents(config: BridgeConfig, who: Principal): boolean {
  return TokenAuth.hasRole(who, config.guardian.readRole);
}

/** The alarm as a token without resident access sees it (device alarms unchanged). */
export function redactResidentAlarm<A extends Partial<AlarmView>>(a: A): A {
  if (a.kind === undefined || !RESIDENT_ALARM_KINDS.has(a.kind)) return a;
  const { evidence: _e, comment: _c, acknowledgedBy: _b, ...rest } = a;
  return { ...rest, timeline: [] } as unknown as A;
}
