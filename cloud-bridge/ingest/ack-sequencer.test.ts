import { describe, expect, it } from "vitest";
import { AckSequencer } from "./ack-sequencer.js";

describe("AckSequencer", () => {
  it("acknowledges in arrival order, each only once it is done", () => {
    const sent: number[] = [];
    const s = new AckSequencer((id) => sent.push(id));
    const a = s.register(1);
    const b = s.register(2);
    const c = s.register(3);
    s.complete(c);
    s.complete(b);
    expect(sent).toEqual([]);
    s.complete(a);
    expect(sent).toEqual([1, 2, 3]);
    s.complete(a);
    expect(sent).toEqual([1, 2, 3]);
    expect(s.pending).toBe(0);
  });

  it("never acknowledges a message of a dropped connection", () => {
    const sent: number[] = [];
    const s = new AckSequencer((id) => sent.push(id));
    const old = s.register(5);
    expect(s.reset()).toBe(1);
    const fresh = s.register(5);
    s.complete(old);
    expect(sent).toEqual([]);
    s.complete(fresh);
    expect(sent).toEqual([5]);
  });

  it("keeps going over many messages", () => {
    let n = 0;
    const s = new AckSequencer(() => n++);
    for (let i = 0; i < 5000; i++) s.complete(s.register(i % 65535));
    expect(n).toBe(5000);
  });
});
