import type { MqttClient } from "mqtt";
import { describe, expect, it } from "vitest";
import { MemoryOutbox } from "../outbox/memory-outbox.js";
import {
  type OutboxCursor,
  type OutboxItem,
  type OutboxWalk,
  PRIORITY_ALARM,
  PRIORITY_TELEMETRY,
  type Priority,
} from "../types.js";
import { type DrainConnection, Drainer, type DrainStats } from "./drain.js";

/** A client whose PUBACKs arrive when the test says so. */
class HeldAcks {
  readonly sent: string[] = [];
  private readonly waiting: Array<(err?: Error) => void> = [];
  publish(_topic: string, payload: string, _opts: unknown, cb: (err?: Error) => void): void {
    this.sent.push(payload);
    this.waiting.push(cb);
  }
  end(): void {}
  /** The oldest `n` publishes get their PUBACK. */
  ack(n = 1): void {
    for (const cb of this.waiting.splice(0, n)) cb();
  }
  inFlight(): number {
    return this.waiting.length;
  }
}

/** The memory outbox, counting its queries. */
class CountingOutbox extends MemoryOutbox {
  walks = 0;
  override walk(from: OutboxCursor | undefined, limit: number, below?: Priority): OutboxWalk {
    this.walks++;
    return super.walk(from, limit, below);
  }
}

const item = (n: number, priority: Priority = PRIORITY_TELEMETRY): OutboxItem => ({
  priority,
  topic: "t",
  payload: `p${n}`,
  key: `k${n}`,
  createdAt: n,
});

/** Lets the drainer's loop run until nothing changes any more. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

function start(outbox: CountingOutbox, window: number) {
  const client = new HeldAcks();
  let running = true;
  let close: () => void = () => {};
  const conn: DrainConnection = {
    client: client as unknown as MqttClient,
    connectedAt: 0,
    window,
    closed: false,
    onClose: new Promise<void>((r) => {
      close = r;
    }),
  };
  const stats: DrainStats = { published: 0, acked: 0, unacked: 0, historical: 0, removeBatches: 0 };
  const drainer = new Drainer({ outbox, stats, running: () => running, pollMs: 60_000 }, conn);
  const done = drainer.run();
  const stop = async () => {
    running = false;
    conn.closed = true;
    close();
    drainer.refresh();
    await done;
  };
  return { client, drainer, stats, stop };
}

describe("Drainer", () => {
  it("does not query the outbox again on each PUBACK once a walk found its end, until a commit", async () => {
    const outbox = new CountingOutbox();
    outbox.append([1, 2, 3, 4].map((n) => item(n)));
    const d = start(outbox, 8);
    await settle();
    expect(d.client.sent).toEqual(["p1", "p2", "p3", "p4"]);
    const walksAfterSend = outbox.walks;
    // Three PUBACKs with nothing new committed: no look at the outbox.
    d.client.ack(1);
    await settle();
    d.client.ack(1);
    await settle();
    d.client.ack(1);
    await settle();
    expect(outbox.walks).toBe(walksAfterSend);
    // A commit (refresh) with a new entry: it is found and sent, though one publish is in flight.
    outbox.append([item(5)]);
    d.drainer.refresh();
    await settle();
    expect(d.client.sent.at(-1)).toBe("p5");
    expect(outbox.walks).toBeGreaterThan(walksAfterSend);
    d.client.ack(2);
    await settle();
    expect(d.stats.acked).toBe(5);
    await d.stop();
    expect(outbox.depth()).toBe(0);
  });

  it("sends an alarm committed while telemetry is in flight ahead of the telemetry still waiting", async () => {
    const outbox = new CountingOutbox();
    outbox.append([1, 2, 3, 4, 5, 6].map((n) => item(n)));
    const d = start(outbox, 2);
    await settle();
    expect(d.client.sent).toEqual(["p1", "p2"]);
    outbox.append([item(7, PRIORITY_ALARM)]);
    d.drainer.refresh();
    await settle();
    // The alarm takes its reserve at once, before p3..p6.
    expect(d.client.sent).toEqual(["p1", "p2", "p7"]);
    for (let i = 0; i < 6; i++) {
      d.client.ack(1);
      await settle();
    }
    expect(d.client.sent).toEqual(["p1", "p2", "p7", "p3", "p4", "p5", "p6"]);
    d.client.ack(d.client.inFlight());
    await settle();
    await d.stop();
    expect(outbox.depth()).toBe(0);
  });

  it("looks at the outbox again once idle, so the periodic poll still finds what came without a refresh", async () => {
    const outbox = new CountingOutbox();
    outbox.append([item(1), item(2)]);
    const d = start(outbox, 4);
    await settle();
    d.client.ack(1);
    await settle();
    const dryWalks = outbox.walks;
    // Written without a refresh while one publish is in flight: not looked for yet.
    outbox.append([item(3)]);
    d.client.ack(1);
    await settle();
    // Idle now: the drainer looked again and found it.
    expect(outbox.walks).toBeGreaterThan(dryWalks);
    expect(d.client.sent).toEqual(["p1", "p2", "p3"]);
    d.client.ack(1);
    await settle();
    await d.stop();
    expect(outbox.depth()).toBe(0);
  });
});
