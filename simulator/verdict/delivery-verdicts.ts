/**
 * Did every event a device sent reach the gateway? An event (charger session
 * start, cut, refusal; smoke alarm...) goes out with "ack requested" and is
 * retried with fresh counters until acknowledged; it reached the gateway when
 * any attempt arrived there intact. Attempts are tied together by their
 * payload: a retry repeats the first attempt's message. Pure:
 * (scenario, records) -> result.
 */
import type { CaseResult } from "../report/junit.js";
import type { TraceRecord } from "../report/trace.js";
import type { Scenario } from "../scenario/load-scenario.js";

type Args = Record<string, unknown>;
type Result = Omit<CaseResult, "name">;

interface Sent {
  what: string;
  t: number;
  counters: number[];
}

/** Every event of `a.device` (or of every device of `a.kind`, default every device) reached the gateway intact. */
export function eventsDeliveredVerdict(
  sc: Scenario,
  recs: readonly TraceRecord[],
  a: Args,
): Result {
  const names = new Set(
    sc.site.devices
      .filter((d) => (a.device ? d.id === a.device : !a.kind || d.kind === a.kind))
      .map((d) => d.id),
  );
  const sent = new Map<string, Sent[]>();
  const open = new Map<string, Sent>();
  const arrived = new Map<string, Set<number>>();
  for (const r of recs) {
    const dev = r.device as string;
    if (!names.has(dev)) continue;
    if (r.src === "link" && r.event === "to-gateway" && r.intact === true) {
      const s = arrived.get(dev) ?? new Set<number>();
      s.add(r.counter as number);
      arrived.set(dev, s);
      continue;
    }
    if (r.src !== "device" || r.event !== "uplink" || r.ackRequested !== true) continue;
    const what = JSON.stringify(r.msg);
    const key = `${dev} ${what}`;
    const known = open.get(key);
    if (r.retransmission === true && known) {
      known.counters.push(r.counter as number);
      continue;
    }
    const s: Sent = {
      what: `${String(r.name ?? r.type)} at ${(r.t / 1000).toFixed(1)} s`,
      t: r.t,
      counters: [r.counter as number],
    };
    open.set(key, s);
    sent.set(dev, [...(sent.get(dev) ?? []), s]);
  }
  let total = 0;
  const missing: string[] = [];
  for (const [dev, list] of sent)
    for (const s of list) {
      total++;
      const got = arrived.get(dev);
      if (!s.counters.some((c) => got?.has(c))) missing.push(`${dev} ${s.what}`);
    }
  const who = a.device ? String(a.device) : `${names.size} devices`;
  if (total === 0) return { pass: false, detail: `${who} sent no event` };
  if (missing.length === 0)
    return { pass: true, detail: `all ${total} events of ${who} reached the gateway intact` };
  return {
    pass: false,
    detail: `${missing.length} of ${total} events of ${who} never reached the gateway: ${missing.slice(0, 6).join("; ")}${missing.length > 6 ? "; ..." : ""}`,
  };
}
