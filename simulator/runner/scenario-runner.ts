/**
 * Runs one scenario: builds the site, starts the cloud broker and the real
 * gateway service, runs every device's built firmware in the sandbox in
 * virtual time, carries out the timeline, then judges the expectations.
 * Virtual time stops while the gateway handles what it was given, so results
 * do not depend on how fast the machine is.
 */

import type { WriteStream } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPtyPair, freePort, type PtyPair } from "../../common/services.js";
import { AGE_FILE } from "../../firmware/devices/smoke-detector.js";
import type { SerialBinding } from "../../gateway/ingest/serial-receiver.js";
import { fromHex } from "../../protocol/bytes.js";
import { type AlarmTransition, deviceIdHex } from "../../protocol/uplink.js";
import { deriveKeyHex } from "../devices/device-config-for.js";
import type { DeviceModel } from "../devices/pins.js";
import { VirtualDevice } from "../devices/virtual-device.js";
import type { ChannelSummary } from "../links/radio-medium.js";
import { createRng, hash32 } from "../physics/prng.js";
import { batteryLives } from "../report/battery-life.js";
import type { ScenarioResult } from "../report/junit.js";
import { Trace } from "../report/trace.js";
import type { Scenario } from "../scenario/load-scenario.js";
import { VirtualClock } from "../time/virtual-clock.js";
import { WakeHeap } from "../time/wake-heap.js";
import { evaluate } from "../verdict/expectations.js";
import { CloudBroker, CloudObserver } from "./cloud.js";
import { CloudRecorder } from "./cloud-recorder.js";
import { ContractCheck } from "./contract-check.js";
import type { FirmwareSource, GatewayDriver } from "./contracts.js";
import { localMidnightBefore, memoryBackedDir, modelFor } from "./device-setup.js";
import { LinkFabric } from "./link-fabric.js";
import { MemorySerialLines } from "./memory-serial.js";
import { otaPackages, ReleaseBuilds } from "./ota-packages.js";
import { SerialEndpoint } from "./serial-endpoint.js";
import { linkSettingsFor, planDevices, siteConfigFor } from "./site-build.js";
import { type ActionContext, runStep } from "./timeline-actions.js";
import { WifiEndpoint } from "./wifi-endpoint.js";

/** What the runner gives a gateway driver: bytes read back per port, and a sink for alarm transitions. */
export interface GatewayIo {
  readBack(): Map<string, number>;
  onAlarm(t: AlarmTransition): void;
  /** A device's firmware-update progress changed (the gateway's `ota` live event). */
  onOta?(p: Record<string, unknown>): void;
  /** With transport in-process: the binding that opens the in-memory serial lines. */
  serialBinding?: SerialBinding;
}

/** The simulator's end of a serial line (a pty endpoint or an in-memory line). */
interface SerialSide {
  write(bytes: Uint8Array): void;
  readonly bytesRead: number;
}

export interface RunOptions {
  firmware: FirmwareSource;
  /** A fresh driver for the real gateway service; `readBack` gives the bytes the simulator read per port. */
  gateway: (io: GatewayIo) => GatewayDriver;
  traceFile?: WriteStream;
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Overrides the scenario's serial transport (pty by default). */
  transport?: "pty" | "in-process";
}

const ROUTINE_CHUNK_MS = 3_600_000;
/** Real time a command may take to be answered by the gateway. */
const COMMAND_WAIT_MS = 5000;
const debug = process.env.HAITANG_SIM_DEBUG === "1";
const SITE = "sim";
const GATEWAY = "gw1";

