/**
 * End to end over real brokers: a load generator publishes signed frames
 * (QoS 1; 10 % duplicates, 1 % forgeries, a smoke alarm every 100 frames) to
 * a Mosquitto; the gateway (`haitang gateway` in a child process, mqtt.mode
 * external) verifies, de-duplicates, commits and forwards them with QoS 1 to a
 * second Mosquitto, where a subscriber times each envelope against the
 * moment its frame was due. Per offered rate: delivered, publish -> cloud
 * p50/p99/max, alarm p50/p99 (to the cloud, and to the gateway's ack reaching
 * the device: the durable commit), gateway RSS (max) and CPU, the gateway's CPU
 * seconds per 1,000 frames (comparable across machine loads), the rate the
 * generator offered beside the one asked, and the CPU of the bench process
 * (generator and subscriber, e2e-load.ts) and of each Mosquitto while sending;
 * medians over runs; the highest rate with every frame delivered and p99 under 1 s.
 *
 *   npm run build && node dist/bench/gateway-e2e.js
 *   BENCH_RATES=1000,5000,15000 BENCH_RUNS=3 BENCH_DEVICES=200 BENCH_SECONDS=5
 *   BENCH_WARMUP_SECONDS=N  length of the uncounted warm-up at the first rate (default BENCH_SECONDS);
 *                         a steady-state RSS: BENCH_WARMUP_SECONDS=120 BENCH_SECONDS=60
 *   BENCH_INGEST=serial   socat pseudo-terminals at 115,200 baud instead of MQTT
 *   BENCH_PROFILE=dir     run the gateway under node --cpu-prof (profiles into dir)
 *   BENCH_NODE_ARGS="..." more node options for the gateway (e.g. --heap-prof; --heap-growing-percent=30 replaces the gateway's 15)
 *   BENCH_METRICS=1       print the gateway's stage counters and CPU once a second
 *   BENCH_MALLOC_ARENA_MAX=N  glibc's MALLOC_ARENA_MAX for the gateway instead of the service
 *                         unit's 2 (empty: glibc's default, an arena per thread; 1: alarm latency
 *                         worse, gateway/README.md). The gateway runs in the environment of
 *                         `haitang gateway --service-unit` (gateway/service-unit.ts), as deployed.
 *   BENCH_LANES=4         connections the generator publishes telemetry on
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { createPtyPair, freePort, type PtyPair } from "../common/services.js";
import { framedType } from "../gateway/ingest/device-topics.js";
import { SERVICE_ENVIRONMENT } from "../gateway/service-unit.js";
import { type ChildGateway, startChildGateway } from "../gateway/testing/child-gateway.js";
import { startConfiguredMosquitto, type TestBroker } from "../gateway/uplink/test-broker.js";
import { TYPE_ACK } from "../protocol/constants.js";
import { type FrameSender, MqttFrameSender } from "./e2e-load.js";
import {
  ArrivalBook,
  type E2eDevice,
  e2eDevices,
  e2eSiteYaml,
  type LatencySummary,
  type PlannedFrame,
  ProcSampler,
  planStep,
  scanEnvelopes,
} from "./e2e-support.js";
import { median } from "./gateway-setup.js";
import { RawMqttClient } from "./raw-mqtt.js";

const serialMode = process.env.BENCH_INGEST === "serial";
const RATES = (
  process.env.BENCH_RATES ?? (serialMode ? "100,200,400" : "1000,5000,10000,15000,20000")
)
  .split(",")
  .map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DEVICES = Number(process.env.BENCH_DEVICES ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? SECONDS);
const DRAIN_S = Number(process.env.BENCH_DRAIN_S ?? 20);
const PTYS = Number(process.env.BENCH_PTYS ?? 2);
/** Connections the load generator publishes telemetry on. */
const LANES = Number(process.env.BENCH_LANES ?? 4);
const ALARM_EVERY = 100;
const ALARM_DEVICES = 20;
/** 115,200 baud, 8N1: 11,520 bytes/s on each line. */
const LINE_BYTES_PER_S = 11_520;

