/**
 * Points per second from the MQTT broker into VictoriaMetrics, with one and
 * with two bridge instances on one shared subscription.
 *
 * Drain: the gateways' messages wait in the broker (the instances' sessions)
 * and the instances start; time from start until every message is written
 * and acknowledged. Stream: a publisher sends while the instances run.
 * A "point" is one line-protocol line; each message is charger telemetry of
 * an 8-port shed = 8 port points + 1 shed point + 1 uplink point.
 *
 *   npm run build && node dist/bench/bridge-throughput.js [messages] [runs]
 */
import mqtt from "mqtt";
import { CloudBridge } from "../cloud-bridge/bridge.js";
import { createLogger } from "../common/log.js";
import { topics } from "../protocol/uplink.js";
import {
  benchConfig,
  median,
  sleep,
  startBenchMosquitto,
  startBenchVictoriaMetrics,
} from "./bridge-support.js";

const MESSAGES = Number(process.argv[2] ?? 30_000);
const RUNS = Number(process.argv[3] ?? 3);
const POINTS_PER_MESSAGE = 10;
const GATEWAYS = ["gw-1", "gw-2", "gw-3", "gw-4"];

function payloads(run: number, n: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  // Distinct, recent, never in the future (VictoriaMetrics drops samples from the future).
  const t0 = Date.now() - 7 * 86_400_000 + run * 600_000;
  for (let i = 0; i < n; i++) {
    const gateway = GATEWAYS[i % GATEWAYS.length]!;
    const deviceId = (0x10000 * (run + 1) + (i % 200)).toString(16).padStart(8, "0");
    const env = {
      v: 1,
      site: "bench-site",
      gateway,
      deviceId,
      deviceKind: "charger",
      seq: i,
      counter: i,
      ts: t0 + i,
      historical: false,
      receivers: [{ receiver: "rs485-0" }],
      body: {
        type: "charger-telemetry",
        tempDeciC: 250 + (i % 50),
        ports: Array.from({ length: 8 }, (_, p) => ({
          powerW: (i * 7 + p * 13) % 1100,
          energyWh: i % 4000,
          state: 1,
          relayOn: true,
        })),
      },
    };
    out.push([topics.telemetry("bench-site", gateway, deviceId), JSON.stringify(env)]);
  }
  return out;
}

async function publishAll(url: string, msgs: Array<[string, string]>) {
  const c = mqtt.connect(url, {
    protocolVersion: 5,
    clientId: `bench-pub-${process.pid}`,
    properties: { receiveMaximum: 65535 },
  });
  await new Promise<void>((r) => c.once("connect", () => r()));
  const window = 2000;
  let i = 0;
  const workers = Array.from({ length: window }, async () => {
    while (i < msgs.length) {
      const [t, p] = msgs[i++]!;
      await c.publishAsync(t, p, { qos: 1 });
    }
  });
  await Promise.all(workers);
  await c.endAsync();
}

const quiet = createLogger("bench", { level: "error" });

function acked(bridges: CloudBridge[]) {
  return bridges.reduce((a, b) => a + b.metrics.value("haitang_bridge_messages_acked_total"), 0);
}

async function run(
  mqttUrl: string,
  vmUrl: string,
  instances: number,
  runNo: number,
  mode: "drain" | "stream",
) {
  const ids = Array.from(
    { length: instances },
    (_, k) => `bench-${mode}-${instances}-${runNo}-${k}`,
  );
  const msgs = payloads(runNo + (mode === "stream" ? 100 : 0) + instances * 10, MESSAGES);
  if (mode === "drain") {
    // Create the sessions and their shared subscription, then leave them waiting.
    for (const id of ids) {
      const b = new CloudBridge(benchConfig(mqttUrl, vmUrl, id), { logger: quiet });
      await b.start();
      await b.abort();
    }
    await publishAll(mqttUrl, msgs);
    await sleep(200);
  }
  const bridges = ids.map(
    (id) => new CloudBridge(benchConfig(mqttUrl, vmUrl, id), { logger: quiet }),
  );
  const t0 = performance.now();
  await Promise.all(bridges.map((b) => b.start()));
  if (mode === "stream") void publishAll(mqttUrl, msgs);
  while (acked(bridges) < MESSAGES) {
    await sleep(5);
    if (performance.now() - t0 > 300_000)
      throw new Error(`stuck at ${acked(bridges)} of ${MESSAGES}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const written = bridges.reduce(
    (a, b) => a + b.metrics.value("haitang_bridge_points_written_total"),
    0,
  );
  for (const b of bridges) await b.stop();
  return { seconds, pointsPerS: written / seconds, messagesPerS: MESSAGES / seconds, written };
}

async function main() {
  const broker = await startBenchMosquitto();
  const vm = await startBenchVictoriaMetrics();
  try {
    console.log(
      `bridge-throughput: ${MESSAGES} messages x ${POINTS_PER_MESSAGE} points, ${RUNS} runs each`,
    );
    for (const mode of ["drain", "stream"] as const) {
      for (const instances of [1, 2]) {
        const results = [];
        for (let r = 0; r < RUNS; r++)
          results.push(await run(broker.url, vm.url, instances, r, mode));
        const pps = median(results.map((x) => x.pointsPerS));
        const mps = median(results.map((x) => x.messagesPerS));
        console.log(
          `${mode.padEnd(6)} instances=${instances}  median ${Math.round(pps).toLocaleString("en")} points/s  (${Math.round(mps).toLocaleString("en")} messages/s)  runs: ${results
            .map((x) => Math.round(x.pointsPerS))
            .join(", ")}`,
        );
      }
    }
    const stored = await vm.count("charger_port_power_w");
    const expected = MESSAGES * 8 * RUNS * 4;
    console.log(
      `check: ${stored.toLocaleString("en")} port samples stored, ${expected.toLocaleString("en")} expected`,
    );
  } finally {
    await vm.stop();
    await broker.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
