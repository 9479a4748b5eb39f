/**
 * Firmware-update campaign time and battery cost, in virtual time, with the
 * BUILT images in the sandbox (booted from Storage as `haitang flash` leaves
 * them) and the gateway's transfer sessions (gateway/ota/transfer-session.ts):
 * - N battery smoke detectors on one 9,600-baud radio channel, default
 *   listening schedule (a window of the fixture's listenWindowMs every
 *   DEFAULT_LISTEN_EVERY_S): the gateway sends a device's frames only while
 *   its window is open, one frame at a time on the channel;
 * - M mains chargers on one 9,600-baud RS-485 bus (always listening);
 * 20 % of frames lost both ways. Every device ends confirmed on the new
 * image. Prints campaign time, frames sent and, per detector, the extra
 * awake time and charge of one update (simulator/physics/energy.ts currents).
 *   npm run build && node dist/bench/ota-campaign.js [detectors=100] [chargers=12]
 */

import { createHmac } from "node:crypto";
import { buildFirmware } from "../firmware/build/build.js";
import { DEFAULT_LISTEN_EVERY_S, type DeviceConfig } from "../firmware/device-config.js";
import { FakeGateway } from "../firmware/hal/fake-gateway.js";
import { BOOT_CODE_FILE, type FirmwareSandbox, loadFirmware } from "../firmware/sandbox/sandbox.js";
import { VirtualClock } from "../firmware/sandbox/virtual-clock.js";
import { TransferSession } from "../gateway/ota/transfer-session.js";
import { BOOT_LOADER as FLASH_LOADER, IMAGE_FILE } from "../installer/storage-install.js";
import { fromHex } from "../protocol/bytes.js";
import { encodeFrame } from "../protocol/codec.js";
import { DEVICE_KIND_CHARGER, DEVICE_KIND_SMOKE } from "../protocol/constants.js";
import { Deframer, frameBytes } from "../protocol/framing.js";
import { encodeManifest, OTA_BOARD_CODES } from "../protocol/ota.js";
import { sha256 } from "../protocol/sha256.js";
import {
  deriveDeviceId,
  deriveKeyHex,
  deviceConfigFor,
} from "../simulator/devices/device-config-for.js";
import { BOARD_POWER, UART_RADIO } from "../simulator/physics/energy.js";
import { createRng } from "../simulator/physics/prng.js";
import {
  PLACEHOLDER_ID,
  PLACEHOLDER_KEY,
  swapIdentity,
} from "../simulator/runner/firmware-source.js";

const detectors = Number(process.argv[2] ?? 100);
const chargers = Number(process.argv[3] ?? 12);
const BAUD = 9600;
const LOSS = 0.2;
const STEP_MS = 20;
const nodeHmac = (k: Uint8Array, d: Uint8Array) =>
  new Uint8Array(createHmac("sha256", k).update(d).digest());
const bin = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

interface Dev {
  sb: FirmwareSandbox;
  gw: FakeGateway;
  session: TransferSession;
  awakeMs: number;
  statusFrames: number;
}

async function generic(kind: "smoke" | "charger", version: string): Promise<string> {
  const config = deviceConfigFor({
    name: "g",
    kind,
    deviceId: PLACEHOLDER_ID,
    key: PLACEHOLDER_KEY,
  });
  return (await buildFirmware({ kind, board: "PICO", device: config, version })).code;
}

function airtimeMs(bytes: number): number {
  return (bytes * 10 * 1000) / BAUD;
}

