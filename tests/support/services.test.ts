import { closeSync, openSync, readSync, writeSync } from "node:fs";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import {
  createPtyPair,
  startMosquitto,
  startVictoriaMetrics,
  tmpDir,
  waitFor,
} from "./services.js";

describe("test services", () => {
  const dirs: Array<{ remove(): void }> = [];
  afterAll(() => {
    for (const d of dirs) d.remove();
  });

  it("a pseudo-terminal pair carries bytes from the device side to the host side", async () => {
    const dir = tmpDir();
    dirs.push(dir);
    const pair = await createPtyPair(dir.path, "radio0");
    const dev = openSync(pair.devicePath, "r+");
    const host = openSync(pair.hostPath, "r+");
    writeSync(dev, Buffer.from([0x7e, 0x01, 0x7d, 0x5e, 0x7e]));
    const buf = Buffer.alloc(16);
    let got = 0;
    const deadline = Date.now() + 5000;
    while (got < 5 && Date.now() < deadline) {
      try {
        got += readSync(host, buf, got, 16 - got, null);
      } catch {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    closeSync(dev);
    closeSync(host);
    await pair.close();
    expect([...buf.subarray(0, got)]).toEqual([0x7e, 0x01, 0x7d, 0x5e, 0x7e]);
  });

  it("mosquitto refuses anonymous clients when users are configured and routes for a user", async () => {
    const broker = await startMosquitto({ users: { gw: "secret" } });
    try {
      const anon = mqtt.connect(broker.url, { reconnectPeriod: 0, protocolVersion: 5 });
      const err = await new Promise<Error>((resolve) => anon.once("error", resolve));
      expect(err.message).toMatch(/Not authorized|Bad User Name or Password/i);
      anon.end(true);
      const c = await mqtt.connectAsync(broker.url, {
        username: "gw",
        password: "secret",
        protocolVersion: 5,
      });
      await c.subscribeAsync("t/#", { qos: 1 });
      const got = new Promise<[string, Buffer]>((resolve) =>
        c.once("message", (t, p) => resolve([t, p])),
      );
      await c.publishAsync("t/x", "hello", { qos: 1 });
      const [topic, payload] = await got;
      expect(topic).toBe("t/x");
      expect(payload.toString()).toBe("hello");
      await c.endAsync();
    } finally {
      await broker.stop();
    }
  });

  it("victoria-metrics accepts InfluxDB line protocol and reads it back", async () => {
    const vm = await startVictoriaMetrics();
    try {
      const res = await fetch(`${vm.url}/api/v2/write?org=o&bucket=b&precision=ms`, {
        method: "POST",
        body: `port_power,site=s1,port=3 watts=812 ${Date.now()}`,
      });
      expect(res.status).toBe(204);
      const series = await waitFor(async () => {
        await vm.flush();
        const s = await vm.exportSeries('{__name__="port_power_watts"}');
        return s.length > 0 ? s : undefined;
      }, "the point to be readable");
      expect(series).toHaveLength(1);
      expect(series[0]?.metric.site).toBe("s1");
      expect(series[0]?.values).toEqual([812]);
    } finally {
      await vm.stop();
    }
  });
});