interface Row extends LatencySummary {
  rate: number;
  offered: number;
  /** The bench process (load generator and arrival subscriber) while sending, % of one core. */
  benchCpuPct: number;
  /** Each Mosquitto (cloud, device) while sending, % of one core. */
  brokersCpuPct: number[];
  deliveredPct: number;
  rssMB: number;
  cpuPct: number;
  /** Gateway CPU seconds per 1,000 frames sent (duplicates and forgeries included). */
  cpuPer1k: number;
  storedTwice: number;
  load: number;
}

/** Stops what startStack started so far (used when the stack fails to start). */
const started: Array<() => Promise<void>> = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends a step's frames at `rate`: every 2 ms (1 ms up to 2,000/s) whatever is due. The due times
 * are set before the clock starts, so the loop does nothing per frame but
 * hand the due range to the sender. Returns the rate it offered and the
 * bench process's CPU (generator and arrival subscriber) in % of one core.
 */
async function sendStep(
  plan: PlannedFrame[],
  rate: number,
  book: ArrivalBook,
  sender: FrameSender,
): Promise<{ offered: number; benchCpuPct: number }> {
  sender.prepare(plan);
  for (let i = 0; i < plan.length; i++) {
    const f = plan[i]!;
    if (f.expect) book.expect(f.expect, (i / rate) * 1000, f.alarm);
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  book.start(t0);
  let i = 0;
  while (i < plan.length) {
    const now = performance.now();
    const due = Math.min(plan.length, Math.floor(((now - t0) / 1000) * rate) + 1);
    if (due > i) i = sender.send(i, due, (now - t0) / 1000);
    // A tick of 1 ms at low rates: a frame written late by the tick counts in its latency.
    if (i < plan.length) await sleep(rate <= 2000 ? 1 : 2);
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { offered: plan.length / s, benchCpuPct: ((cpu.user + cpu.system) / 1e6 / s) * 100 };
}

/** Serial lines: each frame written to its line, no faster than the line's bytes per second. */
class SerialFrameSender implements FrameSender {
  private plan: readonly PlannedFrame[] = [];
  private bytesOut: number[] = [];

  constructor(private readonly fds: number[]) {}

  prepare(plan: readonly PlannedFrame[]): void {
    this.plan = plan;
    this.bytesOut = this.fds.map(() => 0);
  }

  send(from: number, to: number, elapsedS: number): number {
    let i = from;
    for (; i < to; i++) {
      const f = this.plan[i]!;
      const lane = f.device.id % this.fds.length;
      if (this.bytesOut[lane]! + f.bytes.length > elapsedS * LINE_BYTES_PER_S + 64) break;
      this.bytesOut[lane]! += f.bytes.length;
      writeSync(this.fds[lane]!, f.bytes);
    }
    return i;
  }
}

async function waitDelivered(book: ArrivalBook): Promise<void> {
  const deadline = performance.now() + DRAIN_S * 1000;
  while (book.delivered < book.expected && performance.now() < deadline) await sleep(50);
  await sleep(200); // late second copies (stored twice) show up too
}

/** Waits (up to 5 min) until the gateway's outbox is empty, so a step starts without a backlog. */
async function waitOutboxEmpty(httpPort: number): Promise<void> {
  const deadline = performance.now() + 300_000;
  while (performance.now() < deadline) {
    const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith("haitang_gateway_outbox_depth "));
    if (line && Number(line.split(" ")[1]) === 0) return;
    await sleep(500);
  }
}

const STAGES = [
  "frames_received_total",
  "frames_accepted_total",
  "committed_total",
  "commit_batches_total",
  "outbox_depth",
  "held_frames",
  'memory_bytes{area="rss"}',
  'memory_bytes{area="heap_used"}',
  'memory_bytes{area="heap_total"}',
  'memory_bytes{area="external"}',
  "commit_backlog_frames",
  'memory_bytes{area="new_space"}',
];

/**
 * BENCH_METRICS=1: once a second, the gateway's stage counters (/metrics) and
 * its CPU over that second, to see which stage a backlog waits in.
 */
function watchStages(gateway: ChildGateway): { stop(): void } {
  const t0 = performance.now();
  const cpu = new ProcSampler(gateway.proc.pid!);
  cpu.start();
  let last = 0;
  console.log(`  t s | ${STAGES.join(" | ")} | CPU s`);
  const timer = setInterval(async () => {
    try {
      const text = await (await fetch(`http://127.0.0.1:${gateway.ready.http}/metrics`)).text();
      const v = STAGES.map((k) => {
        const line = text.split("\n").find((l) => l.startsWith(`haitang_gateway_${k} `));
        const n = line ? Number(line.split(" ")[1]) : Number.NaN;
        return k.startsWith("memory") ? `${(n / 2 ** 20).toFixed(0)} MB` : String(n);
      });
      const c = cpu.cpuSeconds();
      console.log(
        `  ${((performance.now() - t0) / 1000).toFixed(1)} | ${v.join(" | ")} | ${(c - last).toFixed(2)}`,
      );
      last = c;
    } catch {
      // the gateway is busy or gone: the next tick tries again
    }
  }, 1000);
  return {
    stop: () => {
      clearInterval(timer);
      cpu.stop();
    },
  };
}

interface Stack {
  gateway: ChildGateway;
  sender: FrameSender;
  book: { current: ArrivalBook };
  /** The Mosquittos (their CPU is printed beside the gateway's). */
  brokerPids: number[];
  stop(): Promise<void>;
}

async function startStack(dir: string, devices: E2eDevice[]): Promise<Stack> {
  const lines = [
    "allow_anonymous true",
    "max_queued_messages 0",
    "max_inflight_messages 0",
    "set_tcp_nodelay true",
  ];
  const cloud = await startConfiguredMosquitto(dir, lines);
  started.push(() => cloud.stop());
  let deviceBroker: TestBroker | undefined;
  const ptys: PtyPair[] = [];
  if (serialMode) {
    for (let i = 0; i < PTYS; i++) {
      const p = await createPtyPair(dir, `radio${i}`);
      ptys.push(p);
      started.push(() => p.close());
    }
  } else {
    const b = await startConfiguredMosquitto(dir, lines);
    deviceBroker = b;
    started.push(() => b.stop());
  }
  const configPath = join(dir, "site.yaml");
  writeFileSync(
    configPath,
    e2eSiteYaml({
      dir,
      httpPort: await freePort(),
      cloudBroker: cloud.port,
      devices,
      ...(deviceBroker ? { deviceBroker: deviceBroker.port } : {}),
      serial: ptys.map((p) => p.hostPath),
      embeddedPort: await freePort(),
    }),
  );
  const book = { current: new ArrivalBook() };
  const sub = await RawMqttClient.connect(cloud.port, "bench-cloud");
  const arrived = (deviceId: string, counter: number, seq: number) =>
    book.current.arrived(deviceId, counter, seq, performance.now());
  sub.onPublish = (_topic, payload) => scanEnvelopes(payload.toString(), arrived);
  await sub.subscribe("haitang/v1/#", 1);
  const profile = process.env.BENCH_PROFILE;
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
  if (profile) nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${profile}`);
  // `haitang gateway` from bin/ (the build), as a user starts it.
  const gateway = await startChildGateway(
    configPath,
    "bench",
    nodeArgs,
    300_000,
    true,
    GATEWAY_ENV,
  );
  const brokerPids = [cloud.pid, ...(deviceBroker ? [deviceBroker.pid] : [])];
  const stopAll = async (extra: () => Promise<void>) => {
    gateway.proc.kill("SIGTERM");
    await gateway.exited;
    await extra();
    await sub.close();
    await cloud.stop();
    await deviceBroker?.stop();
  };
  if (serialMode) {
    const fds = ptys.map((p) => openSync(p.devicePath, "w"));
    return {
      gateway,
      sender: new SerialFrameSender(fds),
      book,
      brokerPids,
      stop: () =>
        stopAll(async () => {
          for (const fd of fds) closeSync(fd);
          for (const p of ptys) await p.close();
        }),
    };
  }
  // A device has a connection of its own, so its alarm never queues behind another's
  // telemetry on the way in: the alarm devices publish on one more connection.
  const alarmPub = mqtt.connect(`mqtt://127.0.0.1:${deviceBroker!.port}`, {
    clientId: "bench-dev-alarms",
  });
  await new Promise<void>((r) => alarmPub.once("connect", () => r()));
  (alarmPub.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  // The gateway acks an alarm (ack requested) to its device after the durable commit.
  alarmPub.on("message", (topic, payload) => {
    const hex = topic.split("/")[2];
    if (hex && framedType(payload) === TYPE_ACK) book.current.ackedAlarm(hex, performance.now());
  });
  await alarmPub.subscribeAsync("haitang/dev/+/down", { qos: 0 });
  const sender = await MqttFrameSender.connect(deviceBroker!.port, LANES, alarmPub);
  return {
    gateway,
    sender,
    book,
    brokerPids,
    stop: () =>
      stopAll(async () => {
        await sender.close();
        await alarmPub.endAsync();
      }),
  };
}

