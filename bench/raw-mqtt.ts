/**
 * A lean MQTT 3.1.1 client for the end-to-end bench (the harness, not the
 * system under test). The load generator's QoS 1 PUBLISH packets are built
 * before a load step and written to the socket in runs (one write for every
 * packet due on a connection), and PUBACKs are only counted; the arrival
 * subscriber gets each PUBLISH's topic and payload, and the PUBACKs of one
 * read leave in one write. mqtt.js spends tens of microseconds per packet
 * (packet objects, store, callbacks, a write per PUBACK), which capped the
 * generator below the rates it was asked for.
 *
 * MQTT 3.1.1 §2.2 fixed header (type, remaining length as a variable byte
 * integer), §3.1 CONNECT, §3.3 PUBLISH (QoS 1: topic, packet identifier,
 * payload), §3.4 PUBACK, §3.8 SUBSCRIBE.
 */
import { connect, type Socket } from "node:net";

const PUBLISH_QOS1 = 0x32;
const PUBLISH = 3;
const PUBACK = 4;
const CONNACK = 2;
const SUBACK = 9;

/** The remaining-length bytes of a packet (MQTT 3.1.1 §2.2.3). */
function lengthBytes(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** A QoS 1 PUBLISH packet. `packetId` is 1..65535. */
export function publishPacket(topic: string, payload: Uint8Array, packetId: number): Buffer {
  const t = Buffer.from(topic, "utf8");
  const rest = 2 + t.length + 2 + payload.length;
  const len = lengthBytes(rest);
  const out = Buffer.allocUnsafe(1 + len.length + rest);
  let at = 0;
  out[at++] = PUBLISH_QOS1;
  for (const b of len) out[at++] = b;
  out.writeUInt16BE(t.length, at);
  at += 2;
  t.copy(out, at);
  at += t.length;
  out.writeUInt16BE(packetId, at);
  at += 2;
  out.set(payload, at);
  return out;
}

/** A CONNECT packet: clean session, no keep-alive (a step's drain may take minutes). */
function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId, "utf8");
  const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 0]);
  const rest = variable.length + 2 + id.length;
  const head = Buffer.from([0x10, ...lengthBytes(rest)]);
  const idLen = Buffer.alloc(2);
  idLen.writeUInt16BE(id.length);
  return Buffer.concat([head, variable, idLen, id]);
}

/**
 * One connection: writes pre-built packets and counts the PUBACKs that come
 * back; hands incoming PUBLISHes to `onPublish` and acknowledges them.
 */
export class RawMqttClient {
  /** PUBACKs received. */
  acked = 0;
  /** Incoming messages (after subscribe()). */
  onPublish: ((topic: string, payload: Buffer) => void) | undefined;
  private pending: Buffer | undefined;
  private nextId = 1;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (d: Buffer) => this.read(d));
  }

  static connect(port: number, clientId: string): Promise<RawMqttClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, "127.0.0.1");
      s.setNoDelay(true);
      s.once("error", reject);
      s.once("connect", () => s.write(connectPacket(clientId)));
      s.once("data", (d: Buffer) => {
        // CONNACK: 0x20 0x02 flags returnCode (§3.2)
        if ((d[0] ?? 0) >> 4 !== CONNACK || d[3] !== 0) {
          reject(new Error(`${clientId}: broker refused the connection (${d.toString("hex")})`));
          s.destroy();
          return;
        }
        s.off("error", reject);
        s.on("error", () => {});
        resolve(new RawMqttClient(s));
      });
    });
  }

  /** The next packet identifier of this connection (1..65535, then again from 1). */
  packetId(): number {
    const id = this.nextId;
    this.nextId = id === 65535 ? 1 : id + 1;
    return id;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Subscribes to `filter` at `qos`; resolves on the SUBACK. */
  subscribe(filter: string, qos: 0 | 1): Promise<void> {
    const f = Buffer.from(filter, "utf8");
    const rest = 2 + 2 + f.length + 1;
    const p = Buffer.alloc(1 + lengthBytes(rest).length + rest);
    let at = 0;
    p[at++] = 0x82;
    for (const b of lengthBytes(rest)) p[at++] = b;
    at = p.writeUInt16BE(this.packetId(), at);
    at = p.writeUInt16BE(f.length, at);
    at += f.copy(p, at);
    p[at] = qos;
    return new Promise((resolve) => {
      this.subacked = resolve;
      this.socket.write(p);
    });
  }

  private subacked: (() => void) | undefined;

  /**
   * Counts PUBACKs, hands PUBLISHes to onPublish and acknowledges the QoS 1
   * ones in one write per read; a packet split across reads waits for its rest.
   */
  private read(d: Buffer): void {
    const b = this.pending ? Buffer.concat([this.pending, d]) : d;
    const acks: number[] = [];
    let at = 0;
    for (;;) {
      if (b.length - at < 2) break;
      let len = 0;
      let mul = 1;
      let i = at + 1;
      let complete = false;
      for (; i < b.length && i < at + 5; i++) {
        len += (b[i]! & 0x7f) * mul;
        mul *= 128;
        if ((b[i]! & 0x80) === 0) {
          complete = true;
          i++;
          break;
        }
      }
      if (!complete || i + len > b.length) break;
      const type = b[at]! >> 4;
      if (type === PUBACK) this.acked++;
      else if (type === PUBLISH) {
        const qos = (b[at]! >> 1) & 3;
        const topicLen = b.readUInt16BE(i);
        const topic = b.toString("utf8", i + 2, i + 2 + topicLen);
        let p = i + 2 + topicLen;
        if (qos > 0) {
          acks.push(b.readUInt16BE(p));
          p += 2;
        }
        this.onPublish?.(topic, b.subarray(p, i + len));
      } else if (type === SUBACK) this.subacked?.();
      at = i + len;
    }
    this.pending = at < b.length ? b.subarray(at) : undefined;
    if (acks.length > 0) {
      const out = Buffer.allocUnsafe(4 * acks.length);
      for (let k = 0; k < acks.length; k++) {
        out[4 * k] = PUBACK << 4;
        out[4 * k + 1] = 2;
        out.writeUInt16BE(acks[k]!, 4 * k + 2);
      }
      this.socket.write(out);
    }
  }

  close(): Promise<void> {
    // DISCONNECT (§3.14); the broker closes the connection then.
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once("close", () => resolve());
      this.socket.end(Buffer.from([0xe0, 0]));
    });
  }
}
