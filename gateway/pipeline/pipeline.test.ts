import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deframeAll } from "../../protocol/framing.js";
import type { UplinkEnvelope } from "../../protocol/uplink.js";
import { tmpDir } from "../../tests/support/services.js";
import { CounterStore } from "../dedup/counter-store.js";
import { CounterTable } from "../dedup/counter-table.js";
import { GroupCommitter } from "../outbox/group-committer.js";
import { SqliteOutbox } from "../outbox/sqlite-outbox.js";
import { nodeHmac } from "../registry/keys.js";
import { DeviceRegistry } from "../registry/registry.js";
import { type GatewayDatabase, openGatewayDatabase } from "../storage/database.js";
import { ACK, framed, keyOf, rawFrame, smokeAlarmMsg, statusMsg } from "../testing/frames.js";
import { VirtualClock } from "../testing/virtual-clock.js";
import type { AcceptedMessage } from "../types.js";
import { toOutboxItem } from "./envelope.js";
import { type AcceptedWork, Pipeline } from "./pipeline.js";
import { RateLimiter } from "./rate-limit.js";
import { StageCounters } from "./stage-counters.js";

const DEV = 0x00a1b2c3;
const KEY = keyOf(1);
const ID = { site: "s1", gateway: "g1" };

function frame(counter: number, msg = statusMsg(), flags = 0, key = KEY, dev = DEV) {
  return deframeAll(framed(dev, counter, msg, key, flags)).frames[0]!;
}

