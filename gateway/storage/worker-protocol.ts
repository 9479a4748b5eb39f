/** Messages between the committer (main thread) and its worker (commit-worker.ts). */
import type { MessagePort } from "node:worker_threads";
import type { OutboxStats } from "../outbox/cap.js";
import type { GroupResult, WriteOp } from "./write-ops.js";

export interface CommitWorkerData {
  path: string;
  capBytes?: number;
  unsafeNoSync: boolean;
  /** Answers come back on this port (the main thread can read it synchronously). */
  port: MessagePort;
  /** Int32 counter the worker bumps (and notifies) after each answer. */
  signal: SharedArrayBuffer;
}

/** The outbox as the writer sees it after a commit. */
export interface OutboxSnapshot extends OutboxStats {
  rows: number;
}

export type CommitRequest =
  /**
   * Each group is applied in one savepoint of one transaction. `frameGroup`:
   * the index of the accepted frames' group (-1: none); `resume`: the first
   * batch sent after the main thread learned of a failed one (BatchApplier).
   */
  | { t: "commit"; id: number; groups: WriteOp[][]; frameGroup: number; resume: boolean }
  | { t: "close" };

export type WorkerAnswer =
  | { t: "ready"; outbox: OutboxSnapshot }
  | { t: "failed"; error: string }
  /** results[i] is the outcome of groups[i] (error null: committed). */
  | {
      t: "done";
      id: number;
      results: GroupResult[];
      commitError: string | null;
      outbox: OutboxSnapshot;
    }
  | { t: "closed" };
