import { closeSync, openSync, writeSync } from "node:fs";
import { autoDetect } from "@serialport/bindings-cpp";
import { afterEach, describe, expect, it } from "vitest";
import { memoryLogger } from "../../common/log.js";
import { encodeFrame } from "../../protocol/codec.js";
import { frameBytes } from "../../protocol/framing.js";
import { createPtyPair, tmpDir, waitFor } from "../../tests/support/services.js";
import { nodeHmac } from "../registry/keys.js";
import { MockBinding } from "./mock-binding.js";
import { SerialReceiver } from "./serial-receiver.js";

const KEY = new Uint8Array(16).fill(7);

function statusFrame(counter: number, deviceId = 0x1234): Uint8Array {
  return frameBytes(
    encodeFrame(
      {
        deviceId,
        counter,
        flags: 0,
        msg: {
          type: "status",
          deviceKind: 1,
          batteryMv: 3000,
          fwMajor: 1,
          fwMinor: 0,
          fwPatch: 0,
          uptimeS: counter,
          resetCause: 0,
        },
      },
      KEY,
      nodeHmac,
    ),
  );
}

describe("SerialReceiver with MockBinding", () => {
  afterEach(() => MockBinding.reset());

  it("reassembles frames split across reads and skips garbage between them", async () => {
    MockBinding.createPort("/dev/mock0", { echo: false, record: true });
    const got: Array<{ bytes: Uint8Array; receiver: string }> = [];
    const rx = new SerialReceiver(
      { name: "radio-a", path: "/dev/mock0", baudRate: 9600, binding: MockBinding },
      (bytes, r) => got.push({ bytes, receiver: r.receiver }),
      memoryLogger(),
    );
    rx.start();
    await waitFor(() => (rx.isUp() ? true : undefined), "mock port open");
    const a = statusFrame(1);
    const b = statusFrame(2);
    const stream = new Uint8Array([0x01, 0x02, ...a, 0x55, ...b]);
    const port = (rx as unknown as { port: { port: { emitData(d: Buffer): void } } }).port.port;
    port.emitData(Buffer.from(stream.subarray(0, 7)));
    port.emitData(Buffer.from(stream.subarray(7)));
    await waitFor(() => (got.length === 2 ? true : undefined), "two frames");
    expect(got.every((g) => g.receiver === "serial:radio-a")).toBe(true);
    expect(rx.deframer.stats.garbageBytes).toBe(3);
    expect(rx.send(0x1234, new Uint8Array([1, 2, 3]))).toBe(true);
    await rx.stop();
    expect(rx.isUp()).toBe(false);
  });

  it("on a shared bus answers only after the frame that followed the acknowledged one, and the gap", async () => {
    MockBinding.createPort("/dev/mock-bus", { echo: false, record: true });
    let now = 1000;
    const timers: Array<{ at: number; fn: () => void }> = [];
    const runTimers = (until: number) => {
      now = until;
      for (const t of timers.splice(0).sort((a, b) => a.at - b.at))
        if (t.at <= until) t.fn();
        else timers.push(t);
    };
    const got: Uint8Array[] = [];
    const rx = new SerialReceiver(
      {
        name: "bus-a",
        path: "/dev/mock-bus",
        baudRate: 9600,
        binding: MockBinding,
        bus: true,
        clock: () => now,
        lineScheduler: {
          setTimeout: (fn, ms) => {
            const t = { at: now + ms, fn };
            timers.push(t);
            return t;
          },
          clearTimeout: (h) => {
            const i = timers.indexOf(h as (typeof timers)[number]);
            if (i >= 0) timers.splice(i, 1);
          },
        },
      },
      (bytes) => got.push(bytes),
      memoryLogger(),
    );
    rx.start();
    await waitFor(() => (rx.isUp() ? true : undefined), "mock port open");
    const port = (
      rx as unknown as { port: { port: { emitData(d: Buffer): void; recording: Buffer } } }
    ).port.port;
    // A charger's event, and its telemetry frame right behind it: the opening flag is on the line.
    const event = statusFrame(1);
    const telemetry = statusFrame(2);
    port.emitData(Buffer.from([...event, telemetry[0]!]));
    await waitFor(() => (got.length === 1 ? true : undefined), "the event");
    const ack = new Uint8Array([0x7e, 1, 2, 3, 0x7e]);
    expect(rx.send(0x1234, ack)).toBe(true);
    runTimers(1060);
    expect(rx.stats.bytesOut).toBe(0); // not over the telemetry frame
    now = 1070;
    port.emitData(Buffer.from(telemetry.subarray(1)));
    await waitFor(() => (got.length === 2 ? true : undefined), "the telemetry");
    runTimers(1072);
    expect(rx.stats.bytesOut).toBe(0); // the inter-frame gap (3.5 characters) first
    runTimers(1075);
    expect(rx.stats.bytesOut).toBe(ack.length);
    expect(rx.stats.lineDeferred).toBe(1);
    await rx.stop();
  });

  it("keeps retrying while the port is missing and opens once it appears", async () => {
    const rx = new SerialReceiver(
      {
        name: "late",
        path: "/dev/mock-late",
        baudRate: 115200,
        binding: MockBinding,
        minBackoffMs: 10,
        maxBackoffMs: 20,
      },
      () => {},
      memoryLogger(),
    );
    rx.start();
    await waitFor(() => (rx.stats.openFailures >= 2 ? true : undefined), "open failures");
    expect(rx.isUp()).toBe(false);
    MockBinding.createPort("/dev/mock-late", { echo: false, record: false });
    await waitFor(() => (rx.isUp() ? true : undefined), "port open after it appeared");
    await rx.stop();
  });
});

describe("SerialReceiver on a socat pseudo-terminal", () => {
  it("reconnects by itself when the device disappears and comes back", async () => {
    const dir = tmpDir("haitang-serial-");
    let pty = await createPtyPair(dir.path, "radio");
    const got: number[] = [];
    const rx = new SerialReceiver(
      {
        name: "radio",
        path: pty.hostPath,
        baudRate: 9600,
        binding: autoDetect(),
        minBackoffMs: 20,
        maxBackoffMs: 100,
      },
      (bytes) => got.push(bytes[9]!),
      memoryLogger(),
    );
    const write = (path: string, data: Uint8Array) => {
      const fd = openSync(path, "r+");
      try {
        writeSync(fd, data);
      } finally {
        closeSync(fd);
      }
    };
    try {
      rx.start();
      await waitFor(() => (rx.isUp() ? true : undefined), "pty open");
      write(pty.devicePath, statusFrame(1));
      await waitFor(() => (got.length >= 1 ? true : undefined), "first frame");
      await pty.close();
      await waitFor(() => (!rx.isUp() ? true : undefined), "disconnect noticed");
      pty = await createPtyPair(dir.path, "radio");
      await waitFor(() => (rx.isUp() && rx.stats.opens >= 2 ? true : undefined), "reopened");
      write(pty.devicePath, statusFrame(2));
      await waitFor(() => (got.length >= 2 ? true : undefined), "frame after reconnect");
      expect(got).toEqual([1, 2]);
      expect(rx.stats.disconnects).toBeGreaterThanOrEqual(1);
    } finally {
      await rx.stop();
      await pty.close();
      dir.remove();
    }
  });
});