export async function runScenario(sc: Scenario, opts: RunOptions): Promise<ScenarioResult> {
  const wallStart = performance.now();
  const seed = opts.seed ?? sc.seed;
  const scn = { ...sc, seed };
  const trace = new Trace(sc.name, opts.traceFile);
  const result: ScenarioResult = {
    name: sc.name,
    file: sc.file,
    wallS: 0,
    simulatedS: sc.durationMs / 1000,
    seed,
    cases: [],
  };
  const cleanups: (() => Promise<void> | void)[] = [];
  const contract = new ContractCheck();
  try {
    await runInner(scn, opts, trace, cleanups, contract);
    result.cases = [...evaluate(scn, trace.records, sc.durationMs), contract.verdict()];
    const channels = trace.records.find((r) => r.event === "channels")?.channels;
    if (Array.isArray(channels)) result.channels = channels as ChannelSummary[];
    result.battery = batteryLives(
      planDevices(scn).map((p) => ({ name: p.name, board: p.board, config: p.config })),
    );
  } catch (err) {
    // A run that could not finish is a failure with a message, never a stack trace.
    result.error = err instanceof Error ? err.message : String(err);
    trace.add({ t: 0, src: "sim", event: "error", error: result.error });
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        const t = performance.now();
        await c();
        if (debug) process.stderr.write(`[sim] cleanup ${(performance.now() - t).toFixed(0)} ms\n`);
      } catch {
        // cleanup is best effort
      }
    }
  }
  result.wallS = (performance.now() - wallStart) / 1000;
  return result;
}

