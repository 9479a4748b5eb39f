import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { onFreePort } from "./servers.js";
import { freePort } from "./services.js";

const ephemeralLow = Number(
  readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").split(/\s+/)[0],
);

describe("free ports for servers started afterwards", () => {
  it("draws ports below the range the kernel gives outgoing connections, never the same twice", async () => {
    const ports: number[] = [];
    for (let i = 0; i < 30; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(10_000);
      expect(p).toBeLessThan(ephemeralLow);
    }
    // A server can listen on one.
    const srv = createServer();
    await new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(ports[0], "127.0.0.1", resolve);
    });
    await new Promise((r) => srv.close(r));
  });

  it("starts a server again on a new port when its port was taken meanwhile", async () => {
    const tried: number[] = [];
    const port = await onFreePort(undefined, async (p) => {
      tried.push(p);
      if (tried.length < 3) throw new Error(`broker exited (1): Error: Address already in use`);
    });
    expect(tried.length).toBe(3);
    expect(new Set(tried).size).toBe(3);
    expect(port).toBe(tried[2]);
  });

  it("keeps a port the caller fixed, and any other start failure, as the error it is", async () => {
    const taken = () => Promise.reject(new Error("Address already in use"));
    await expect(onFreePort(4242, taken)).rejects.toThrow("Address already in use");
    let calls = 0;
    await expect(
      onFreePort(undefined, async () => {
        calls++;
        throw new Error("mosquitto exited (3): bad config");
      }),
    ).rejects.toThrow("bad config");
    expect(calls).toBe(1);
  });
});
