/**
 * Turns a Deframer's cumulative stats into pipeline counters: a bad CRC or
 * oversize run is one dropped frame; a bad escape is a malformed frame; a
 * read that contained bytes outside any frame counts once as "garbage" (the
 * byte total is kept as well).
 */
import type { DeframerStats } from "../../protocol/framing.js";
import type { StageCounters } from "../pipeline/stage-counters.js";

export class DeframeCounter {
  private last: DeframerStats = {
    frames: 0,
    garbageBytes: 0,
    badCrc: 0,
    oversize: 0,
    badEscape: 0,
  };
  garbageBytes = 0;

  constructor(private readonly counters: StageCounters) {}

  /** Starts over for a new Deframer. */
  reset(): void {
    this.last = { frames: 0, garbageBytes: 0, badCrc: 0, oversize: 0, badEscape: 0 };
  }

  /** Call after each push with the deframer's stats. */
  update(s: DeframerStats): void {
    const l = this.last;
    const c = this.counters;
    if (s.badCrc > l.badCrc) c.drop("bad-crc", s.badCrc - l.badCrc);
    if (s.oversize > l.oversize) c.drop("oversize", s.oversize - l.oversize);
    if (s.badEscape > l.badEscape) {
      c.drop("malformed", s.badEscape - l.badEscape);
      for (let i = l.badEscape; i < s.badEscape; i++) c.malformedDetail("escape");
    }
    if (s.garbageBytes > l.garbageBytes) {
      c.drop("garbage");
      this.garbageBytes += s.garbageBytes - l.garbageBytes;
    }
    l.frames = s.frames;
    l.garbageBytes = s.garbageBytes;
    l.badCrc = s.badCrc;
    l.oversize = s.oversize;
    l.badEscape = s.badEscape;
  }
}
