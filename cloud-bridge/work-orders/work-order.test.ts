import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { allowReport, type LimitState } from "./report-limit.js";
import {
  applyStep,
  DEFAULT_POLICY,
  escalationDue,
  type WorkOrder,
  type WorkOrderPolicy,
} from "./work-order.js";
import { WorkOrderBook } from "./work-order-book.js";

const T0 = Date.UTC(2026, 11, 4, 8, 0, 0);
const MIN = 60_000;
const policy: WorkOrderPolicy = DEFAULT_POLICY;

function order(over: Partial<WorkOrder> = {}): WorkOrder {
  return {
    id: "wo-00001",
    site: "s",
    source: { kind: "alarm", alarmId: "a1", alarmKind: "fire" },
    severity: "critical",
    title: "fire",
    place: "b1 flat 101",
    state: "assigned",
    assignee: "wang",
    createdAt: T0,
    deadlineAt: T0 + 15 * MIN,
    level: 0,
    updatedAt: T0,
    steps: [{ at: T0, what: "created", by: "ops" }],
    ...over,
  };
}

describe("work order steps", () => {
  it("goes assigned -> on the way -> on site -> resolved -> closed, recording who and when", () => {
    let o = order();
    for (const [to, at] of [
      ["on-the-way", 1],
      ["on-site", 5],
      ["resolved", 9],
      ["closed", 12],
    ] as const) {
      const r = applyStep(o, { to, by: "wang", note: `${to} note` }, T0 + at * MIN);
      expect(r.ok).toBe(true);
      if (r.ok) o = r.order;
    }
    expect(o.state).toBe("closed");
    expect(o.steps.map((s) => s.what)).toEqual([
      "created",
      "on-the-way",
      "on-site",
      "resolved",
      "closed",
    ]);
    expect(o.steps[3]).toMatchObject({ at: T0 + 9 * MIN, by: "wang", note: "resolved note" });
  });

  it("refuses a step out of order and leaves the order as it was", () => {
    const o = order();
    const r = applyStep(o, { to: "resolved", by: "wang" }, T0 + MIN);
    expect(r).toEqual({
      ok: false,
      reason: "a work order that is assigned cannot become resolved",
    });
    const closed = order({ state: "closed" });
    expect(applyStep(closed, { to: "assigned", by: "x", assignee: "y" }, T0).ok).toBe(false);
    expect(o.steps).toHaveLength(1);
  });

  it("needs an assignee to assign and text or a photo for a note", () => {
    expect(applyStep(order({ state: "open" }), { to: "assigned", by: "ops" }, T0).ok).toBe(false);
    expect(applyStep(order(), { to: "note", by: "wang" }, T0).ok).toBe(false);
    const r = applyStep(
      order(),
      { to: "note", by: "wang", photo: "data:image/png;base64,AA==" },
      T0,
    );
    expect(r.ok && r.order.state).toBe("assigned");
  });
});

describe("work order escalation", () => {
  it("escalates one level when the deadline passes, with a new deadline, and stops after the last level", () => {
    const o = order();
    expect(escalationDue(o, T0 + 15 * MIN - 1, policy)).toBeUndefined();
    const first = escalationDue(o, T0 + 15 * MIN, policy);
    expect(first).toEqual({
      level: 1,
      escalatedTo: "grid-leader",
      deadlineAt: T0 + 30 * MIN,
    });
    const second = escalationDue(
      { ...o, level: 1, deadlineAt: T0 + 30 * MIN },
      T0 + 31 * MIN,
      policy,
    );
    expect(second?.escalatedTo).toBe("community-office");
    expect(escalationDue({ ...o, level: 2 }, T0 + 99 * MIN, policy)).toBeUndefined();
  });

  it("never escalates a resolved or closed order", () => {
    expect(escalationDue(order({ state: "resolved" }), T0 + 99 * MIN, policy)).toBeUndefined();
    expect(escalationDue(order({ state: "closed" }), T0 + 99 * MIN, policy)).toBeUndefined();
  });

  it("gives each severity its own deadline", () => {
    const book = new WorkOrderBook(policy, undefined);
    const base = { site: "s", title: "t", place: "p", by: "ops" } as const;
    const src = { kind: "report", reporter: "resident" } as const;
    expect(book.create({ ...base, source: src, severity: "critical" }, T0).deadlineAt).toBe(
      T0 + 15 * MIN,
    );
    expect(book.create({ ...base, source: src, severity: "minor" }, T0).deadlineAt).toBe(
      T0 + 240 * MIN,
    );
  });
});

describe("the work order book", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("survives a restart: orders, steps, photos and escalations come back from the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "wo-"));
    dirs.push(dir);
    const file = join(dir, "work-orders.jsonl");
    const a = new WorkOrderBook(policy, file);
    const o = a.create(
      {
        site: "s",
        source: { kind: "alarm", alarmId: "a1", alarmKind: "fire" },
        severity: "critical",
        title: "fire",
        place: "b1",
        by: "ops",
        assignee: "wang",
      },
      T0,
    );
    a.step("s", o.id, { to: "on-the-way", by: "wang" }, T0 + MIN);
    a.step(
      "s",
      o.id,
      { to: "note", by: "wang", photo: "data:image/png;base64,AA==" },
      T0 + 2 * MIN,
    );
    expect(a.escalateDue(T0 + 16 * MIN).map((x) => x.id)).toEqual([o.id]);
    // A crash tore the last line.
    writeFileSync(file, `${readFileSync(file, "utf8")}{"id":"wo-0`);

    const b = new WorkOrderBook(policy, file);
    expect(b.skipped).toBe(1);
    const back = b.get("s", o.id)!;
    expect(back.state).toBe("on-the-way");
    expect(back.level).toBe(1);
    expect(back.steps.map((s) => s.what)).toEqual([
      "created",
      "assigned",
      "on-the-way",
      "note",
      "escalated",
    ]);
    expect(back.steps[3]!.photo).toBe("data:image/png;base64,AA==");
    // New ids continue after the replayed ones.
    const next = b.create(
      {
        site: "s",
        source: { kind: "report", reporter: "r" },
        severity: "minor",
        title: "t",
        place: "p",
        by: "r",
      },
      T0,
    );
    expect(next.id).not.toBe(o.id);
    expect(b.list("s", T0, { assignee: "wang" }).map((x) => x.id)).toEqual([o.id]);
    expect(b.get("other-site", o.id)).toBeUndefined();
  });

  it("lists overdue orders first", () => {
    const book = new WorkOrderBook(policy, undefined);
    const src = { kind: "report", reporter: "r" } as const;
    const late = book.create(
      { site: "s", source: src, severity: "minor", title: "late", place: "p", by: "r" },
      T0,
    );
    const fresh = book.create(
      { site: "s", source: src, severity: "critical", title: "fresh", place: "p", by: "r" },
      T0 + 239 * MIN,
    );
    expect(book.list("s", T0 + 241 * MIN).map((o) => o.id)).toEqual([late.id, fresh.id]);
    expect(book.openCounts(T0 + 241 * MIN).get("s")).toEqual({ open: 2, overdue: 1 });
  });
});

describe("residents' report rate limit", () => {
  it("allows perHour reports per key in any hour and refuses the next", () => {
    const state: LimitState = new Map();
    const limit = { perHour: 3 };
    expect([0, 1, 2, 3].map((i) => allowReport(state, "s|1.2.3.4", T0 + i * MIN, limit))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(allowReport(state, "s|5.6.7.8", T0 + 4 * MIN, limit)).toBe(true);
    expect(allowReport(state, "s|1.2.3.4", T0 + 61 * MIN, limit)).toBe(true);
  });
});