describe("Pipeline", () => {
  let dir: ReturnType<typeof tmpDir>;
  let db: GatewayDatabase;
  let clock: VirtualClock;
  let counters: StageCounters;
  let outbox: SqliteOutbox;
  let registry: DeviceRegistry;
  let windows: CounterTable;
  let pipeline: Pipeline;
  let acks: Array<{ counter: number; receiver: string; depthAtAck: number }>;
  let accepted: AcceptedMessage[];
  let pending: number[];
  let committer: GroupCommitter<AcceptedWork>;

  function build(
    opts: {
      mergeWindowMs?: number;
      perSecond?: number;
      burst?: number;
      mergesCopies?: (receiver: string) => boolean;
    } = {},
  ) {
    counters = new StageCounters();
    windows = new CounterTable();
    const store = new CounterStore(db);
    store.loadInto(windows);
    outbox = new SqliteOutbox(db);
    committer = new GroupCommitter<AcceptedWork>({
      scheduler: clock,
      intervalMs: 4,
      commit: db.transaction((batch: AcceptedWork[]) => {
        outbox.append(batch.flatMap((w) => (w.message ? [toOutboxItem(w.message, ID)] : [])));
        store.save(batch.map((w) => w.window));
      }),
    });
    acks = [];
    accepted = [];
    pending = [];
    pipeline = new Pipeline(
      {
        lookup: (id) => registry.get(id),
        notePending: (id) => pending.push(id),
        noteHeard: (id, r, now) => registry.noteHeard(id, r, now),
        windows,
        limiter: new RateLimiter({ perSecond: opts.perSecond ?? 100, burst: opts.burst ?? 100 }),
        hmac: nodeHmac,
        counters,
        commit: (w, done) => committer.submit(w, done),
        onAccepted: (m) => accepted.push(m),
        onHeard: () => {},
        ack: (_id, counter, receiver) =>
          acks.push({ counter, receiver, depthAtAck: outbox.depth() }),
        scheduler: clock,
        clock: clock.now,
      },
      {
        mergeWindowMs: opts.mergeWindowMs ?? 20,
        ...(opts.mergesCopies ? { mergesCopies: opts.mergesCopies } : {}),
      },
    );
  }

  beforeEach(() => {
    dir = tmpDir("haitang-pipe-");
    db = openGatewayDatabase(join(dir.path, "gw.db"));
    clock = new VirtualClock();
    registry = new DeviceRegistry(db);
    registry.register(
      { deviceId: DEV, kind: "smoke", key: KEY, building: "b1", location: "101" },
      clock.now(),
    );
    build();
  });

  afterEach(() => {
    db.close();
    dir.remove();
  });

  it("accepts a valid frame, commits it, and acks only after the commit", () => {
    pipeline.handleFrame(frame(1, smokeAlarmMsg(), ACK), { receiver: "serial:a" }, clock.now());
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({
      deviceId: DEV,
      counter: 1,
      building: "b1",
      location: "101",
    });
    expect(acks).toEqual([]);
    expect(outbox.depth()).toBe(0);
    clock.advance(100);
    expect(outbox.depth()).toBe(1);
    expect(acks).toEqual([{ counter: 1, receiver: "serial:a", depthAtAck: 1 }]);
    expect(counters.accepted).toBe(1);
  });

  it("commits a frame of a receiver without copies at once, without the merge window's wait", () => {
    build({ mergesCopies: (r) => r !== "mqtt" });
    pipeline.handleFrame(frame(1, smokeAlarmMsg(), ACK), { receiver: "mqtt" }, clock.now());
    clock.advance(5); // the commit interval, far less than the 20 ms merge window
    expect(outbox.depth()).toBe(1);
    expect(acks).toEqual([{ counter: 1, receiver: "mqtt", depthAtAck: 1 }]);
    pipeline.handleFrame(frame(2), { receiver: "serial:a" }, clock.now());
    clock.advance(5);
    expect(outbox.depth()).toBe(1); // a radio frame still waits for copies
    clock.advance(30);
    expect(outbox.depth()).toBe(2);
  });

  it("merges copies from two receivers into one message that keeps each receiver's RSSI", () => {
    pipeline.handleFrame(frame(5), { receiver: "serial:a", rssi: -80 }, clock.now());
    clock.advance(3);
    pipeline.handleFrame(frame(5), { receiver: "serial:b", rssi: -62 }, clock.now());
    clock.advance(100);
    const entries = outbox.peek(10);
    expect(entries).toHaveLength(1);
    const env = JSON.parse(entries[0]!.payload) as UplinkEnvelope;
    expect(env.receivers).toEqual([
      { receiver: "serial:a", rssi: -80 },
      { receiver: "serial:b", rssi: -62 },
    ]);
    expect(counters.merged).toBe(1);
    expect(counters.dropped.duplicate).toBe(1);
  });

  it("rejects and counts forged, replayed, corrupt, unknown and wrong-direction frames", () => {
    const r = { receiver: "serial:a" };
    pipeline.handleFrame(frame(100), r, clock.now());
    pipeline.handleFrame(frame(101, statusMsg(), 0, keyOf(99)), r, clock.now()); // forged: wrong key
    pipeline.handleFrame(frame(100 - 64), r, clock.now()); // below the window: replay
    const corrupt = rawFrame(DEV, 102, statusMsg(), KEY);
    pipeline.handleFrame(corrupt.subarray(0, corrupt.length - 3), r, clock.now()); // truncated
    pipeline.handleFrame(frame(1, statusMsg(), 0, keyOf(5), 0x0badf00d), r, clock.now()); // unknown id
    pipeline.handleFrame(frame(103, { type: "ack", ackedCounter: 1 }), r, clock.now());
    const tampered = rawFrame(DEV, 104, statusMsg(), KEY);
    tampered[12] = tampered[12]! ^ 0x01;
    pipeline.handleFrame(tampered, r, clock.now());
    expect(counters.accepted).toBe(1);
    expect(counters.dropped["bad-mac"]).toBe(2);
    expect(counters.dropped.replayed).toBe(1);
    expect(counters.dropped.malformed).toBe(1);
    expect(counters.dropped["unknown-device"]).toBe(1);
    expect(counters.dropped["wrong-direction"]).toBe(1);
    expect(pending).toEqual([0x0badf00d]);
    expect(counters.received).toBe(7);
  });

  it("drops frames of a decommissioned device", () => {
    registry.decommission(DEV);
    pipeline.handleFrame(frame(1), { receiver: "serial:a" }, clock.now());
    expect(counters.dropped.decommissioned).toBe(1);
    expect(accepted).toHaveLength(0);
  });

  it("acks a retransmission again once the first copy is durable, without a second entry", () => {
    pipeline.handleFrame(frame(7, smokeAlarmMsg(), ACK), { receiver: "serial:a" }, clock.now());
    clock.advance(1);
    // the device re-signs a retransmission with FLAG_RETRANSMISSION set and the same counter
    const retry = frame(7, smokeAlarmMsg(), ACK | 0x2);
    pipeline.handleFrame(retry, { receiver: "serial:a" }, clock.now());
    expect(acks).toHaveLength(0);
    clock.advance(100);
    expect(outbox.depth()).toBe(1);
    expect(acks.map((a) => a.counter)).toEqual([7]);
    pipeline.handleFrame(frame(7, smokeAlarmMsg(), ACK), { receiver: "serial:a" }, clock.now());
    expect(acks.map((a) => a.counter)).toEqual([7, 7]);
    expect(outbox.depth()).toBe(1);
  });

  it("acks a retry sent with a fresh counter and the same payload, without storing or ruling on it again", () => {
    pipeline.handleFrame(frame(20, smokeAlarmMsg(4), ACK), { receiver: "serial:a" }, clock.now());
    clock.advance(1);
    // firmware retries: new counter, FLAG_RETRANSMISSION, same eventId and payload
    pipeline.handleFrame(
      frame(21, smokeAlarmMsg(4), ACK | 0x2),
      { receiver: "serial:b" },
      clock.now(),
    );
    expect(acks).toHaveLength(0);
    clock.advance(100);
    expect(outbox.depth()).toBe(1);
    expect(accepted).toHaveLength(1);
    expect(acks.map((a) => a.counter).sort()).toEqual([20, 21]);
    expect(counters.retransmissions).toBe(1);
    // the retry's counter is used now: sent again it is a duplicate
    pipeline.handleFrame(
      frame(21, smokeAlarmMsg(4), ACK | 0x2),
      { receiver: "serial:b" },
      clock.now(),
    );
    expect(counters.dropped.duplicate).toBe(2);
    // a retry of a different message is a new message
    pipeline.handleFrame(
      frame(22, smokeAlarmMsg(5), ACK | 0x2),
      { receiver: "serial:b" },
      clock.now(),
    );
    expect(accepted).toHaveLength(2);
  });

  it("rate-limits a flooding device without touching the others", () => {
    build({ perSecond: 1, burst: 5 });
    registry.register({ deviceId: 0x42, kind: "charger", key: keyOf(2) }, clock.now());
    for (let i = 1; i <= 50; i++)
      pipeline.handleFrame(frame(i), { receiver: "serial:a" }, clock.now());
    pipeline.handleFrame(
      frame(1, statusMsg(), 0, keyOf(2), 0x42),
      { receiver: "serial:a" },
      clock.now(),
    );
    expect(counters.dropped["rate-limited"]).toBe(45);
    expect(accepted.filter((m) => m.deviceId === DEV)).toHaveLength(5);
    expect(accepted.filter((m) => m.deviceId === 0x42)).toHaveLength(1);
    // a rate-limited counter is not burnt: the device may send it again later
    clock.advance(2_000);
    pipeline.handleFrame(frame(6), { receiver: "serial:a" }, clock.now());
    expect(accepted.filter((m) => m.deviceId === DEV)).toHaveLength(6);
  });

  it("does not reopen replays after a restart: windows are stored with the entries they admitted", () => {
    for (let i = 1; i <= 3; i++)
      pipeline.handleFrame(frame(i), { receiver: "serial:a" }, clock.now());
    clock.advance(100);
    build(); // a fresh pipeline on the same database, as after a restart
    pipeline.handleFrame(frame(2), { receiver: "serial:a" }, clock.now());
    pipeline.handleFrame(frame(4), { receiver: "serial:a" }, clock.now());
    expect(counters.dropped.duplicate).toBe(1);
    expect(counters.accepted).toBe(1);
  });

  it("does not ack a frame whose commit failed, and acks it once a retry commits", () => {
    let fail = true;
    const inner = committer;
    committer = new GroupCommitter<AcceptedWork>({
      scheduler: clock,
      commit: (batch) => {
        if (fail) throw new Error("disk I/O error");
        outbox.append(batch.flatMap((w) => (w.message ? [toOutboxItem(w.message, ID)] : [])));
      },
    });
    pipeline.handleFrame(frame(9, smokeAlarmMsg(), ACK), { receiver: "serial:a" }, clock.now());
    clock.advance(100);
    expect(acks).toHaveLength(0);
    expect(counters.commitFailures).toBe(1);
    fail = false;
    clock.advance(2_000);
    expect(acks.map((a) => a.counter)).toEqual([9]);
    expect(outbox.depth()).toBe(1);
    inner.close();
  });
});
