/**
 * Every site's work orders, in memory for the API and, when
 * `workOrders.file` is set, in a JSON-lines file that outlives the bridge:
 * each line is the order's header after a change plus the one step that
 * changed it, written and fsynced before the change is answered, and replayed
 * at start. A torn last line (a crash mid-write) is skipped. Time is passed in.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import {
  applyStep,
  byUrgency,
  deadlineFor,
  escalate,
  escalationDue,
  type StepRequest,
  type StepResult,
  type WorkOrder,
  type WorkOrderPolicy,
  type WorkOrderSource,
  type WorkOrderStep,
} from "./work-order.js";

type Line = Omit<WorkOrder, "steps"> & { step: WorkOrderStep };

export interface NewWorkOrder {
  site: string;
  source: WorkOrderSource;
  severity: WorkOrder["severity"];
  title: string;
  place: string;
  by: string;
  note?: string;
  photo?: string;
  /** Assigned at once (an operator dispatching an alarm) or left open (a resident's report). */
  assignee?: string;
}

export class WorkOrderBook {
  private readonly orders = new Map<string, WorkOrder>();
  private seq = 0;
  /** Lines skipped at start because they did not parse (a torn write). */
  readonly skipped: number = 0;

  constructor(
    private readonly policy: WorkOrderPolicy,
    private readonly file: string | undefined,
  ) {
    if (file && existsSync(file)) {
      let skipped = 0;
      for (const text of readFileSync(file, "utf8").split("\n")) {
        if (!text.trim()) continue;
        try {
          this.replay(JSON.parse(text) as Line);
        } catch {
          skipped++;
        }
      }
      this.skipped = skipped;
    }
  }

  private replay(line: Line) {
    const { step, ...header } = line;
    const cur = this.orders.get(header.id);
    this.orders.set(header.id, { ...header, steps: [...(cur?.steps ?? []), step] });
    const n = Number(/-(\d+)$/.exec(header.id)?.[1] ?? 0);
    if (n > this.seq) this.seq = n;
  }

  private commit(o: WorkOrder): WorkOrder {
    if (this.file) {
      const { steps, ...header } = o;
      const line: Line = { ...header, step: steps[steps.length - 1]! };
      const fd = openSync(this.file, "a");
      try {
        writeSync(fd, `${JSON.stringify(line)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    this.orders.set(o.id, o);
    return o;
  }

  create(n: NewWorkOrder, now: number): WorkOrder {
    const id = `wo-${(++this.seq).toString().padStart(5, "0")}`;
    const created: WorkOrderStep = { at: now, what: "created", by: n.by };
    if (n.note) created.note = n.note;
    if (n.photo) created.photo = n.photo;
    const order: WorkOrder = {
      id,
      site: n.site,
      source: n.source,
      severity: n.severity,
      title: n.title,
      place: n.place,
      state: "open",
      createdAt: now,
      deadlineAt: deadlineFor(n.severity, now, this.policy),
      level: 0,
      updatedAt: now,
      steps: [created],
    };
    this.commit(order);
    if (!n.assignee) return order;
    const r = applyStep(order, { to: "assigned", by: n.by, assignee: n.assignee }, now);
    return r.ok ? this.commit(r.order) : order;
  }

  step(site: string, id: string, req: StepRequest, now: number): StepResult | undefined {
    const o = this.get(site, id);
    if (!o) return undefined;
    const r = applyStep(o, req, now);
    if (r.ok) this.commit(r.order);
    return r;
  }

  /** Escalates every order whose deadline passed; returns the escalated ones. */
  escalateDue(now: number): WorkOrder[] {
    const out: WorkOrder[] = [];
    for (const o of this.orders.values()) {
      const due = escalationDue(o, now, this.policy);
      if (due) out.push(this.commit(escalate(o, due, now)));
    }
    return out;
  }

  get(site: string, id: string): WorkOrder | undefined {
    const o = this.orders.get(id);
    return o && o.site === site ? o : undefined;
  }

  /** The open order of an alarm, if one exists (one alarm, one order). */
  forAlarm(site: string, alarmId: string): WorkOrder | undefined {
    for (const o of this.orders.values())
      if (
        o.site === site &&
        o.source.kind === "alarm" &&
        o.source.alarmId === alarmId &&
        o.state !== "closed"
      )
        return o;
    return undefined;
  }

  /** A site's orders (or only one worker's), most urgent first. */
  list(site: string, now: number, filter: { assignee?: string } = {}): WorkOrder[] {
    return [...this.orders.values()]
      .filter(
        (o) => o.site === site && (filter.assignee === undefined || o.assignee === filter.assignee),
      )
      .sort(byUrgency(now));
  }

  /** Open and overdue orders per site, in one pass (the cockpit). */
  openCounts(now: number): Map<string, { open: number; overdue: number }> {
    const out = new Map<string, { open: number; overdue: number }>();
    for (const o of this.orders.values()) {
      if (o.state === "resolved" || o.state === "closed") continue;
      let c = out.get(o.site);
      if (!c) {
        c = { open: 0, overdue: 0 };
        out.set(o.site, c);
      }
      c.open++;
      if (o.deadlineAt <= now || o.level > 0) c.overdue++;
    }
    return out;
  }
}
