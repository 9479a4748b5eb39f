/**
 * Carries out one timeline step. Device actions go to the device's physical
 * model; faults go to the link fabric, the cloud broker or the gateway.
 * Asynchronous ones (stopping a broker) return a promise the runner awaits
 * before virtual time moves on.
 */
import { createHmac } from "node:crypto";
import { encodeFrame } from "../../protocol/codec.js";
import { FLAG_ACK_REQUESTED, SMOKE_ALARM } from "../../protocol/constants.js";
import { frameBytes } from "../../protocol/framing.js";
import { type CommandName, canonicalCommand, deviceIdHex, topics } from "../../protocol/uplink.js";
import type { VirtualDevice } from "../devices/virtual-device.js";
import type { Rng } from "../physics/prng.js";
import type { Trace } from "../report/trace.js";
import { parseDurationMs } from "../scenario/duration.js";
import type { Step } from "../scenario/load-scenario.js";
import type { VirtualClock } from "../time/virtual-clock.js";
import type { LinkFabric } from "./link-fabric.js";
import type { OtaStepArgs } from "./ota-packages.js";

export interface ActionContext {
  clock: VirtualClock;
  trace: Trace;
  rng: Rng;
  fabric: LinkFabric;
  devices: Map<string, VirtualDevice>;
  /** Schedules a pin change on a device at a virtual instant. */
  scheduleInput(dev: VirtualDevice, atMs: number, role: string, high: boolean): void;
  /** Re-arms the device's next wake-up after something changed it. */
  touched(dev: VirtualDevice): void;
  powerOn(dev: VirtualDevice, atMs: number): void;
  cloudDown(): Promise<void>;
  cloudUp(): Promise<void>;
  gatewayStop(): Promise<void>;
  gatewayStart(): Promise<void>;
  /**
   * Publishes an operator command on the cloud broker and resolves once the
   * gateway has answered it (virtual time waits: the command acts at its instant).
   */
  publishCommand(topic: string, payload: string, transaction: string): Promise<void>;
  commandKey: Uint8Array;
  /** Starts a firmware-update campaign (builds the packages, then the gateway's campaign engine). */
  startOta(args: OtaStepArgs): Promise<void>;
  /** Promises started by delayed steps; the runner awaits them before time moves on. */
  pending: Promise<void>[];
  site: string;
  gateway: string;
}

const nodeHmac = (k: Uint8Array, d: Uint8Array) =>
  new Uint8Array(createHmac("sha256", k).update(d).digest());

function later(ctx: ActionContext, args: Record<string, unknown>, fn: () => void): void {
  if (args.for === undefined) return;
  ctx.clock.at(ctx.clock.nowMs + parseDurationMs(args.for as string | number), fn);
}

