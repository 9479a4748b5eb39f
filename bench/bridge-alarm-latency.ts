/**
 * Alarm latency on loopback: from the gateway's MQTT publish of an alarm
 * transition to the webhook request arriving at the receiver, through
 * Mosquitto and one bridge instance (shared subscription, decode, routing,
 * signed POST). Measured idle and with a background telemetry stream.
 *
 *   npm run build && node dist/bench/bridge-alarm-latency.js [alarms] [runs]
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import mqtt, { type MqttClient } from "mqtt";
import { CloudBridge } from "../cloud-bridge/bridge.js";
import { createLogger } from "../common/log.js";
import { topics } from "../protocol/uplink.js";
import {
  benchConfig,
  median,
  percentile,
  sleep,
  startBenchMosquitto,
  startBenchVictoriaMetrics,
} from "./bridge-support.js";

const ALARMS = Number(process.argv[2] ?? 200);
const RUNS = Number(process.argv[3] ?? 3);
const BACKGROUND_MSG_PER_S = 2000;

async function main() {
  const broker = await startBenchMosquitto();
  const vm = await startBenchVictoriaMetrics();
  const arrivals = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const receiver = createServer((req, res) => {
    const at = performance.now();
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    req.on("end", () => {
      const id = (JSON.parse(body) as { alarm: { alarmId: string } }).alarm.alarmId;
      arrivals.set(id, at);
      waiters.get(id)?.();
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const bridge = new CloudBridge(
    benchConfig(broker.url, vm.url, "latency", {
      webhooks: [{ name: "duty", url: hookUrl, secret: "bench-secret-0123456789" }],
    }),
    { logger: createLogger("bench", { level: "error" }) },
  );
  await bridge.start();
  const gw: MqttClient = mqtt.connect(broker.url, { protocolVersion: 5, clientId: "bench-gw" });
  await new Promise<void>((r) => gw.once("connect", () => r()));
  let seq = 1;

  async function measure(label: string, run: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < ALARMS; i++) {
      const alarmId = `${label}-${run}-${i}`;
      const ts = Date.now();
      const transition = {
        v: 1,
        site: "bench-site",
        gateway: "gw-1",
        alarmId,
        transition: "raised",
        kind: "fire",
        severity: "critical",
        deviceId: "0000f1e0",
        rule: "smoke",
        active: true,
        acknowledged: false,
        raisedAt: ts,
        level: 0,
        seq: seq++,
        ts,
        historical: false,
      };
      const arrived = new Promise<void>((r) => waiters.set(alarmId, r));
      const t0 = performance.now();
      gw.publish(topics.alarm("bench-site", "gw-1"), JSON.stringify(transition), { qos: 1 });
      await arrived;
      out.push(arrivals.get(alarmId)! - t0);
      waiters.delete(alarmId);
      await sleep(5);
    }
    return out;
  }

  let background = false;
  const telemetry = async () => {
    let i = 0;
    const body = (n: number) =>
      JSON.stringify({
        v: 1,
        site: "bench-site",
        gateway: "gw-2",
        deviceId: "0000bac0",
        deviceKind: "charger",
        seq: n,
        counter: n,
        ts: Date.now(),
        historical: false,
        receivers: [],
        body: {
          type: "charger-telemetry",
          tempDeciC: 250,
          ports: Array.from({ length: 8 }, () => ({
            powerW: 500,
            energyWh: 1,
            state: 1,
            relayOn: true,
          })),
        },
      });
    while (background) {
      const start = performance.now();
      for (let k = 0; k < BACKGROUND_MSG_PER_S / 20; k++)
        gw.publish(topics.telemetry("bench-site", "gw-2", "0000bac0"), body(i++), { qos: 1 });
      await sleep(Math.max(0, 50 - (performance.now() - start)));
    }
  };

  try {
    await measure("warmup", 0);
    console.log(
      `bridge-alarm-latency: ${ALARMS} alarms per run, ${RUNS} runs; publish -> webhook on loopback`,
    );
    for (const mode of ["idle", `with ${BACKGROUND_MSG_PER_S} telemetry msg/s`]) {
      const p50s: number[] = [];
      const p99s: number[] = [];
      if (mode !== "idle") {
        background = true;
        void telemetry();
        await sleep(500);
      }
      for (let r = 1; r <= RUNS; r++) {
        const xs = await measure(mode === "idle" ? "idle" : "load", r);
        p50s.push(percentile(xs, 50));
        p99s.push(percentile(xs, 99));
      }
      background = false;
      console.log(
        `${mode.padEnd(28)} median p50 ${median(p50s).toFixed(2)} ms, median p99 ${median(p99s).toFixed(2)} ms  (p99 per run: ${p99s.map((x) => x.toFixed(1)).join(", ")})`,
      );
    }
  } finally {
    await gw.endAsync();
    await bridge.stop();
    receiver.close();
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
