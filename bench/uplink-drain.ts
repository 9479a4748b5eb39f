/**
 * Uplink numbers against a spawned Mosquitto: how fast a backlog leaves a
 * SQLite outbox (PUBACK before each removal), and how long a live alarm takes
 * from outbox append to a cloud subscriber.
 * Run: npm run build && node dist/bench/uplink-drain.js
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { startMosquitto } from "../common/servers.js";
import { SqliteOutbox } from "../gateway/outbox/sqlite-outbox.js";
import { openGatewayDatabase } from "../gateway/storage/database.js";
import { type OutboxItem, PRIORITY_ALARM, PRIORITY_TELEMETRY } from "../gateway/types.js";
import { UplinkClient } from "../gateway/uplink/uplink-client.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ROOT = "haitang/v1/bench/gw";
const BACKLOG = 20_000;

function item(n: number, createdAt: number): OutboxItem {
  const dev = (0x10000 + (n % 200)).toString(16).padStart(8, "0");
  const alarm = n % 10 === 0;
  return {
    priority: alarm ? PRIORITY_ALARM : PRIORITY_TELEMETRY,
    topic: alarm ? `${ROOT}/alarm` : `${ROOT}/dev/${dev}/telemetry`,
    payload: JSON.stringify({
      v: 1,
      deviceId: dev,
      n,
      seq: 0,
      historical: false,
      body: { powerW: [120, 230, 0, 0] },
    }),
    key: `${alarm ? "alarm" : "dev"}/${dev}`,
    createdAt,
  };
}

async function waitUntil(check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const mosq = await startMosquitto();
const dir = mkdtempSync(join(tmpdir(), "haitang-bench-uplink-"));
try {
  const rates: number[] = [];
  for (let run = 0; run < 3; run++) {
    const db = openGatewayDatabase(join(dir, `drain${run}.db`));
    const outbox = new SqliteOutbox(db);
    const t = Date.now() - 86_400_000;
    outbox.append(Array.from({ length: BACKLOG }, (_, n) => item(n, t + n)));
    const up = new UplinkClient({
      url: mosq.url,
      site: "bench",
      gateway: "gw",
      clientId: `bench-${run}`,
      outbox,
      pollMs: 20,
    });
    const start = process.hrtime.bigint();
    up.start();
    await waitUntil(() => outbox.depth() === 0);
    rates.push(BACKLOG / (Number(process.hrtime.bigint() - start) / 1e9));
    await up.stop();
    db.close();
  }
  console.log(
    `uplink drain: ${BACKLOG} entries (10 % alarms, 200 devices), SQLite outbox, Mosquitto on localhost`,
  );
  console.log(
    `  ${Math.round(median(rates))} entries/s (median of 3; window = the broker's Receive Maximum, 20)`,
  );

  // Live alarm latency: append -> kick -> PUBACK'd publish -> subscriber.
  const db = openGatewayDatabase(join(dir, "live.db"));
  const outbox = new SqliteOutbox(db);
  const up = new UplinkClient({
    url: mosq.url,
    site: "bench",
    gateway: "gw",
    clientId: "bench-live",
    outbox,
    pollMs: 250,
  });
  up.start();
  await waitUntil(() => up.state() === "connected");
  const sub = await mqtt.connectAsync(mosq.url, { protocolVersion: 5 });
  const arrived = new Map<number, bigint>();
  sub.on("message", (_topic, payload) => {
    arrived.set((JSON.parse(payload.toString()) as { n: number }).n, process.hrtime.bigint());
  });
  await sub.subscribeAsync(`${ROOT}/alarm`, { qos: 1 });
  const lat: number[] = [];
  for (let n = 0; n < 300; n++) {
    const sent = process.hrtime.bigint();
    outbox.append([item(n * 10, Date.now())]);
    up.kick();
    await waitUntil(() => arrived.has(n * 10), 10_000);
    lat.push(Number(arrived.get(n * 10)! - sent) / 1e6);
    await new Promise((r) => setTimeout(r, 2));
  }
  console.log(
    `live alarm, outbox append (fsynced) to cloud subscriber: median ${median(lat).toFixed(1)} ms, p99 ${pct(lat, 0.99).toFixed(1)} ms (300 alarms)`,
  );
  await sub.endAsync();
  await up.stop();
  db.close();
} finally {
  await mosq.stop();
  rmSync(dir, { recursive: true, force: true });
}
