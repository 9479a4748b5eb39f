/**
 * Outbox retention: how many days of a typical compound's traffic fit in the
 * 1 GB disk cap while the cloud is unreachable. Typical load (issue 3):
 * 2,000 detectors (status heartbeat hourly), 50 sheds with one 12-port
 * charger each (telemetry every 60 s, status hourly), a few events an hour.
 * Writes SIMULATED_HOURS of that traffic as real UplinkEnvelope entries into
 * a SqliteOutbox file, then measures the file (after a WAL checkpoint) and
 * extrapolates. Prints bytes per entry, MB per day and days inside 1 GB.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteOutbox } from "../gateway/outbox/sqlite-outbox.js";
import { toOutboxItem } from "../gateway/pipeline/envelope.js";
import { openGatewayDatabase } from "../gateway/storage/database.js";
import type { AcceptedMessage, OutboxItem } from "../gateway/types.js";
import { median, smokeAlarm, statusMsgFor, telemetryMsg } from "./gateway-setup.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SIMULATED_HOURS = Number(process.env.BENCH_HOURS ?? 24);
const CAP_BYTES = 1024 * 1024 * 1024;
const id = { site: "demo-compound", gateway: "gw-01" };

function accepted(
  deviceId: number,
  kind: AcceptedMessage["deviceKind"],
  msg: AcceptedMessage["msg"],
  t: number,
  counter: number,
): AcceptedMessage {
  return {
    deviceId,
    deviceKind: kind,
    counter,
    flags: 0,
    msg,
    receivedAt: t,
    receivers: [{ receiver: "serial:radio-a", rssi: -71 }],
  };
}

function once(): { bytesPerEntry: number; mbPerDay: number; days: number; entries: number } {
  const dir = mkdtempSync(join(tmpdir(), "haitang-retention-"));
  const path = join(dir, "gateway.db");
  // No fsync: file size does not depend on it, and the run stays short.
  const db = openGatewayDatabase(path, { unsafeNoSync: true });
  const outbox = new SqliteOutbox(db, { capBytes: CAP_BYTES * 4 });
  const t0 = Date.UTC(2026, 0, 1);
  let entries = 0;
  let counter = 1;
  for (let minute = 0; minute < SIMULATED_HOURS * 60; minute++) {
    const batch: OutboxItem[] = [];
    const t = t0 + minute * 60_000;
    for (let c = 0; c < 50; c++)
      batch.push(
        toOutboxItem(
          accepted(0x10000000 + c, "charger", telemetryMsg(minute + c), t, counter++),
          id,
        ),
      );
    // hourly heartbeats, spread over the hour
    for (let d = minute % 60; d < 2000; d += 60)
      batch.push(
        toOutboxItem(accepted(0x20000000 + d, "smoke", statusMsgFor(minute), t, counter++), id),
      );
    if (minute % 60 === 0)
      for (let c = 0; c < 50; c++)
        batch.push(
          toOutboxItem(accepted(0x10000000 + c, "charger", statusMsgFor(minute), t, counter++), id),
        );
    if (minute % 20 === 0)
      batch.push(
        toOutboxItem(accepted(0x20000000 + minute, "smoke", smokeAlarm(minute), t, counter++), id),
      );
    outbox.append(batch);
    entries += batch.length;
  }
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  const bytes = statSync(path).size;
  rmSync(dir, { recursive: true, force: true });
  const perDay = (bytes / SIMULATED_HOURS) * 24;
  return {
    bytesPerEntry: bytes / entries,
    mbPerDay: perDay / 1024 / 1024,
    days: CAP_BYTES / perDay,
    entries,
  };
}

const runs = [];
for (let i = 0; i < RUNS; i++) {
  const r = once();
  runs.push(r);
  console.log(
    `run: ${r.entries} entries for ${SIMULATED_HOURS} h, ${r.bytesPerEntry.toFixed(0)} B/entry on disk, ` +
      `${r.mbPerDay.toFixed(1)} MB/day, ${r.days.toFixed(1)} days in 1 GB`,
  );
}
console.log(
  `gateway-retention: median ${median(runs.map((r) => r.mbPerDay)).toFixed(1)} MB/day, ` +
    `${median(runs.map((r) => r.days)).toFixed(1)} days of typical compound traffic inside 1 GB (no thinning needed below that)`,
);