export function runStep(ctx: ActionContext, step: Step): Promise<void> | undefined {
  const now = ctx.clock.nowMs;
  const a = step.args;
  const dev = typeof a.device === "string" ? ctx.devices.get(a.device) : undefined;
  ctx.trace.add({
    t: now,
    src: "timeline",
    event: step.action,
    device: dev?.name,
    label: step.label,
    args: a,
  });
  switch (step.action) {
    case "smoke":
    case "press-test":
    case "tamper":
    case "battery":
    case "plug":
    case "unplug":
    case "hot-contact":
    case "stop-moving":
    case "wander": {
      if (!dev) return undefined;
      dev.advanceTo(now);
      const args = { ...a };
      if (step.action === "hot-contact" && a.tau !== undefined)
        args.tauMs = parseDurationMs(a.tau as string);
      for (const i of dev.model.apply(step.action, args, now))
        ctx.scheduleInput(dev, i.atMs, i.role, i.high);
      dev.inputsChanged(now);
      ctx.touched(dev);
      return undefined;
    }
    case "power-off":
      dev?.powerOff(now);
      return undefined;
    case "power-on":
      if (dev) ctx.powerOn(dev, now);
      return undefined;
    case "reboot":
      if (dev) {
        dev.reboot(now);
        ctx.touched(dev);
      }
      return undefined;
    case "link-down":
    case "link-up": {
      const f = ctx.fabric.faultsOf(a.link as string);
      if (!f) return undefined;
      f.down = step.action === "link-down";
      later(ctx, a, () => {
        f.down = false;
        ctx.trace.add({ t: ctx.clock.nowMs, src: "timeline", event: "link-up", link: a.link });
      });
      return undefined;
    }
    case "corrupt":
    case "loss": {
      const f = ctx.fabric.faultsOf(a.link as string);
      if (!f) return undefined;
      const key = step.action === "corrupt" ? "corruptRate" : "lossRate";
      f[key] = a.rate as number;
      later(ctx, a, () => {
        f[key] = 0;
        ctx.trace.add({
          t: ctx.clock.nowMs,
          src: "timeline",
          event: `${step.action}-end`,
          link: a.link,
        });
      });
      return undefined;
    }
    case "cloud-down":
      later(ctx, a, () => {
        ctx.trace.add({ t: ctx.clock.nowMs, src: "timeline", event: "cloud-up" });
        ctx.pending.push(ctx.cloudUp());
      });
      return ctx.cloudDown();
    case "cloud-up":
      return ctx.cloudUp();
    case "gateway-restart": {
      const downMs = a.down === undefined ? 0 : parseDurationMs(a.down as string);
      if (downMs === 0) return ctx.gatewayStop().then(() => ctx.gatewayStart());
      ctx.clock.at(now + downMs, () => {
        ctx.trace.add({ t: ctx.clock.nowMs, src: "timeline", event: "gateway-start" });
        ctx.pending.push(ctx.gatewayStart());
      });
      return ctx.gatewayStop();
    }
    case "rogue":
      rogue(ctx, a);
      return undefined;
    case "ota-campaign":
      return ctx.startOta(a as unknown as OtaStepArgs);
    case "replay": {
      if (!dev) return undefined;
      const frames = ctx.fabric.capturedOf(dev.deviceId, a.last as number | undefined);
      frames.forEach((f, i) => {
        ctx.clock.at(now + i * 200, () => {
          ctx.trace.add({
            t: ctx.clock.nowMs,
            src: "sim",
            event: "replayed-frame",
            device: dev.name,
            link: a.link,
          });
          ctx.fabric.send(a.link as string, dev.deviceId, f, ctx.clock.nowMs);
        });
      });
      return undefined;
    }
    case "command": {
      if (!dev) return undefined;
      return command(ctx, "set-port", {
        deviceId: deviceIdHex(dev.deviceId),
        port: a.port as number,
        on: a.on as boolean,
      });
    }
    case "ack-alarm": {
      // The cloud's copy of the raise can lag the virtual clock by a few real milliseconds
      // (minutes of simulated time); the gateway's own record carries the same alarm id.
      const raisedBy = (src: string) =>
        ctx.trace.records.find(
          (r) =>
            r.src === src &&
            r.event === "alarm" &&
            r.transition === "raised" &&
            r.kind === a.kind &&
            r.device === a.device,
        );
      const raised = raisedBy("cloud") ?? raisedBy("gateway");
      if (!raised) {
        ctx.trace.add({
          t: now,
          src: "sim",
          event: "ack-alarm-skipped",
          why: `no ${String(a.kind)} alarm of ${String(a.device)} raised yet`,
        });
        return undefined;
      }
      return command(ctx, "ack-alarm", {
        alarmId: raised.alarmId as string,
        by: (a.by as string | undefined) ?? "sim",
      });
    }
  }
}

function command(
  ctx: ActionContext,
  name: CommandName,
  payload: Record<string, unknown>,
): Promise<void> {
  const req = {
    transaction: `sim-${ctx.rng.int(1e9).toString(36)}`,
    command: name,
    issuedAt: ctx.clock.now(),
    payload,
  } as Parameters<typeof canonicalCommand>[0];
  const signature = createHmac("sha256", ctx.commandKey)
    .update(canonicalCommand(req))
    .digest("hex");
  ctx.trace.add({
    t: ctx.clock.nowMs,
    src: "cloud",
    event: "command-request",
    command: name,
    payload,
  });
  return ctx.publishCommand(
    topics.request(ctx.site, ctx.gateway, name),
    JSON.stringify({ ...req, signature }),
    req.transaction,
  );
}

/** Frames that claim a device's id (or a made-up one) but are signed with a key nobody issued. */
function rogue(ctx: ActionContext, a: Record<string, unknown>): void {
  const victim = typeof a.device === "string" ? ctx.devices.get(a.device) : undefined;
  const id = victim ? victim.deviceId : Number.parseInt(a.deviceId as string, 16);
  const key = new Uint8Array(16);
  for (let i = 0; i < 16; i++) key[i] = ctx.rng.int(256);
  const count = (a.count as number | undefined) ?? 5;
  const every = a.every === undefined ? 10_000 : parseDurationMs(a.every as string);
  for (let i = 0; i < count; i++) {
    ctx.clock.at(ctx.clock.nowMs + i * every, () => {
      const frame = encodeFrame(
        {
          deviceId: id,
          counter: 1_000_000 + i,
          flags: FLAG_ACK_REQUESTED,
          msg: {
            type: "smoke-event",
            event: SMOKE_ALARM,
            smokeLevel: 1500,
            batteryMv: 3000,
            eventId: 999,
          },
        },
        key,
        nodeHmac,
      );
      ctx.trace.add({
        t: ctx.clock.nowMs,
        src: "sim",
        event: "rogue-frame",
        deviceId: deviceIdHex(id),
        link: a.link,
      });
      ctx.fabric.send(a.link as string, id, frameBytes(frame), ctx.clock.nowMs);
    });
  }
}
