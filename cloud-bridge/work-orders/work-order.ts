/**
 * A work order: an alarm or a resident's report (随手拍) handed to a grid
 * worker, who takes it through its steps on a phone. Pure decisions only:
 * which step may follow which, the deadline of an order, and whether a missed
 * deadline escalates it. Time is passed in; nothing here reads a clock.
 */
import type { Severity } from "../../protocol/uplink.js";

/** open (a report nobody took yet) -> assigned -> on-the-way -> on-site -> resolved -> closed. */
export const WORK_ORDER_STATES = [
  "open",
  "assigned",
  "on-the-way",
  "on-site",
  "resolved",
  "closed",
] as const;
export type WorkOrderState = (typeof WORK_ORDER_STATES)[number];

export type StepWhat = WorkOrderState | "created" | "note" | "escalated";

export interface WorkOrderStep {
  at: number;
  what: StepWhat;
  by: string;
  note?: string;
  /** A photo taken at this step, as a data: URL (JPEG/PNG/WebP). */
  photo?: string;
  /** Assigned: to whom. Escalated: to which level and who is told. */
  assignee?: string;
  level?: number;
  escalatedTo?: string;
}

export type WorkOrderSource =
  | { kind: "alarm"; alarmId: string; alarmKind: string }
  | { kind: "report"; reporter: string };

export interface WorkOrder {
  id: string;
  site: string;
  source: WorkOrderSource;
  severity: Severity;
  /** What to do and where, as the worker reads it. */
  title: string;
  place: string;
  state: WorkOrderState;
  assignee?: string;
  createdAt: number;
  /** When the order must be resolved by; moved on by each escalation. */
  deadlineAt: number;
  /** 0 until the first missed deadline; then the escalation level reached. */
  level: number;
  updatedAt: number;
  steps: WorkOrderStep[];
}

export interface WorkOrderPolicy {
  /** Minutes from creation (or from the last escalation) to resolved, per severity. */
  deadlinesMin: Record<Severity, number>;
  /** Who is told at each missed deadline, in order (e.g. grid leader, community office). */
  escalateTo: string[];
}

export const DEFAULT_POLICY: WorkOrderPolicy = {
  deadlinesMin: { critical: 15, major: 60, minor: 240, maintenance: 1440 },
  escalateTo: ["grid-leader", "community-office"],
};

export function deadlineFor(severity: Severity, from: number, policy: WorkOrderPolicy): number {
  return from + policy.deadlinesMin[severity] * 60_000;
}

/** The steps a worker or an operator may take from each state. */
const NEXT: Record<WorkOrderState, WorkOrderState[]> = {
  open: ["assigned", "closed"],
  assigned: ["on-the-way", "on-site", "assigned", "closed"],
  "on-the-way": ["on-site", "assigned", "closed"],
  "on-site": ["resolved", "assigned", "closed"],
  resolved: ["closed", "assigned"],
  closed: [],
};

export function nextStates(state: WorkOrderState): readonly WorkOrderState[] {
  return NEXT[state];
}

/** Whether the order still counts against its deadline. */
export function isOpen(o: WorkOrder): boolean {
  return o.state !== "resolved" && o.state !== "closed";
}

export type StepRequest = {
  to: WorkOrderState | "note";
  by: string;
  note?: string;
  photo?: string;
  assignee?: string;
};

export type StepResult = { ok: true; order: WorkOrder } | { ok: false; reason: string };

/** Applies one step; returns a new order, or why the step is refused. */
export function applyStep(o: WorkOrder, req: StepRequest, now: number): StepResult {
  if (req.to !== "note" && !NEXT[o.state].includes(req.to))
    return { ok: false, reason: `a work order that is ${o.state} cannot become ${req.to}` };
  if (req.to === "assigned" && !req.assignee)
    return { ok: false, reason: "assigned needs an assignee" };
  if (req.to === "note" && !req.note && !req.photo)
    return { ok: false, reason: "a note needs text or a photo" };
  const step: WorkOrderStep = { at: now, what: req.to, by: req.by };
  if (req.note) step.note = req.note;
  if (req.photo) step.photo = req.photo;
  const order: WorkOrder = { ...o, steps: [...o.steps, step], updatedAt: now };
  if (req.to === "assigned") {
    step.assignee = req.assignee!;
    order.assignee = req.assignee!;
  }
  if (req.to !== "note") order.state = req.to;
  return { ok: true, order };
}

/**
 * The escalation a missed deadline calls for, or undefined: an open order
 * past its deadline goes one level up (who is told comes from the policy) and
 * gets a new deadline of the same length; after the last level it is left
 * as it is (still overdue, still listed first).
 */
export function escalationDue(
  o: WorkOrder,
  now: number,
  policy: WorkOrderPolicy,
): { level: number; escalatedTo: string; deadlineAt: number } | undefined {
  if (!isOpen(o) || now < o.deadlineAt) return undefined;
  if (o.level >= policy.escalateTo.length) return undefined;
  return {
    level: o.level + 1,
    escalatedTo: policy.escalateTo[o.level]!,
    deadlineAt: deadlineFor(o.severity, now, policy),
  };
}

export function escalate(
  o: WorkOrder,
  due: { level: number; escalatedTo: string; deadlineAt: number },
  now: number,
): WorkOrder {
  return {
    ...o,
    level: due.level,
    deadlineAt: due.deadlineAt,
    updatedAt: now,
    steps: [
      ...o.steps,
      {
        at: now,
        what: "escalated",
        by: "deadline",
        level: due.level,
        escalatedTo: due.escalatedTo,
      },
    ],
  };
}

/** Orders in the order a worker should take them: overdue and severe first, then by deadline. */
export function byUrgency(now: number) {
  const rank: Record<Severity, number> = { critical: 3, major: 2, minor: 1, maintenance: 0 };
  return (a: WorkOrder, b: WorkOrder): number => {
    const openA = isOpen(a) ? 1 : 0;
    const openB = isOpen(b) ? 1 : 0;
    if (openA !== openB) return openB - openA;
    const lateA = a.deadlineAt <= now ? 1 : 0;
    const lateB = b.deadlineAt <= now ? 1 : 0;
    if (lateA !== lateB) return lateB - lateA;
    if (rank[a.severity] !== rank[b.severity]) return rank[b.severity] - rank[a.severity];
    return a.deadlineAt - b.deadlineAt;
  };
}
