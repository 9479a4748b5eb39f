/**
 * The gateway killed with SIGKILL under load loses no acknowledged frame, and
 * a restart does not reopen replays. The gateway runs as a child process (the
 * real `haitang gateway` command) reading a socat pseudo-terminal.
 */
import { closeSync, constants, openSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { PtyPair } from "../common/services.js";
import type { UplinkEnvelope } from "../protocol/uplink.js";
import { createPtyPair, freePort, tmpDir, waitFor } from "../tests/support/services.js";
import { SqliteOutbox } from "./outbox/sqlite-outbox.js";
import { keyToHex } from "./registry/keys.js";
import { openGatewayDatabase } from "./storage/database.js";
import { type ChildGateway, startChildGateway } from "./testing/child-gateway.js";
import { ACK, framed, keyOf, statusMsg } from "./testing/frames.js";
import { PtyDevice } from "./testing/pty-device.js";
import { testSiteYaml } from "./testing/site.js";

const PASSWORD = "crash-test";
const DEVICES = Array.from({ length: 40 }, (_, i) => 0x0000a000 + i);
const KEYS = new Map(DEVICES.map((d, i) => [d, keyOf(100 + i)]));

describe("gateway killed with SIGKILL under load", () => {
  const dir = tmpDir("haitang-crash-");
  let pty: PtyPair | undefined;
  let child: ChildGateway | undefined;
  let device: PtyDevice | undefined;

  afterAll(async () => {
    await device?.close();
    if (child && child.proc.exitCode === null) child.proc.kill("SIGKILL");
    await pty?.close();
    dir.remove();
  });

  it("keeps every acknowledged frame, and still rejects replays after the restart", async () => {
    pty = await createPtyPair(dir.path, "radio");
    const devicesYaml = DEVICES.map(
      (d) =>
        `  - { id: "${d.toString(16).padStart(8, "0")}", kind: charger, key: "${keyToHex(KEYS.get(d)!)}", shed: shed-a }`,
    ).join("\n");
    const configPath = join(dir.path, "site.yaml");
    writeFileSync(
      configPath,
      testSiteYaml({
        dir: dir.path,
        httpPort: await freePort(),
        mqttPort: await freePort(),
        serial: [{ name: "radio", path: pty.hostPath }],
        extra: `rules: []\ndevices:\n${devicesYaml}`,
      }),
    );
    child = await startChildGateway(configPath, PASSWORD);
    device = await PtyDevice.open(pty.devicePath, KEYS);
    const acked = () => DEVICES.flatMap((d) => device!.acksFor(d).map((c) => `${d}:${c}`));

    // Load: every device sends 25 frames with "ack requested", interleaved, as fast as the pty takes them.
    let killedAfter = 0;
    const sender = (async () => {
      for (let counter = 1; counter <= 25; counter++) {
        const burst = DEVICES.map((d) => framed(d, counter, statusMsg(counter), KEYS.get(d)!, ACK));
        await device!.write(Uint8Array.from(burst.flatMap((b) => [...b])));
        if (child!.proc.exitCode !== null || child!.proc.signalCode !== null) return;
      }
    })();
    await waitFor(() => (acked().length >= 150 ? true : undefined), "acks under load", 30_000);
    child.proc.kill("SIGKILL");
    await child.exited;
    await sender.catch(() => {});
    // Frames written before the kill that the gateway never read are still on the line: read
    // them off, or the restarted gateway would accept them (never acked, so rightly) and the
    // counters below would count more than this test's three frames.
    await drainLine(pty.hostPath);
    killedAfter = acked().length;
    const ackedSet = new Set(acked());
    expect(killedAfter).toBeGreaterThanOrEqual(150);

    // Every frame the devices got an ack for is in the outbox on disk.
    const db = openGatewayDatabase(join(dir.path, "gateway.db"));
    const stored = new Set(
      new SqliteOutbox(db)
        .peek(100_000)
        .map((e) => JSON.parse(e.payload) as UplinkEnvelope)
        .map((e) => `${Number.parseInt(e.deviceId, 16)}:${e.counter}`),
    );
    db.close();
    const lost = [...ackedSet].filter((k) => !stored.has(k));
    expect(lost).toEqual([]);

    // Restart: replaying acknowledged frames adds nothing (duplicates, re-acked), an old counter is a replay.
    child = await startChildGateway(configPath, PASSWORD);
    const dev0 = DEVICES[0]!;
    const key0 = KEYS.get(dev0)!;
    const acked0 = device.acksFor(dev0);
    const replayCounter = acked0[0]!;
    const acksBefore = acked0.length;
    await device.write(framed(dev0, replayCounter, statusMsg(replayCounter), key0, ACK));
    await device.write(framed(dev0, 200, statusMsg(200), key0)); // moves the window past the old counters
    await device.write(framed(dev0, 2, statusMsg(2), key0)); // far below the window now
    const auth = `Basic ${Buffer.from(`x:${PASSWORD}`).toString("base64")}`;
    const metric = async (name: string) => {
      const text = await (
        await fetch(`http://127.0.0.1:${child!.ready.http}/metrics`, {
          headers: { authorization: auth },
        })
      ).text();
      const line = text.split("\n").find((l) => l.startsWith(`${name} `));
      return line ? Number(line.split(" ")[1]) : undefined;
    };
    await waitFor(
      async () =>
        (await metric(
          'haitang_gateway_frames_dropped_total{stage="counter",reason="replayed"}',
        )) === 1
          ? true
          : undefined,
      "replay counted after restart",
    );
    expect(
      await metric('haitang_gateway_frames_dropped_total{stage="dedup",reason="duplicate"}'),
    ).toBe(1);
    expect(await metric("haitang_gateway_frames_accepted_total")).toBe(1);
    await waitFor(
      () => (device!.acksFor(dev0).length > acksBefore ? true : undefined),
      "re-ack after restart",
    );

    child.proc.kill("SIGTERM");
    expect((await child.exited).code).toBe(0);
  });
});

/** Reads a line's side until it stayed empty for 300 ms (socat may still be relaying). */
async function drainLine(path: string): Promise<void> {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  const buf = Buffer.alloc(4096);
  try {
    for (let quiet = 0; quiet < 3; ) {
      let n = 0;
      try {
        n = readSync(fd, buf);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      }
      if (n > 0) quiet = 0;
      else {
        quiet++;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    closeSync(fd);
  }
}
