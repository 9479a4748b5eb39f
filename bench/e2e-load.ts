/**
 * The end-to-end bench's load generator over MQTT (bench/gateway-e2e.ts). It
 * is the harness: it must offer what it is asked, with as little CPU as it
 * can, since it shares the machine with the system it measures.
 *
 * Before a step, every telemetry frame becomes a QoS 1 PUBLISH packet, laid
 * out back to back in one buffer per connection (`lanes` connections, a
 * device always on the same one). Sending plan[from..to) is then one socket
 * write per connection of the bytes already there; PUBACKs are only counted.
 * Alarms go on a connection of their own (mqtt.js), which also reads the
 * gateway's acks to the alarm devices.
 */
import type { MqttClient } from "mqtt";
import { deviceTopicForFramed } from "../gateway/ingest/device-topics.js";
import type { PlannedFrame } from "./e2e-support.js";
import { publishPacket, RawMqttClient } from "./raw-mqtt.js";

/** What sends a step's frames (MQTT or serial lines). */
export interface FrameSender {
  /** Builds what a step sends, before its clock starts. */
  prepare(plan: readonly PlannedFrame[]): void;
  /** Sends plan[from..to) now; returns the index it got to (a slow line may stop short). */
  send(from: number, to: number, elapsedS: number): number;
  /** Publishes the broker acknowledged so far (MQTT) of what was sent. */
  acked?(): number;
}

const ALARM_LANE = -1;

export class MqttFrameSender implements FrameSender {
  private plan: readonly PlannedFrame[] = [];
  /** Per frame: its connection (ALARM_LANE: the alarm connection). */
  private laneOf = new Int32Array(0);
  /** Per frame: where its packet ends in its connection's buffer. */
  private endOf = new Int32Array(0);
  private bufs: Buffer[] = [];
  private sentTo: number[] = [];
  private readonly dueTo: number[];

  private constructor(
    private readonly pubs: RawMqttClient[],
    private readonly alarmPub: MqttClient,
  ) {
    this.dueTo = pubs.map(() => 0);
  }

  static async connect(
    port: number,
    lanes: number,
    alarmPub: MqttClient,
  ): Promise<MqttFrameSender> {
    const pubs: RawMqttClient[] = [];
    for (let i = 0; i < lanes; i++) pubs.push(await RawMqttClient.connect(port, `bench-dev-${i}`));
    return new MqttFrameSender(pubs, alarmPub);
  }

  prepare(plan: readonly PlannedFrame[]): void {
    const lanes = this.pubs.length;
    this.plan = plan;
    this.laneOf = new Int32Array(plan.length);
    this.endOf = new Int32Array(plan.length);
    const packets: Buffer[][] = this.pubs.map(() => []);
    const size = this.pubs.map(() => 0);
    for (let i = 0; i < plan.length; i++) {
      const f = plan[i]!;
      if (f.alarm) {
        this.laneOf[i] = ALARM_LANE;
        continue;
      }
      const lane = f.device.id % lanes;
      const p = publishPacket(
        deviceTopicForFramed(f.device.id, f.bytes),
        f.bytes,
        this.pubs[lane]!.packetId(),
      );
      packets[lane]!.push(p);
      size[lane]! += p.length;
      this.laneOf[i] = lane;
      this.endOf[i] = size[lane]!;
    }
    this.bufs = packets.map((ps) => Buffer.concat(ps));
    this.sentTo = this.pubs.map(() => 0);
    this.dueTo.fill(0);
  }

  send(from: number, to: number): number {
    const due = this.dueTo;
    for (let i = from; i < to; i++) {
      const lane = this.laneOf[i]!;
      if (lane === ALARM_LANE) {
        const f = this.plan[i]!;
        this.alarmPub.publish(deviceTopicForFramed(f.device.id, f.bytes), Buffer.from(f.bytes), {
          qos: 1,
        });
      } else due[lane] = this.endOf[i]!;
    }
    for (let lane = 0; lane < this.pubs.length; lane++) {
      const end = due[lane]!;
      const start = this.sentTo[lane]!;
      if (end > start) {
        this.pubs[lane]!.write(this.bufs[lane]!.subarray(start, end));
        this.sentTo[lane] = end;
      }
    }
    return to;
  }

  acked(): number {
    let n = 0;
    for (const p of this.pubs) n += p.acked;
    return n;
  }

  async close(): Promise<void> {
    await Promise.all(this.pubs.map((p) => p.close()));
  }
}
