/**
 * Shared set-up of the gateway benchmarks: a real GatewayService on a temp
 * SQLite file (WAL, synchronous=FULL unless stated), embedded Aedes and HTTP on
 * free ports, the site's standard rules, and N registered devices.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryLogger } from "../common/log.js";
import { freePort } from "../common/services.js";
import { InstallAuth } from "../gateway/http/auth.js";
import { GatewayService, type GatewayTuning } from "../gateway/service.js";
import { framed, keyOf } from "../gateway/testing/frames.js";
import { testSite } from "../gateway/testing/site.js";
import { SMOKE_ALARM } from "../protocol/constants.js";
import type { Msg, UplinkMsg } from "../protocol/messages.js";
import type { DeviceKindName } from "../protocol/uplink.js";

export interface BenchDevice {
  id: number;
  kind: DeviceKindName;
  key: Uint8Array;
  counter: number;
}

export interface BenchGateway {
  gw: GatewayService;
  devices: BenchDevice[];
  stop(): Promise<void>;
}

export async function startBenchGateway(opts: {
  chargers: number;
  detectors: number;
  detectorsPerBuilding?: number;
  tuning?: GatewayTuning;
  onDownlink?(deviceId: number, type: string, linkId: string, now: number): void;
}): Promise<BenchGateway> {
  const dir = mkdtempSync(join(tmpdir(), "haitang-bench-"));
  const buildings = Math.max(1, Math.ceil(opts.detectors / (opts.detectorsPerBuilding ?? 40)));
  const config = testSite({
    dir,
    httpPort: await freePort(),
    mqttPort: await freePort(),
    diskCapMB: 4096,
  });
  const gw = new GatewayService({
    config: {
      ...config,
      sheds: Array.from({ length: opts.chargers }, (_, i) => ({
        id: `shed-${i}`,
        limitW: 8700,
        ports: 12,
      })),
      buildings: [
        ...config.buildings,
        ...Array.from({ length: buildings }, (_, i) => ({ id: `bb${i}`, flats: [] })),
      ],
    },
    auth: new InstallAuth(() => false),
    log: memoryLogger("bench"),
    ...(opts.tuning ? { tuning: opts.tuning } : {}),
    ...(opts.onDownlink ? { onDownlink: opts.onDownlink } : {}),
  });
  await gw.start();
  const { admin, db } = gw.running();
  const devices: BenchDevice[] = [];
  // One transaction for all registrations (set-up speed only; each would otherwise fsync).
  db.exec("BEGIN");
  for (let i = 0; i < opts.chargers; i++) {
    const id = 0x10000000 + i;
    const key = keyOf(i + 1);
    admin.register({ deviceId: id, kind: "charger", key, shed: `shed-${i}` });
    devices.push({ id, kind: "charger", key, counter: 1 });
  }
  for (let i = 0; i < opts.detectors; i++) {
    const id = 0x20000000 + i;
    const key = keyOf(100_000 + i);
    admin.register({
      deviceId: id,
      kind: "smoke",
      key,
      building: `bb${Math.floor(i / (opts.detectorsPerBuilding ?? 40))}`,
      location: `f${i}`,
    });
    devices.push({ id, kind: "smoke", key, counter: 1 });
  }
  db.exec("COMMIT");
  return {
    gw,
    devices,
    stop: async () => {
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function telemetryMsg(i: number): UplinkMsg {
  return {
    type: "charger-telemetry",
    tempDeciC: 250 + (i % 30),
    ports: Array.from({ length: 12 }, (_, p) => ({
      powerW: (i * 7 + p * 13) % 400,
      energyWh: (i + p) % 4000,
      state: p % 2,
      relayOn: true,
    })),
  };
}

export function statusMsgFor(i: number): UplinkMsg {
  return {
    type: "status",
    deviceKind: 2,
    batteryMv: 0,
    fwMajor: 1,
    fwMinor: 0,
    fwPatch: 0,
    uptimeS: i,
    resetCause: 0,
  };
}

export function smokeAlarm(eventId: number): UplinkMsg {
  return { type: "smoke-event", event: SMOKE_ALARM, smokeLevel: 900, batteryMv: 2900, eventId };
}

/** The next framed frame of a device (counter advances). */
export function nextFrame(d: BenchDevice, msg: Msg, flags = 0): Uint8Array {
  return framed(d.id, d.counter++, msg, d.key, flags);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/**
 * Disk pressure for the latency bench (BENCH_DISK_PRESSURE=1): a child process
 * that keeps rewriting a 32 MB file and fsyncing it, as a busy SD card makes
 * every fsync of the gateway wait. Returns a stop function.
 */
export function startDiskPressure(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "haitang-pressure-"));
  const script = `
    const fs = require("node:fs");
    const buf = Buffer.alloc(1 << 20, 7);
    const path = ${JSON.stringify(join(dir, "load.bin"))};
    for (;;) {
      const fd = fs.openSync(path, "w");
      for (let i = 0; i < 32; i++) fs.writeSync(fd, buf);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    }`;
  const child = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
  return () => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
}
