/**
 * What the site YAML's ingest section sets, and what a restart keeps: the
 * commands waiting for devices that were not listening (a fire sounding for a
 * sleeping detector, a port cut for a charger the gateway cannot reach).
 */
import { afterAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../common/log.js";
import { REASON_COMMAND } from "../protocol/constants.js";
import { deframeAll } from "../protocol/framing.js";
import type { Msg } from "../protocol/messages.js";
import { freePort, tmpDir, waitFor } from "../tests/support/services.js";
import { loadSiteConfig } from "./config/load.js";
import type { SiteConfig } from "./config/site-config.js";
import { InstallAuth } from "./http/auth.js";
import { keyToHex } from "./registry/keys.js";
import { GatewayService } from "./service.js";
import { framed, keyOf, smokeAlarmMsg, statusMsg } from "./testing/frames.js";
import { testSiteYaml } from "./testing/site.js";
import { PRIORITY_ALARM } from "./types.js";

const FIRST = 0x00d00101;
const SLEEPER = 0x00d00102;
const CHARGER = 0x00c00001;
const KEYS = new Map([
  [FIRST, keyOf(21)],
  [SLEEPER, keyOf(22)],
  [CHARGER, keyOf(23)],
]);

const hex = (d: number) => d.toString(16).padStart(8, "0");

async function site(dir: string, extra = ""): Promise<SiteConfig> {
  const devices = [
    `  - { id: "${hex(FIRST)}", kind: smoke, key: "${keyToHex(KEYS.get(FIRST)!)}", building: b1, location: "101" }`,
    `  - { id: "${hex(SLEEPER)}", kind: smoke, key: "${keyToHex(KEYS.get(SLEEPER)!)}", building: b1, location: "102" }`,
    `  - { id: "${hex(CHARGER)}", kind: charger, key: "${keyToHex(KEYS.get(CHARGER)!)}", shed: shed-a }`,
  ].join("\n");
  const r = loadSiteConfig({
    text: testSiteYaml({
      dir,
      httpPort: await freePort(),
      mqttPort: await freePort(),
      extra: `devices:\n${devices}\n${extra}`,
    }),
    baseDir: dir,
  });
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("; "));
  return r.config;
}

describe("gateway restart and ingest settings", () => {
  const dir = tmpDir("haitang-restart-");
  const running: GatewayService[] = [];
  afterAll(async () => {
    for (const gw of running) await gw.stop();
    dir.remove();
  });

  async function start(config: SiteConfig, clock?: () => number) {
    const sent: Array<{ deviceId: number; type: string }> = [];
    const gw = new GatewayService({
      config,
      auth: new InstallAuth(() => false),
      log: memoryLogger("gw"),
      ...(clock ? { clock } : {}),
      onDownlink: (deviceId, type) => sent.push({ deviceId, type }),
    });
    await gw.start();
    running.push(gw);
    return { gw, sent };
  }
  const counters: Record<number, number> = {};
  const frame = (d: number, msg: Msg) => {
    counters[d] = (counters[d] ?? 0) + 1;
    return deframeAll(framed(d, counters[d], msg, KEYS.get(d)!)).frames[0]!;
  };

  it("delivers a fire sounding and a port cut that were waiting when the gateway restarted", async () => {
    const config = await site(dir.path);
    const first = await start(config);
    // The first detector is heard, then detects fire: its building is sounded; the second
    // detector was never heard (no link yet), and nobody can reach the charger.
    first.gw.injectFrame(frame(FIRST, statusMsg()), { receiver: "mqtt" });
    first.gw.injectFrame(frame(FIRST, smokeAlarmMsg()), { receiver: "mqtt" });
    const cut = first.gw.running().downlinks.send(
      CHARGER,
      {
        msg: { type: "relay", port: 2, on: false, reason: REASON_COMMAND },
        priority: PRIORITY_ALARM,
        reason: "operator cut",
      },
      Date.now(),
    );
    expect(cut).toBe("no-link");
    const waiting = () =>
      first.gw
        .running()
        .downlinks.pending()
        .map((p) => [p.deviceId, p.msg.type]);
    expect(waiting()).toEqual(
      expect.arrayContaining([
        [SLEEPER, "sound"],
        [CHARGER, "relay"],
      ]),
    );
    await first.gw.stop();
    running.splice(running.indexOf(first.gw), 1);

    const second = await start(config);
    expect(
      second.gw
        .running()
        .downlinks.pending()
        .map((p) => [p.deviceId, p.msg.type]),
    ).toEqual(
      expect.arrayContaining([
        [SLEEPER, "sound"],
        [CHARGER, "relay"],
      ]),
    );
    // Each device is heard after the restart and gets its command in that window.
    second.gw.injectFrame(frame(SLEEPER, statusMsg()), { receiver: "mqtt" });
    second.gw.injectFrame(frame(CHARGER, statusMsg()), { receiver: "mqtt" });
    await waitFor(
      () => (second.sent.some((s) => s.deviceId === CHARGER) ? true : undefined),
      "the cut after the restart",
    );
    expect(second.sent).toEqual(
      expect.arrayContaining([
        { deviceId: SLEEPER, type: "sound" },
        { deviceId: CHARGER, type: "relay" },
      ]),
    );
    await second.gw.stop();
    running.splice(running.indexOf(second.gw), 1);
  });

  it("rate-limits each device as the site's ingest section says, and takes a reload", async () => {
    const config = await site(dir.path, "ingest: { rateLimit: { perSecond: 1, burst: 3 } }");
    let now = 1_800_000_000_000;
    const { gw } = await start(config, () => now);
    for (let i = 0; i < 5; i++) gw.injectFrame(frame(CHARGER, statusMsg(i)), { receiver: "mqtt" });
    const p = gw.running();
    expect(p.counters.accepted).toBe(3);
    expect(p.counters.dropped["rate-limited"]).toBe(2);
    // a reload with a bigger burst lets a flood through after the bucket refilled
    gw.applyConfig({
      ...config,
      ingest: { ...config.ingest, rateLimit: { perSecond: 1, burst: 20 }, mergeWindowMs: 0 },
    });
    now += 20_000;
    for (let i = 0; i < 10; i++) gw.injectFrame(frame(CHARGER, statusMsg(i)), { receiver: "mqtt" });
    expect(p.counters.accepted).toBe(13);
    expect(p.counters.dropped["rate-limited"]).toBe(2);
  });
});
