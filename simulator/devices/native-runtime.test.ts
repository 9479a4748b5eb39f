/**
 * The fleet's light devices must send what the flashed image sends: each kind
 * runs the same inputs for a while as its built image in the sandbox and as
 * the native app, and every uplink frame must match byte for byte, at the
 * same instant. A charger is given a pack, an overload and a short; a
 * detector a fire (alarm retries use the seeded random) and a test press; a
 * guardian a day's door and motion.
 */
import { describe, expect, it } from "vitest";
import type { DeviceKind } from "../../firmware/device-config.js";
import { toHex } from "../../protocol/bytes.js";
import { createRng } from "../physics/prng.js";
import { Trace } from "../report/trace.js";
import { ImageCache } from "../runner/firmware-source.js";
import { ChargerModel } from "./charger-model.js";
import { deviceConfigFor } from "./device-config-for.js";
import type { FirmwareRuntimeFactory } from "./firmware-runtime.js";
import { GuardianModel } from "./guardian-model.js";
import { nativeAppSource } from "./native-image.js";
import { nativeRuntime } from "./native-runtime.js";
import type { DeviceModel, ScheduledInput } from "./pins.js";
import { sandboxRuntime } from "./sandbox-runtime.js";
import { SmokeModel } from "./smoke-model.js";
import { VirtualDevice } from "./virtual-device.js";

const images = new ImageCache();

interface Step {
  atMs: number;
  action: string;
  args: Record<string, unknown>;
}

function modelFor(kind: DeviceKind): DeviceModel {
  const rng = createRng(99);
  if (kind === "smoke") return new SmokeModel(rng);
  if (kind === "charger") return new ChargerModel(rng, 4);
  return new GuardianModel(rng, 0, { wakeHour: 0, sleepHour: 24, motionPerHour: 12 });
}

/** Runs one device for `endMs` and returns its uplinks as "t hex" lines. */
function run(
  kind: DeviceKind,
  code: string,
  factory: FirmwareRuntimeFactory,
  steps: Step[],
  endMs: number,
): { frames: string[]; errors: string[] } {
  const config = deviceConfigFor({
    name: `p-${kind}`,
    kind,
    deviceId: 0x2a3b4c5d,
    key: "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    thresholds: { telemetryIntervalS: 10, heartbeatS: 600 },
  });
  const model = modelFor(kind);
  const frames: string[] = [];
  const dev = new VirtualDevice({
    name: "p",
    config,
    model,
    link: "bus",
    code,
    factory,
    trace: new Trace("parity"),
    seed: 5,
    onTransmit: (_d, _framed, frame, atMs) => frames.push(`${atMs} ${toHex(frame)}`),
  });
  const inputs: ScheduledInput[] = [...(model.routine?.(0, endMs) ?? [])];
  const initial = (model as { initialInputs?: () => ScheduledInput[] }).initialInputs?.() ?? [];
  dev.powerOn(0, initial);
  const pending = [...steps];
  const due = () => {
    const nextInput = inputs.reduce((m, i) => Math.min(m, i.atMs), Number.POSITIVE_INFINITY);
    const nextStep = pending[0]?.atMs ?? Number.POSITIVE_INFINITY;
    return Math.min(nextInput, nextStep, dev.nextWakeMs() ?? Number.POSITIVE_INFINITY);
  };
  for (let t = due(); t <= endMs; t = due()) {
    dev.advanceTo(t);
    while (pending[0] && pending[0].atMs <= t) {
      const s = pending.shift()!;
      inputs.push(...model.apply(s.action, s.args, t));
    }
    for (const i of inputs.filter((x) => x.atMs <= t)) dev.setInput(i.role, i.high, t);
    for (let k = inputs.length - 1; k >= 0; k--) if (inputs[k]!.atMs <= t) inputs.splice(k, 1);
  }
  dev.advanceTo(endMs);
  return { frames, errors: dev.runtime?.errors?.() ?? [] };
}

const CASES: { kind: DeviceKind; steps: Step[]; endMs: number }[] = [
  {
    kind: "charger",
    endMs: 15 * 60_000,
    steps: [
      { atMs: 30_000, action: "plug", args: { port: 0, load: "lithium", startSoc: 0.9 } },
      { atMs: 60_000, action: "plug", args: { port: 1, load: "heater", powerW: 1500 } },
      { atMs: 120_000, action: "plug", args: { port: 2, load: "short" } },
      { atMs: 300_000, action: "hot-contact", args: { port: 3, riseC: 60, tauMs: 60_000 } },
    ],
  },
  {
    kind: "smoke",
    endMs: 30 * 60_000,
    steps: [
      { atMs: 60_000, action: "press-test", args: {} },
      { atMs: 5 * 60_000, action: "smoke", args: { profile: "flaming" } },
      { atMs: 20 * 60_000, action: "smoke", args: { profile: "clean" } },
    ],
  },
  { kind: "guardian", endMs: 6 * 3_600_000, steps: [] },
];

describe("native runtime", () => {
  for (const c of CASES) {
    it(`sends the same frames as the built ${c.kind} image in the sandbox`, {
      timeout: 60_000,
    }, async () => {
      const probe = deviceConfigFor({
        name: `p-${c.kind}`,
        kind: c.kind,
        deviceId: 0x2a3b4c5d,
        key: "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        thresholds: { telemetryIntervalS: 10, heartbeatS: 600 },
      });
      const image = await images.imageFor(probe, "PICO");
      const native = await nativeAppSource(c.kind);
      const a = run(c.kind, image, sandboxRuntime, c.steps, c.endMs);
      const b = run(c.kind, native, nativeRuntime, c.steps, c.endMs);
      expect(a.errors).toEqual([]);
      expect(b.errors).toEqual([]);
      expect(a.frames.length).toBeGreaterThan(5);
      expect(b.frames).toEqual(a.frames);
    });
  }
});
