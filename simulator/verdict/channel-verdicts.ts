/**
 * Channel load: the airtime offered in the busiest 10 s of each receiver's
 * radio channel (or RS-485 bus) as a share of the line, from the run's
 * "channels" record. A line offered more than it carries loses frames to
 * collisions and queues its downlinks, so a scenario can bound it. Pure:
 * (records, args) -> result.
 */
import type { CaseResult } from "../report/junit.js";
import type { TraceRecord } from "../report/trace.js";

type Result = Omit<CaseResult, "name">;

interface ChannelLoad {
  receiver: string;
  peakLoad10s: number;
}

/** Every channel (or `a.receiver` alone) stayed under `a.under` percent in its busiest 10 s. */
export function channelLoadVerdict(
  recs: readonly TraceRecord[],
  a: { receiver?: string; under: number },
): Result {
  const all = (recs.find((r) => r.event === "channels")?.channels ?? []) as ChannelLoad[];
  const chosen = all.filter((c) => a.receiver === undefined || c.receiver === a.receiver);
  if (chosen.length === 0)
    return {
      pass: false,
      detail:
        all.length === 0
          ? "the run has no channel with an airtime model (set radio.airtimeBaud or a bus)"
          : `no channel '${a.receiver}' (has: ${all.map((c) => c.receiver).join(", ")})`,
    };
  const pct = (c: ChannelLoad) => Math.round(c.peakLoad10s * 1000) / 10;
  const over = chosen.filter((c) => c.peakLoad10s * 100 >= a.under);
  const each = chosen.map((c) => `${c.receiver} ${pct(c)} %`).join(", ");
  return {
    pass: over.length === 0,
    detail: `busiest 10 s, wanted under ${a.under} % of the line: ${each}`,
  };
}
