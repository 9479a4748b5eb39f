/**
 * A lean MQTT 3.1.1 publisher for the end-to-end bench's load generator (the
 * harness, not the system under test): QoS 1 PUBLISH packets are built before
 * a load step, written to the socket in runs (one write for every packet due
 * on a connection), and PUBACKs are only counted. mqtt.js spends tens of
 * microseconds per publish (packet object, store, callback), which capped the
 * generator below the rates it was asked for.
 *
 * MQTT 3.1.1 §2.2 fixed header (type, remaining length as a variable byte
 * integer), §3.1 CONNECT, §3.3 PUBLISH (QoS 1: topic, packet identifier,
 * payload), §3.4 PUBACK.
 */
import { connect, type Socket } from "node:net";

const PUBLISH_QOS1 = 0x32;
const PUBACK = 4;
const CONNACK = 2;

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

/** One connection that writes pre-built packets and counts the PUBACKs that come back. */
export class RawPublisher {
  /** PUBACKs received. */
  acked = 0;
  private pending: Buffer | undefined;
  private nextId = 1;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (d: Buffer) => this.read(d));
  }

  static connect(port: number, clientId: string): Promise<RawPublisher> {
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
        resolve(new RawPublisher(s));
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

  /** Counts PUBACKs; a packet split across reads waits for its rest. */
  private read(d: Buffer): void {
    const b = this.pending ? Buffer.concat([this.pending, d]) : d;
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
      if (b[at]! >> 4 === PUBACK) this.acked++;
      at = i + len;
    }
    this.pending = at < b.length ? b.subarray(at) : undefined;
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
