/**
 * The committer's worker thread: it owns its own connection to the gateway's
 * WAL database (synchronous=FULL) and applies each batch of WriteOps the main
 * thread sends in one transaction, so the fsync of a COMMIT never blocks the
 * main thread's event loop. It answers after COMMIT returned (the batch is on
 * disk) and then bumps a shared counter, so the main thread can also wait for
 * an answer synchronously (shutdown, simulations).
 */
import { type MessagePort, workerData } from "node:worker_threads";
import { SqliteOutbox } from "../outbox/sqlite-outbox.js";
import { openGatewayDatabase } from "./database.js";
import type { CommitRequest, CommitWorkerData, WorkerAnswer } from "./worker-protocol.js";
import { BatchApplier, outboxSnapshot, WriteExecutor } from "./write-ops.js";

const init = workerData as CommitWorkerData;
const port: MessagePort = init.port;
const signal = new Int32Array(init.signal);

function answer(a: WorkerAnswer): void {
  port.postMessage(a);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

try {
  const db = openGatewayDatabase(init.path, { unsafeNoSync: init.unsafeNoSync });
  const outbox = new SqliteOutbox(
    db,
    init.capBytes !== undefined ? { capBytes: init.capBytes } : {},
  );
  const applier = new BatchApplier(new WriteExecutor(db, outbox), outbox);
  port.on("message", (m: CommitRequest) => {
    if (m.t === "close") {
      db.close();
      answer({ t: "closed" });
      port.close();
      return;
    }
    answer({ t: "done", id: m.id, ...applier.apply(m) });
  });
  answer({ t: "ready", outbox: outboxSnapshot(outbox) });
} catch (err) {
  answer({ t: "failed", error: err instanceof Error ? err.message : String(err) });
  port.close();
}
