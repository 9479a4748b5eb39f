/**
 * Ingest throughput: framed bytes -> deframe -> decode -> registry -> MAC
 * (node:crypto) -> counter window -> merge -> rate limit -> rules (standard
 * site rules) -> grouped durable commits (SQLite WAL, synchronous=FULL) ->
 * acks for frames that ask. Frames are pre-encoded (device work, not ours).
 * Prints frames/s per run and the median.
 */
import { FLAG_ACK_REQUESTED } from "../protocol/constants.js";
import { Deframer } from "../protocol/framing.js";
import {
  median,
  nextFrame,
  startBenchGateway,
  statusMsgFor,
  telemetryMsg,
} from "./gateway-setup.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const FRAMES = Number(process.env.BENCH_FRAMES ?? 60_000);
const CHUNK = 4096;

async function once(): Promise<number> {
  const b = await startBenchGateway({
    // The typical compound: 50 sheds (one 12-port charger each) and 2,000 detectors.
    chargers: 50,
    detectors: 2000,
    // The bench sends 10+ frames/s per device: lift the per-device limit.
    tuning: { rateLimit: { perSecond: 10_000, burst: 10_000 } },
  });
  const parts: Uint8Array[] = [];
  let bytes = 0;
  for (let i = 0; i < FRAMES; i++) {
    // Half the frames are 12-port charger telemetry, half detector status; a quarter of those ask for an ack.
    const d = i % 2 === 0 ? b.devices[(i / 2) % 50]! : b.devices[50 + (((i - 1) / 2) % 2000)]!;
    const f =
      d.kind === "charger"
        ? nextFrame(d, i % 20 === 0 ? statusMsgFor(i) : telemetryMsg(i))
        : nextFrame(d, statusMsgFor(i), i % 8 === 1 ? FLAG_ACK_REQUESTED : 0);
    parts.push(f);
    bytes += f.length;
  }
  const stream = new Uint8Array(bytes);
  let o = 0;
  for (const p of parts) {
    stream.set(p, o);
    o += p.length;
  }
  const gw = b.gw;
  const reading = { receiver: "mqtt" };
  const deframer = new Deframer((f) => gw.injectFrame(f, reading));
  const committer = gw.running().committer;
  const t0 = performance.now();
  for (let off = 0; off < stream.length; off += CHUNK) {
    deframer.push(stream.subarray(off, off + CHUNK));
    // let timers (merge window, grouped commits) run, as between serial reads
    if ((off / CHUNK) % 8 === 7) await new Promise((r) => setImmediate(r));
  }
  while (committer.stats.committed < FRAMES) await new Promise((r) => setTimeout(r, 1));
  const s = (performance.now() - t0) / 1000;
  const accepted = gw.running().counters.accepted;
  const batches = committer.stats.batches;
  await b.stop();
  if (accepted !== FRAMES) throw new Error(`accepted ${accepted} of ${FRAMES}`);
  const rate = FRAMES / s;
  console.log(
    `run: ${Math.round(rate)} frames/s (${FRAMES} frames in ${s.toFixed(2)} s, ${batches} commits)`,
  );
  return rate;
}

const rates: number[] = [];
for (let i = 0; i < RUNS; i++) rates.push(await once());
console.log(
  `gateway-ingest: median ${Math.round(median(rates))} frames/s over ${RUNS} runs (verify+dedup+rules+durable outbox)`,
);
