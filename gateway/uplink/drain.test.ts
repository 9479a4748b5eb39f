import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryOutbox } from "../outbox/memory-outbox.js";
import {
  type OutboxCursor,
  type OutboxItem,
  type OutboxWalk,
  PRIORITY_ALARM,
  PRIORITY_EVENT,
  PRIORITY_TELEMETRY,
  type Priority,
} from "../types.js";
import type { BatchOptions } from "./batch.js";
import { type DrainConnection, Drainer, type DrainStats } from "./drain.js";

/** A client whose PUBACKs arrive when the test says so. */
class HeldAcks {
  readonly sent: string[] = [];
  readonly topics: string[] = [];
  private readonly waiting: Array<(err?: Error) => void> = [];
  publish(topic: string, payload: string, _opts: unknown, cb: (err?: Error) => void): void {
    this.sent.push(payload);
    this.topics.push(topic);
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

/** The memory outbox, counting its queries (walks, and looks for alarms and events). */
class CountingOutbox extends MemoryOutbox {
  walks = 0;
  urgentLooks = 0;
  override walk(from: OutboxCursor | undefined, limit: number, below?: Priority): OutboxWalk {
    this.walks++;
    return super.walk(from, limit, below);
  }
  urgentAfter(seq: number): boolean {
    this.urgentLooks++;
    return this.peek(Number.MAX_SAFE_INTEGER).some(
      (e) => e.priority < PRIORITY_TELEMETRY && e.seq > seq,
    );
  }
}

const item = (n: number, priority: Priority = PRIORITY_TELEMETRY): OutboxItem => ({
  priority,
  topic: "t",
  payload: `p${n}`,
  key: `k${n}`,
  createdAt: n,
});

/** A device envelope as the pipeline writes it (batchable): telemetry of device `dev`, or its alarm. */
const envelope = (n: number, dev: string, alarm = false, event = false): OutboxItem => ({
  priority: alarm ? PRIORITY_ALARM : event ? PRIORITY_EVENT : PRIORITY_TELEMETRY,
  topic: `haitang/v1/s/g/dev/${dev}/${alarm || event ? "event" : "telemetry"}`,
  payload: `{"v":1,"site":"s","n":${n},"seq":0,"counter":${n},"historical":false,"receivers":[]}`,
  key: dev,
  createdAt: 10_000 + n,
});

/** The n of each envelope a publish carried (one, or a batch's). */
const carried = (payload: string): number[] => {
  const m = JSON.parse(payload) as { n?: number; envelopes?: Array<{ n: number }> };
  return m.envelopes ? m.envelopes.map((e) => e.n) : [m.n!];
};

const BATCH: BatchOptions = {
  site: "s",
  gateway: "g",
  maxEntries: 4,
  maxBytes: 32_768,
  maxWaitMs: 50,
};

/** Lets the drainer's loop run until nothing changes any more. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

function start(outbox: CountingOutbox, window: number, pollMs = 60_000, batch?: BatchOptions) {
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
  const drainer = new Drainer(
    { outbox, stats, running: () => running, pollMs, ...(batch ? { batch } : {}) },
    conn,
  );
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

/** A drainer with batches that wait (BATCH), on a clock the test moves. */
async function startBatching() {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  const outbox = new CountingOutbox();
  const d = start(outbox, 8, 60_000, BATCH);
  await settle();
  return { outbox, d };
}

describe("Drainer", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

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

  it("finds an entry written without a refresh at the idle poll, and reads nothing on the PUBACKs before it", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const outbox = new CountingOutbox();
    outbox.append([item(1), item(2)]);
    const d = start(outbox, 4, 250);
    await settle();
    expect(d.client.sent).toEqual(["p1", "p2"]);
    const walks = outbox.walks;
    // Written without a refresh while publishes are in flight: PUBACKs and going idle do not look.
    outbox.append([item(3)]);
    d.client.ack(2);
    await settle();
    expect(d.stats.acked).toBe(2);
    expect(outbox.walks).toBe(walks);
    expect(d.client.sent).toEqual(["p1", "p2"]);
    // The idle poll looks again and finds it.
    vi.advanceTimersByTime(250);
    await settle();
    expect(outbox.walks).toBeGreaterThan(walks);
    expect(d.client.sent).toEqual(["p1", "p2", "p3"]);
    d.client.ack(1);
    await settle();
    await d.stop();
    expect(outbox.depth()).toBe(0);
  });

  it("reads the outbox twice for an entry committed at a quiet site: one look for alarms, one walk", async () => {
    const outbox = new CountingOutbox();
    const d = start(outbox, 8);
    await settle();
    for (let n = 1; n <= 3; n++) {
      const before = { walks: outbox.walks, looks: outbox.urgentLooks };
      outbox.append([item(n)]);
      d.drainer.refresh();
      await settle();
      expect(d.client.sent.at(-1)).toBe(`p${n}`);
      // Its PUBACK, the removal and going idle read nothing more.
      d.client.ack(1);
      await settle();
      expect(d.stats.acked).toBe(n);
      expect(outbox.walks - before.walks).toBe(1);
      expect(outbox.urgentLooks - before.looks).toBe(1);
    }
    await d.stop();
    expect(outbox.depth()).toBe(0);
  });

  it("holds a batch that is not full for maxWaitMs, and what is committed meanwhile joins it", async () => {
    const { outbox, d } = await startBatching();
    outbox.append([envelope(1, "a")]);
    d.drainer.refresh();
    await settle();
    expect(d.client.sent).toEqual([]);
    vi.advanceTimersByTime(30);
    outbox.append([envelope(2, "b")]);
    d.drainer.refresh();
    await settle();
    expect(d.client.sent).toEqual([]);
    // 50 ms after the first began to wait: both go, in one message.
    vi.advanceTimersByTime(20);
    await settle();
    expect(d.client.sent.map(carried)).toEqual([[1, 2]]);
    expect(d.client.topics).toEqual(["haitang/v1/s/g/batch"]);
    d.client.ack(1);
    await settle();
    expect(d.stats.acked).toBe(2);
    await d.stop();
    expect(outbox.depth()).toBe(0);
  });

  it("sends a full batch at once, and the rest waits from when it began to wait", async () => {
    const { outbox, d } = await startBatching();
    outbox.append([1, 2, 3].map((n) => envelope(n, `d${n}`)));
    d.drainer.refresh();
    await settle();
    expect(d.client.sent).toEqual([]);
    vi.advanceTimersByTime(10);
    outbox.append([4, 5].map((n) => envelope(n, `d${n}`)));
    d.drainer.refresh();
    await settle();
    // Four fill a batch: it goes now; the fifth waits the 40 ms left.
    expect(d.client.sent.map(carried)).toEqual([[1, 2, 3, 4]]);
    vi.advanceTimersByTime(39);
    await settle();
    expect(d.client.sent.map(carried)).toEqual([[1, 2, 3, 4]]);
    vi.advanceTimersByTime(1);
    await settle();
    expect(d.client.sent.map(carried)).toEqual([[1, 2, 3, 4], [5]]);
    d.client.ack(2);
    await settle();
    await d.stop();
    expect(outbox.depth()).toBe(0);
  });

  it("never holds an alarm: one committed while telemetry waits goes at once, after its own device's telemetry", async () => {
    const { outbox, d } = await startBatching();
    outbox.append([envelope(1, "a"), envelope(2, "b")]);
    d.drainer.refresh();
    await settle();
    expect(d.client.sent).toEqual([]);
    outbox.append([envelope(3, "b", true)]);
    d.drainer.refresh();
    await settle();
    // No time passed: the alarm went, behind b's telemetry (per-device order); a's waits on.
    expect(d.client.sent.map(carried)).toEqual([[2], [3]]);
    expect(d.client.topics[1]).toBe("haitang/v1/s/g/dev/b/event");
    vi.advanceTimersByTime(50);
    await settle();
    expect(d.client.sent.map(carried)).toEqual([[2], [3], [1]]);
    d.client.ack(3);
    await settle();
    expect(d.stats.acked).toBe(3);
    await d.stop();
    expect(outbox.depth()).toBe(0);
  });

  it("sends a waiting event once when telemetry committed after it joins its batch (the event was read out of walk order)", async () => {
    const { outbox, d } = await startBatching();
    // An event (a port cut): the look for alarms and events puts it on the queue; it may wait.
    outbox.append([envelope(1, "a", false, true)]);
    d.drainer.refresh();
    await settle();
    expect(d.client.sent).toEqual([]);
    // The drain went idle meanwhile, so the next walk starts at the outbox's start, where the event is.
    outbox.append([envelope(2, "a")]);
    d.drainer.refresh();
    await settle();
    vi.advanceTimersByTime(50);
    await settle();
    expect(d.client.sent.map(carried)).toEqual([[1, 2]]);
    d.client.ack(1);
    await settle();
    expect(d.stats.published).toBe(2);
    expect(d.stats.acked).toBe(2);
    await d.stop();
    expect(outbox.depth()).toBe(0);
  });
});