async function campaign(kind: "smoke" | "charger", n: number) {
  const [v1, v2] = await Promise.all([generic(kind, "1.0.0"), generic(kind, "1.1.0")]);
  const clock = new VirtualClock();
  const rng = createRng(14);
  const random = () => rng.next();
  const devs: Dev[] = [];
  for (let i = 0; i < n; i++) {
    const name = `${kind}-${i}`;
    const config: DeviceConfig = deviceConfigFor({
      name,
      kind,
      deviceId: deriveDeviceId(name, 14),
      key: deriveKeyHex(name, 14),
    });
    const old = swapIdentity(v1, config.deviceId, config.key);
    const next = swapIdentity(v2, config.deviceId, config.key);
    if (!old || !next) throw new Error(`identity swap failed for ${name}`);
    const storage = new Map([
      [IMAGE_FILE, old],
      [BOOT_CODE_FILE, FLASH_LOADER],
    ]);
    const sb = loadFirmware("/* flashed */", {
      board: "PICO",
      clock,
      storage,
      bootFromStorage: true,
      seed: i + 1,
    });
    const image = bin(next);
    const manifest = encodeManifest({
      deviceKind: kind === "smoke" ? DEVICE_KIND_SMOKE : DEVICE_KIND_CHARGER,
      boardCode: OTA_BOARD_CODES.PICO!,
      version: "1.1.0",
      minVersion: "1.0.0",
      force: false,
      size: image.length,
      sha256: sha256(image),
    });
    const gw = new FakeGateway(config.deviceId, fromHex(config.key)!, nodeHmac);
    const dev: Dev = {
      sb,
      gw,
      session: new TransferSession(image, manifest),
      awakeMs: 0,
      statusFrames: 0,
    };
    const deframer = new Deframer((bytes) => {
      if (random() < LOSS) return; // lost on the way up
      const [f] = gw.decode([frameBytes(bytes)]);
      if (!f) return;
      if (f.msg.type === "ota-status") {
        dev.statusFrames++;
        dev.session.onStatus(f.msg);
      }
      if (f.flags & 1 && random() >= LOSS) sb.serialInput(gw.ack(f.counter));
    });
    sb.onSerialWrite((b) => deframer.push(b));
    sb.start();
    devs.push(dev);
  }
  const t0 = clock.nowMs;
  let channelFreeAt = t0;
  let frames = 0;
  let rr = 0;
  const limitMs = 48 * 3600_000;
  while (clock.nowMs - t0 < limitMs) {
    const now = clock.nowMs;
    if (devs.every((d) => d.session.phase === "done" || d.session.phase === "failed")) break;
    let next = now + STEP_MS;
    if (now >= channelFreeAt) {
      for (let k = 0; k < devs.length; k++) {
        const d = devs[(rr + k) % devs.length]!;
        // The gateway sends only inside the device's listening window (deep sleep off).
        if (d.sb.deepSleep) continue;
        const msg = d.session.next(now);
        if (!msg) continue;
        rr = (rr + k + 1) % devs.length;
        const wire = frameBytes(
          encodeFrame(
            { deviceId: d.gw.deviceId, counter: d.gw.counter++, flags: 0, msg },
            d.gw.key,
            nodeHmac,
          ),
        );
        frames++;
        channelFreeAt = now + airtimeMs(wire.length);
        next = channelFreeAt;
        clock.advanceTo(channelFreeAt);
        if (random() >= LOSS) d.sb.serialInput(wire);
        break;
      }
    }
    const dt = Math.max(next - now, 0);
    if (clock.nowMs < next) clock.advanceTo(next);
    for (const d of devs) if (!d.sb.deepSleep) d.awakeMs += dt;
  }
  const ms = clock.nowMs - t0;
  const done = devs.filter((d) => d.session.phase === "done").length;
  const failed = devs.filter((d) => d.session.phase === "failed").map((d) => d.session.reason);
  return { ms, frames, done, failed, devs, imageBytes: v2.length };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  console.log(
    `## Firmware-update campaigns (virtual time, ${BAUD} baud, ${LOSS * 100} % loss both ways)\n`,
  );
  console.log("| devices | link | image bytes | campaign | frames sent | confirmed | failed |");
  console.log("|---|---|---:|---:|---:|---:|---|");
  const s = await campaign("smoke", detectors);
  console.log(
    `| ${detectors} smoke detectors | radio, window every ${DEFAULT_LISTEN_EVERY_S} s | ${s.imageBytes} | ${(s.ms / 60000).toFixed(1)} min | ${s.frames} | ${s.done} | ${s.failed.join(",") || "none"} |`,
  );
  const c = await campaign("charger", chargers);
  console.log(
    `| ${chargers} chargers | RS-485 bus, always listening | ${c.imageBytes} | ${(c.ms / 60000).toFixed(1)} min | ${c.frames} | ${c.done} | ${c.failed.join(",") || "none"} |`,
  );
  // Battery cost of one update: awake time over the campaign beyond the schedule's own
  // (window share of the same period), at the PICO's listening current plus the radio's.
  const windowShare = 2000 / (DEFAULT_LISTEN_EVERY_S * 1000);
  const extraMs = s.devs.map((d) => Math.max(d.awakeMs - windowShare * s.ms, 0));
  const awakeMa = BOARD_POWER.PICO!.listenMa + UART_RADIO.rxMa;
  const txMs = median(s.devs.map((d) => d.statusFrames)) * airtimeMs(33);
  const mAh = (median(extraMs) * awakeMa + txMs * UART_RADIO.txMa) / 3600_000;
  console.log(
    `\nBattery cost of one update per detector (median): ${(median(extraMs) / 1000).toFixed(1)} s awake beyond its schedule, ${median(s.devs.map((d) => d.statusFrames))} status frames sent, ${mAh.toFixed(3)} mAh (${((100 * mAh) / 2500).toFixed(4)} % of 2 x AA).`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
