/**
 * The cloud side of a run: a Mosquitto broker the gateway uplinks to (stopped
 * and started by the timeline to cut the internet), and an observer that
 * subscribes to the whole topic tree and writes what arrives into the trace.
 * The broker keeps sessions across a restart (persistence on) and the
 * observer's session is persistent, so nothing published is missed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { freePort, requireBinary } from "../../common/services.js";
import { parseTopic, TOPIC_ROOT } from "../../protocol/uplink.js";

export interface CloudMessage {
  kind: string;
  deviceId?: string;
  payload: Record<string, unknown>;
}

export class CloudBroker {
  port = 0;
  private proc: ChildProcess | undefined;
  private dir = "";
  private out = "";

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.dir) {
      this.dir = mkdtempSync(join(tmpdir(), "haitang-sim-cloud-"));
      this.port = await freePort();
      writeFileSync(
        join(this.dir, "mosquitto.conf"),
        [
          `user ${userInfo().username}`,
          `listener ${this.port} 127.0.0.1`,
          "allow_anonymous true",
          "persistence true",
          `persistence_location ${this.dir}/`,
          "log_dest stderr",
          "log_type error",
          "max_queued_messages 100000",
          "",
        ].join("\n"),
      );
    }
    const bin = requireBinary("mosquitto", "mosquitto");
    this.out = "";
    const proc = spawn(bin, ["-c", join(this.dir, "mosquitto.conf")], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    proc.stderr?.on("data", (d: Buffer) => {
      this.out += d.toString();
    });
    this.proc = proc;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`mosquitto exited: ${this.out}`);
      if (await canConnect(this.port)) return;
      if (Date.now() > deadline)
        throw new Error(`mosquitto did not listen on ${this.port}: ${this.out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once("exit", () => resolve());
      p.kill("SIGTERM");
    });
  }

  get running(): boolean {
    return this.proc !== undefined;
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export class CloudObserver {
  received = 0;
  private client: MqttClient | undefined;
  private readonly onMessage: (m: CloudMessage) => void;

  constructor(onMessage: (m: CloudMessage) => void) {
    this.onMessage = onMessage;
  }

  async connect(url: string, clientId: string): Promise<void> {
    const client = mqtt.connect(url, {
      clientId,
      clean: false,
      reconnectPeriod: 50,
      protocolVersion: 5,
    });
    this.client = client;
    client.on("message", (topic, payload) => {
      const parsed = parseTopic(topic);
      if (!parsed) return;
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(payload.toString()) as Record<string, unknown>;
      } catch {
        return;
      }
      this.received++;
      const m: CloudMessage = { kind: parsed.kind, payload: body };
      if ("deviceId" in parsed) m.deviceId = parsed.deviceId;
      this.onMessage(m);
    });
    client.on("error", () => {});
    await new Promise<void>((resolve) => client.once("connect", () => resolve()));
    await client.subscribeAsync(`${TOPIC_ROOT}/#`, { qos: 1 });
  }

  /** Publishes an operator command (request topic). */
  async publish(topic: string, payload: string): Promise<void> {
    await this.client?.publishAsync(topic, payload, { qos: 1 });
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.endAsync(true);
  }
}