async function runInner(
  sc: Scenario,
  opts: RunOptions,
  trace: Trace,
  cleanups: (() => Promise<void> | void)[],
  contract: ContractCheck,
) {
  const t0 = performance.now();
  const lap = (what: string) => {
    if (debug) process.stderr.write(`[sim] ${what} at ${(performance.now() - t0).toFixed(0)} ms\n`);
  };
  const rng = createRng(sc.seed);
  const clock = new VirtualClock(sc.startEpochMs);
  const planned = planDevices(sc);
  const dir = mkdtempSync(join(tmpdir(), "haitang-sim-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  // The gateway's database in memory-backed storage when the machine has it: its
  // settings are the real ones (WAL, synchronous FULL), only the fsyncs cost nothing.
  const dbDir = memoryBackedDir();
  cleanups.push(() => rmSync(dbDir, { recursive: true, force: true }));

  // One serial line per radio receiver and per RS-485 bus: real pseudo-terminals, or
  // lines in memory behind a serialport binding (transport: in-process).
  const portIds = [
    ...(sc.site.receivers ?? []).map((r) => r.id),
    ...(sc.site.buses ?? []).map((b) => b.id),
  ];
  const inProcess = (opts.transport ?? sc.transport ?? "pty") === "in-process";
  let toFabric: (portId: string, frame: Uint8Array) => void = () => {};
  const lines = inProcess ? new MemorySerialLines() : undefined;
  const serial = new Map<string, SerialSide>();
  const serialPaths = new Map<string, string>();
  const ptys = new Map<string, PtyPair>();
  for (const id of portIds) {
    if (lines) {
      const line = lines.add(`sim-memory:${id}`, (frame) => toFabric(id, frame));
      serial.set(id, line);
      serialPaths.set(id, line.path);
      continue;
    }
    const pair = await createPtyPair(dir, id);
    ptys.set(id, pair);
    serialPaths.set(id, pair.hostPath);
    cleanups.push(() => pair.close());
  }

  lap("ptys");
  // The gateway's internet link is a relay only when the timeline cuts it.
  const cloud = new CloudBroker(sc.steps.some((s) => s.action === "cloud-down"));
  await cloud.start();
  cleanups.push(() => cloud.dispose());
  const nameByHex = new Map(planned.map((p) => [deviceIdHex(p.config.deviceId), p.name]));
  const recorder = new CloudRecorder(trace, clock, nameByHex, sc.startEpochMs);
  const observer = new CloudObserver(
    (m) => recorder.message(m),
    (topic, payload) => {
      // Retained empty payloads clear a retained topic: not a message.
      if (payload.length === 0) return;
      const rej = contract.check(topic, payload);
      if (rej) trace.add({ t: clock.nowMs, src: "cloud", event: "uplink-rejected", ...rej });
    },
  );
  await observer.connect(cloud.brokerUrl, `sim-observer-${cloud.port}`);
  cleanups.push(() => observer.close());

  const commandKeyHex = deriveKeyHex("command", sc.seed, ":site");
  const siteConfig = siteConfigFor(sc, planned, {
    serialPaths,
    mqttPort: await freePort(),
    httpPort: await freePort(),
    cloudUrl: cloud.url,
    databasePath: join(dbDir, "gateway.db"),
    commandKeyHex,
  });
  const mqttUrl = `mqtt://127.0.0.1:${(siteConfig.mqtt as { port: number }).port}`;
  const io: GatewayIo = {
    readBack: () => new Map([...serial].map(([id, ep]) => [id, ep.bytesRead])),
    onAlarm: (t) => recorder.alarm("gateway", t as unknown as Record<string, unknown>),
    onOta: (p) =>
      trace.add({
        t: clock.nowMs,
        src: "gateway",
        event: "ota",
        device: nameByHex.get(String(p.deviceId)) ?? String(p.deviceId),
        campaign: p.campaign,
        state: p.state,
        percent: p.percent,
        reason: p.reason,
      }),
  };
  if (lines) io.serialBinding = lines.binding;
  let gateway = opts.gateway(io);
  await gateway.start(siteConfig, clock);
  cleanups.push(() => gateway.stop());
  trace.add({ t: 0, src: "gateway", event: "started" });
  lap("gateway");

  const devices = new Map<string, VirtualDevice>();
  const byId = new Map<number, VirtualDevice>();
  const wifi = new Map<number, WifiEndpoint>();
  const written = new Map<string, number>();
  let mqttPublishes = 0;
  let dirty = false;
  const inflight: Promise<void>[] = [];

  const fabric = new LinkFabric({
    ...linkSettingsFor(sc, planned),
    clock,
    trace,
    rng: rng.fork("links"),
    side: {
      gatewayUp: () => gateway.running,
      writeSerial: (portId, bytes) => {
        serial.get(portId)?.write(bytes);
        written.set(portId, (written.get(portId) ?? 0) + bytes.length);
        dirty = true;
      },
      publishWifi: (dev, framed) => {
        const ep = wifi.get(dev.deviceId);
        if (!ep?.connected) return;
        mqttPublishes++;
        dirty = true;
        inflight.push(ep.publish(framed));
      },
    },
    onDelivered: (dev) => scheduleWake(dev),
    nameOf: (id) => byId.get(id)?.name,
  });

  // Serial endpoints: the simulator's side of each pty.
  toFabric = (id, frame) => fabric.fromGateway(id, frame);
  for (const [id, pair] of ptys) {
    const ep = new SerialEndpoint(pair.devicePath, (frame) => fabric.fromGateway(id, frame));
    await ep.open();
    serial.set(id, ep);
    cleanups.push(() => ep.close());
  }

  lap("serial endpoints");
  // Firmware updates need the image in Storage (as `haitang flash` leaves a board).
  const flashBoot = sc.steps.some((s) => s.action === "ota-campaign");
  const releases = new ReleaseBuilds();
  const startOfDay = localMidnightBefore(sc.startEpochMs, 480) - sc.startEpochMs;
  for (const p of planned) {
    const model = modelFor(p, rng.fork(`model:${p.name}`), startOfDay);
    const code = await opts.firmware.imageFor(p.config, p.board);
    const dev = new VirtualDevice({
      name: p.name,
      config: p.config,
      board: p.board,
      model,
      link: p.spec.link,
      code,
      factory: opts.firmware.runtime,
      trace,
      // Each board's own Math.random (retry jitter, spread acknowledgements), repeatable per
      // seed, as on real boards: boards sharing one would retry in step and collide on a bus.
      seed: hash32(`random:${p.name}`, sc.seed >>> 0),
      onTransmit: (d, framed, _frame, atMs) => fabric.uplink(d, framed, atMs),
      flashBoot,
    });
    if (p.spec.inServiceDays !== undefined && p.config.kind === "smoke")
      dev.storagePreload = { [AGE_FILE]: String(Math.floor(p.spec.inServiceDays * 86_400)) };
    devices.set(p.name, dev);
    byId.set(dev.deviceId, dev);
    fabric.addDevice(dev);
    if (p.spec.link === "wifi") {
      const ep = new WifiEndpoint(dev.deviceId, fromHex(p.config.key)!, (frame) =>
        fabric.fromGateway("wifi", frame),
      );
      await ep.connect(mqttUrl);
      wifi.set(dev.deviceId, ep);
      cleanups.push(() => ep.close());
    }
  }

  lap("devices");
  // Each device's next timer, apart from the event queue (devices wake far more often).
  const wakes = new WakeHeap<VirtualDevice>();
  function scheduleWake(dev: VirtualDevice): void {
    const w = dev.nextWakeMs();
    if (w === undefined) wakes.delete(dev);
    else wakes.set(dev, Math.max(w, clock.nowMs));
  }
  const scheduleInput = (
    dev: VirtualDevice,
    atMs: number,
    role: string,
    high: boolean,
    routine = false,
  ) => {
    clock.at(atMs, () => {
      if (routine && dev.model.routineStillDue?.(atMs) === false) return;
      dev.advanceTo(clock.nowMs);
      dev.setInput(role, high, clock.nowMs);
      scheduleWake(dev);
    });
  };
  const powerOn = (dev: VirtualDevice, atMs: number) => {
    const model = dev.model as DeviceModel & {
      initialInputs?: () => { role: string; high: boolean }[];
    };
    dev.powerOn(atMs, model.initialInputs?.() ?? []);
    scheduleWake(dev);
  };

  // Devices power on in the first two seconds, in a seeded order.
  const bootRng = rng.fork("boot");
  for (const dev of devices.values()) {
    const t = Math.round(bootRng.range(0, 2000));
    clock.at(t, () => powerOn(dev, t));
  }
  // Residents' routines, an hour at a time (so "stop-moving" takes effect).
  for (const dev of devices.values()) {
    const m = dev.model;
    if (!m.routine) continue;
    const refill = (from: number) => {
      for (const i of m.routine!(from, from + ROUTINE_CHUNK_MS))
        scheduleInput(dev, i.atMs, i.role, i.high, true);
      if (from + ROUTINE_CHUNK_MS < sc.durationMs)
        clock.at(from + ROUTINE_CHUNK_MS, () => refill(from + ROUTINE_CHUNK_MS));
    };
    refill(0);
  }

  const ctx: ActionContext = {
    clock,
    trace,
    rng: rng.fork("timeline"),
    fabric,
    devices,
    scheduleInput,
    touched: scheduleWake,
    powerOn,
    pending: [],
    cloudDown: async () => {
      cloud.cut();
      trace.add({ t: clock.nowMs, src: "cloud", event: "link-cut" });
    },
    cloudUp: async () => {
      if (cloud.up) return;
      cloud.restore();
      trace.add({ t: clock.nowMs, src: "cloud", event: "link-restored" });
    },
    gatewayStop: async () => {
      await settle();
      await gateway.stop();
      trace.add({ t: clock.nowMs, src: "gateway", event: "stopped" });
    },
    gatewayStart: async () => {
      gateway = opts.gateway(io);
      written.clear();
      mqttPublishes = 0;
      await gateway.start(siteConfig, clock);
      trace.add({ t: clock.nowMs, src: "gateway", event: "started" });
    },
    publishCommand: async (topic, payload, transaction) => {
      // The gateway must be listening for commands; then virtual time waits for its answer.
      const deadline = Date.now() + COMMAND_WAIT_MS;
      while (!gateway.commandsReady() && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      const answered = observer.next(
        (m) => m.kind === "response" && m.payload.transaction === transaction,
        COMMAND_WAIT_MS,
      );
      await observer.publish(topic, payload);
      if (!(await answered))
        trace.add({ t: clock.nowMs, src: "sim", event: "command-unanswered", transaction });
      dirty = true; // what the command made the gateway send is read before time moves on
    },
    startOta: async (args) => {
      const targets = planned.filter((p) => p.config.kind === args.kind);
      const packages = await otaPackages(args, targets, releases);
      const start = gateway.startOta?.({
        ...(args.id ? { id: args.id } : {}),
        selector: { kind: args.kind },
        packages,
        rules: {
          ...(args.canary !== undefined ? { canary: args.canary } : {}),
          ...(args.maxFailures !== undefined ? { maxFailureShare: args.maxFailures } : {}),
        },
      });
      if (!start) throw new Error("ota-campaign: this gateway driver cannot start campaigns");
      for (const r of start.refused)
        trace.add({
          t: clock.nowMs,
          src: "gateway",
          event: "ota",
          device: nameByHex.get(deviceIdHex(r.deviceId)) ?? deviceIdHex(r.deviceId),
          state: r.code,
          reason: r.why,
        });
      if (!start.ok)
        trace.add({ t: clock.nowMs, src: "sim", event: "ota-refused", error: start.error });
      dirty = true;
    },
    commandKey: fromHex(commandKeyHex)!,
    site: SITE,
    gateway: GATEWAY,
  };
  for (const step of sc.steps) {
    clock.at(step.atMs, () => {
      const p = runStep(ctx, step);
      if (p) ctx.pending.push(p);
    });
  }

  async function settle(): Promise<void> {
    if (inflight.length > 0) await Promise.all(inflight.splice(0));
    if (!dirty || !gateway.running) return;
    dirty = false;
    await gateway.settle({ serialBytes: new Map(written), mqttPublishes });
  }

  // The main loop: run everything due at the next instant, then let the gateway catch up.
  // Instants that gave the gateway nothing to do follow each other without a turn of the
  // event loop (most instants are a device sampling its sensors).
  let spins = 0;
  let settles = 0;
  const loopStart = performance.now();
  if (debug) process.stderr.write(`[sim] set-up done\n`);
  for (;;) {
    const nextEvent = clock.nextAtMs() ?? Number.POSITIVE_INFINITY;
    const nextWake = wakes.peekMs() ?? Number.POSITIVE_INFINITY;
    const next = Math.min(nextEvent, nextWake);
    if (next > sc.durationMs) break;
    if (nextWake < nextEvent) {
      // A device's own timer, before anything else happens: run just that device (its
      // entry stays in the heap and moves to its next timer).
      const dev = wakes.peekKey()!;
      clock.runUntil(nextWake);
      dev.advanceTo(nextWake);
      scheduleWake(dev);
    } else clock.runUntil(next);
    if (ctx.pending.length > 0) await Promise.all(ctx.pending.splice(0));
    if (gateway.takeOutput?.()) dirty = true;
    if (dirty || inflight.length > 0) {
      if (dirty) settles++;
      await settle();
    }
    if (++spins % 2048 === 0) await new Promise((r) => setImmediate(r));
    if (debug && spins % 50_000 === 0)
      process.stderr.write(`[sim] t=${clock.nowMs} spins=${spins}\n`);
  }
  clock.runUntil(sc.durationMs);
  await settle();
  if (debug)
    process.stderr.write(
      `[sim] loop ${(performance.now() - loopStart).toFixed(0)} ms, ${spins} instants, ${settles} settles\n`,
    );
  for (const dev of devices.values()) dev.advanceTo(sc.durationMs);

  // Let the uplink drain (bounded), then take the gateway's counters.
  if (gateway.running && cloud.up) {
    lap(`loop done, outbox ${await gateway.outboxDepth()}`);
    // A bound for an uplink that never drains; a loaded machine drains well inside it.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await gateway.outboxDepth()) > 0)
      await new Promise((r) => setTimeout(r, 20));
    // What the broker took from the gateway is on its way to the observer: wait until it is there.
    await observer.sync(Math.max(1000, deadline - Date.now()));
    lap(`drained, outbox ${await gateway.outboxDepth()}`);
  }
  const channels = [...fabric.radio.channelStats(), ...fabric.busStats()];
  if (channels.length > 0) trace.add({ t: clock.nowMs, src: "link", event: "channels", channels });
  if (gateway.running)
    trace.add({
      t: clock.nowMs,
      src: "gateway",
      event: "counters",
      counters: await gateway.counters(),
    });
}
