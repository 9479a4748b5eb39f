import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../common/log.js";
import { waitFor } from "../../tests/support/services.js";
import { electAdopter, PeerWatch, parsePresence } from "./peer-watch.js";
import type { PresenceState } from "./shared-subscriber.js";

describe("peer sessions", () => {
  it("elects the lowest client id among the instances that are up", () => {
    const states = new Map<string, PresenceState>([
      ["b-1", "up"],
      ["a-9", "crashed"],
      ["c-2", "up"],
    ]);
    expect(electAdopter(states, "c-0")).toBe("b-1");
    expect(electAdopter(states, "a-0")).toBe("a-0");
  });

  it("reads presence payloads and refuses anything else", () => {
    expect(parsePresence(Buffer.from('{"instance":"x","state":"crashed","ts":1}'))).toEqual({
      instance: "x",
      state: "crashed",
    });
    expect(parsePresence(Buffer.from('{"instance":"x","state":"sleepy"}'))).toBeUndefined();
    expect(parsePresence(Buffer.from("{"))).toBeUndefined();
  });

  it("adopts a crashed peer after the delay, unless it comes back first", async () => {
    const adopted: string[] = [];
    const w = new PeerWatch(
      "a",
      20,
      async (p) => {
        adopted.push(p);
        return true;
      },
      memoryLogger(),
    );
    w.onPresence("b", "crashed");
    w.onPresence("c", "crashed");
    w.onPresence("c", "up");
    await waitFor(() => (adopted.length > 0 ? true : undefined), "adoption");
    expect(adopted).toEqual(["b"]);
    w.stop();
  });
});