async function step(
  stack: Stack,
  devices: E2eDevice[],
  rate: number,
  seconds = SECONDS,
): Promise<Row> {
  const plan = planStep(devices, DEVICES, Math.round(rate * seconds), ALARM_EVERY);
  const book = new ArrivalBook();
  stack.book.current = book;
  const load = loadavg()[0]!;
  const sampler = new ProcSampler(stack.gateway.proc.pid!);
  const brokers = stack.brokerPids.map((pid) => new ProcSampler(pid));
  sampler.start();
  const watch = process.env.BENCH_METRICS ? watchStages(stack.gateway) : undefined;
  for (const b of brokers) b.start();
  const sent = await sendStep(plan, rate, book, stack.sender);
  const brokersCpuPct = brokers.map((b) => b.stop().cpuPct);
  await waitDelivered(book);
  watch?.stop();
  const proc = sampler.stop();
  // The outbox drain is part of the frames' cost: CPU is counted until it is empty.
  await waitOutboxEmpty(stack.gateway.ready.http);
  const cpuS = sampler.cpuSeconds();
  const s = book.summary();
  return {
    rate,
    offered: sent.offered,
    benchCpuPct: sent.benchCpuPct,
    brokersCpuPct,
    deliveredPct: (100 * book.delivered) / book.expected,
    ...s,
    rssMB: proc.rssMB,
    cpuPct: proc.cpuPct,
    cpuPer1k: cpuS / (plan.length / 1000),
    storedTwice: book.storedTwice,
    load,
  };
}

/** The service unit's environment, with BENCH_MALLOC_ARENA_MAX in place of its MALLOC_ARENA_MAX. */
const GATEWAY_ENV: Record<string, string> = (() => {
  const env: Record<string, string> = { ...SERVICE_ENVIRONMENT };
  const arenas = process.env.BENCH_MALLOC_ARENA_MAX;
  if (arenas === "") delete env.MALLOC_ARENA_MAX;
  else if (arenas !== undefined) env.MALLOC_ARENA_MAX = arenas;
  return env;
})();

const ms = (x: number) =>
  Number.isNaN(x) ? "-" : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`;

function printRow(r: Row, label = ""): void {
  console.log(
    `| ${label}${r.rate.toLocaleString("en")}/s | ${Math.round(r.offered).toLocaleString("en")}/s | ${r.deliveredPct.toFixed(2)} % | ${ms(r.p50)} / ${ms(r.p99)} / ${ms(r.max)} | ${ms(r.alarmP50)} / ${ms(r.alarmP99)} | ${ms(r.ackP50)} / ${ms(r.ackP99)} | ${r.rssMB.toFixed(0)} MB, ${r.cpuPct.toFixed(0)} % | ${r.cpuPer1k.toFixed(3)} | ${r.benchCpuPct.toFixed(0)} % | ${r.brokersCpuPct.map((c) => `${c.toFixed(0)} %`).join(", ")} | ${r.storedTwice} | ${r.load.toFixed(1)} |`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "haitang-e2e-"));
  const devices = e2eDevices(DEVICES, ALARM_DEVICES);
  const stack = await startStack(dir, devices);
  const header =
    "| asked | offered | delivered | publish -> cloud p50 / p99 / max | alarm p50 / p99 | alarm ack (committed) p50 / p99 | gateway RSS, CPU | CPU s / 1k frames | generator CPU | brokers CPU (cloud, device) | stored twice | load avg |\n|---|---|---|---|---|---|---|---|---|---|---|---|";
  console.log(
    `gateway-e2e: ${serialMode ? `serial, ${PTYS} ptys at 115,200 baud` : "MQTT (Mosquitto -> gateway -> Mosquitto)"}, ${DEVICES} devices, ${SECONDS} s per rate after a ${WARMUP_SECONDS} s warm-up, ${RUNS} runs; gateway environment: ${
      Object.entries(GATEWAY_ENV)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ") || "(glibc's default)"
    }`,
  );
  const rows: Row[][] = RATES.map(() => []);
  try {
    // A short warm-up (JIT, SQLite pages) that is not counted.
    await step(stack, devices, RATES[0]!, WARMUP_SECONDS);
    for (let run = 0; run < RUNS; run++) {
      console.log(`\nrun ${run + 1}\n${header}`);
      for (let i = 0; i < RATES.length; i++) {
        const r = await step(stack, devices, RATES[i]!);
        rows[i]!.push(r);
        printRow(r);
        // Far behind: higher rates only fall further behind (and take minutes to drain).
        if (r.deliveredPct < 100 || r.p99 > 5000) break;
      }
    }
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nmedians over ${RUNS} runs\n${header}`);
  const medians: Row[] = rows
    .filter((rs) => rs.length > 0)
    .map((rs) => {
      const m = (f: (r: Row) => number) => median(rs.map(f));
      return {
        rate: rs[0]!.rate,
        offered: m((r) => r.offered),
        benchCpuPct: m((r) => r.benchCpuPct),
        brokersCpuPct: rs[0]!.brokersCpuPct.map((_, j) => m((r) => r.brokersCpuPct[j]!)),
        deliveredPct: m((r) => r.deliveredPct),
        p50: m((r) => r.p50),
        p99: m((r) => r.p99),
        max: m((r) => r.max),
        alarmP50: m((r) => r.alarmP50),
        alarmP99: m((r) => r.alarmP99),
        ackP50: m((r) => r.ackP50),
        ackP99: m((r) => r.ackP99),
        rssMB: m((r) => r.rssMB),
        cpuPct: m((r) => r.cpuPct),
        cpuPer1k: m((r) => r.cpuPer1k),
        storedTwice: Math.max(...rs.map((r) => r.storedTwice)),
        load: m((r) => r.load),
      };
    });
  for (let i = 0; i < medians.length; i++) printRow(medians[i]!, `(${rows[i]!.length} runs) `);
  const ok = medians.filter((r) => r.deliveredPct === 100 && r.p99 < 1000);
  console.log(
    `\nhighest rate with every frame delivered and p99 < 1 s: ${ok.length ? `${ok[ok.length - 1]!.rate.toLocaleString("en")}/s` : "none"}`,
  );
}

main().catch(async (e: unknown) => {
  console.error(e);
  // A stack that failed to start still holds what did start: stop it, then exit.
  for (const stop of started.reverse()) await stop().catch(() => {});
  process.exit(1);
});
