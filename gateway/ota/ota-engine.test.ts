import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { tmpDir } from "../../common/servers.js";
import { toHex } from "../../protocol/bytes.js";
import {
  DEVICE_KIND_CHARGER,
  OTA_BITMAP_CHUNKS,
  OTA_CHUNK_BYTES,
  OTA_OP_CONFIRM,
  OTA_OP_QUERY,
  OTA_OP_SWITCH,
  OTA_REASON_HASH_MISMATCH,
  OTA_REASON_NO_REPORT,
  OTA_REASON_NONE,
  OTA_SESSION_MS,
  OTA_STATE_CONFIRMED,
  OTA_STATE_IDLE,
  OTA_STATE_RECEIVING,
  OTA_STATE_REFUSED,
  OTA_STATE_ROLLED_BACK,
  OTA_STATE_SWITCHED,
  OTA_STATE_VERIFIED,
} from "../../protocol/constants.js";
import type { DownlinkMsg, OtaStatusMsg } from "../../protocol/messages.js";
import {
  decodeManifest,
  encodeManifest,
  manifestProblem,
  OTA_BOARD_CODES,
  versionNumber,
} from "../../protocol/ota.js";
import { packageTag } from "../../protocol/ota-tag.js";
import { sha256 } from "../../protocol/sha256.js";
import type { RegisteredDevice } from "../registry/registry.js";
import { type GatewayDatabase, openGatewayDatabase } from "../storage/database.js";
import { startCampaign } from "./campaign-start.js";
import { CampaignStore } from "./campaign-store.js";
import { OtaEngine } from "./ota-engine.js";

const PLACEHOLDER = 'f(305419896,"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");';
const RELEASE = `${PLACEHOLDER}/*${"x".repeat(44 * 40)}*/`;
const BAUD = 9600;
const WINDOW_MS = 1000;
const EVERY_MS = 5000;
/** A wake-on-radio detector's wake-up preamble (sniff 1,000 ms + 20). */
const PREAMBLE_MS = 1020;
const hmac = (k: Uint8Array, d: Uint8Array) =>
  new Uint8Array(createHmac("sha256", k).update(d).digest());

/**
 * The device side as the firmware's receiver behaves (ota-receiver.ts), in
 * a few lines: a chunk map, the manifest checks, the hash check, switch,
 * confirm; `silent` images roll back instead of reporting.
 */
class ModelDevice {
  running: string;
  private manifest: Uint8Array | undefined;
  private image = new Uint8Array(0);
  private held = new Set<number>();
  private state = OTA_STATE_IDLE;
  /** When its last uplink went out (it listens for WINDOW_MS after). */
  lastUplinkAt = Number.NEGATIVE_INFINITY;
  /** An update frame it heard keeps it listening until then (OTA_SESSION_MS; firmware link.ts). */
  sessionUntil = Number.NEGATIVE_INFINITY;
  /** Wake-on-radio: no scheduled windows; a frame after a wake-up preamble opens one. */
  wor = false;
  chunksWhileDeaf = 0;
  constructor(
    readonly dev: RegisteredDevice,
    running: string,
    readonly silent = false,
  ) {
    this.running = running;
  }
  listening(t: number, preambleMs = 0): boolean {
    if (!this.dev.sleepy) return true;
    if (t < this.lastUplinkAt + WINDOW_MS || t < this.sessionUntil) return true;
    return this.wor ? preambleMs > 0 : t % EVERY_MS < WINDOW_MS;
  }
  private status(state: number, reason: number, version: string, from = 0): OtaStatusMsg {
    const [a, b, c] = version.split(".").map(Number) as [number, number, number];
    const total = this.manifest
      ? Math.ceil(decodeManifest(this.manifest)!.size / OTA_CHUNK_BYTES)
      : 0;
    const have = new Uint8Array(8);
    for (let k = 0; k < OTA_BITMAP_CHUNKS; k++)
      if (this.held.has(from + k)) have[k >> 3] = (have[k >> 3] as number) | (1 << (k & 7));
    return {
      type: "ota-status",
      state,
      reason,
      fwMajor: a,
      fwMinor: b,
      fwPatch: c,
      received: this.held.size,
      total,
      from,
      have,
    };
  }
  private target(): string {
    return this.manifest ? decodeManifest(this.manifest)!.version : this.running;
  }
  handle(msg: DownlinkMsg, t: number, preambleMs = 0): OtaStatusMsg | undefined {
    if (!this.listening(t, preambleMs)) {
      if (msg.type === "ota-chunk") this.chunksWhileDeaf++;
      return undefined;
    }
    this.sessionUntil = t + OTA_SESSION_MS;
    if (msg.type === "ota-begin") {
      const m = msg.manifest;
      const v = decodeManifest(m)!.version;
      if (this.manifest && toHex(this.manifest) === toHex(m)) return this.status(this.state, 0, v);
      const why = manifestProblem(
        m,
        DEVICE_KIND_CHARGER,
        OTA_BOARD_CODES.PICO!,
        versionNumber(this.running),
        1e6,
      );
      if (why !== OTA_REASON_NONE) return this.status(OTA_STATE_REFUSED, why, v);
      this.manifest = m;
      this.image = new Uint8Array(decodeManifest(m)!.size);
      this.held.clear();
      this.state = OTA_STATE_RECEIVING;
      return this.status(OTA_STATE_RECEIVING, 0, v);
    }
    if (msg.type === "ota-chunk") {
      if (!this.manifest || this.held.has(msg.index)) return undefined;
      this.image.set(msg.data, msg.index * OTA_CHUNK_BYTES);
      this.held.add(msg.index);
      const m = decodeManifest(this.manifest)!;
      if (this.held.size < Math.ceil(m.size / OTA_CHUNK_BYTES)) return undefined;
      if (toHex(sha256(this.image)) !== toHex(m.sha256)) {
        this.manifest = undefined;
        this.held.clear();
        this.state = OTA_STATE_IDLE;
        return this.status(OTA_STATE_REFUSED, OTA_REASON_HASH_MISMATCH, m.version);
      }
      this.state = OTA_STATE_VERIFIED;
      return this.status(OTA_STATE_VERIFIED, 0, m.version);
    }
    if (msg.type !== "ota-control") return undefined;
    if (msg.op === OTA_OP_QUERY) return this.status(this.state, 0, this.target(), msg.arg);
    if (msg.op === OTA_OP_SWITCH && this.state === OTA_STATE_VERIFIED) {
      const v = this.target();
      this.manifest = undefined;
      this.held.clear();
      if (this.silent) {
        this.state = OTA_STATE_IDLE;
        return this.status(OTA_STATE_ROLLED_BACK, OTA_REASON_NO_REPORT, this.running);
      }
      this.running = v;
      this.state = OTA_STATE_SWITCHED;
      return this.status(OTA_STATE_SWITCHED, 0, v);
    }
    if (msg.op === OTA_OP_CONFIRM) {
      this.state = OTA_STATE_IDLE;
      return this.status(OTA_STATE_CONFIRMED, 0, this.running);
    }
    return undefined;
  }
}

function device(id: number, sleepy: boolean, building = "b1"): RegisteredDevice {
  return {
    deviceId: id,
    historyId: `h${id}`,
    kind: "charger",
    key: new Uint8Array(16).fill(id & 0xff),
    status: "active",
    building,
    heartbeatS: 60,
    sleepy,
    board: "PICO",
    firmware: "1.0.0",
    createdAt: 0,
    lastReceiver: "serial:radio",
  };
}

interface Rig {
  db: GatewayDatabase;
  engine: OtaEngine;
  devices: Map<number, ModelDevice>;
  sent: { deviceId: number; msg: DownlinkMsg; t: number; preambleMs: number }[];
  sounding: { on: boolean };
  holds: Map<number, string>;
  updated: Map<number, string>;
  now: number;
  run(untilMs: number): void;
}

function rig(path: string, models: ModelDevice[], seed = 1): Rig {
  const db = openGatewayDatabase(path);
  const devices = new Map(models.map((m) => [m.dev.deviceId, m]));
  let state = seed;
  // A small seeded generator (the test's loss pattern is the same every run).
  const rng = {
    next: () => {
      state = (state * 1103515245 + 12345) >>> 0;
      return (state >>> 8) / 2 ** 24;
    },
  };
  const inbox: { at: number; deviceId: number; s: OtaStatusMsg }[] = [];
  const r: Rig = {
    db,
    devices,
    sent: [],
    sounding: { on: false },
    holds: new Map(),
    updated: new Map(),
    now: 0,
    engine: undefined as unknown as OtaEngine,
    run(untilMs) {
      for (; r.now < untilMs; r.now += 10) {
        for (let i = inbox.length - 1; i >= 0; i--) {
          const x = inbox[i]!;
          if (x.at > r.now) continue;
          inbox.splice(i, 1);
          r.engine.heard(x.deviceId, r.now);
          r.engine.onStatus(x.deviceId, x.s, r.now);
        }
        r.engine.tick(r.now);
      }
    },
  };
  r.engine = new OtaEngine({
    store: new CampaignStore(db),
    lookup: (id) => devices.get(id)?.dev,
    downlinks: {
      sendBulk: (id, msg, wake) => {
        const d = devices.get(id)!;
        const preambleMs = wake && d.wor ? PREAMBLE_MS : 0;
        r.sent.push({ deviceId: id, msg, t: r.now, preambleMs });
        if (rng.next() >= 0.2) {
          const s = d.handle(msg, r.now + preambleMs, preambleMs);
          if (s) {
            d.lastUplinkAt = r.now + preambleMs + 20;
            if (rng.next() >= 0.2) inbox.push({ at: r.now + preambleMs + 30, deviceId: id, s });
          }
        }
        return { linkId: "serial:radio", bytes: 85, preambleMs };
      },
      soundingPending: () => r.sounding.on,
    },
    hold: (id) => r.holds.get(id),
    baudOf: () => BAUD,
    listenWindowMs: WINDOW_MS,
    nudgeEveryMs: 817,
    preambleMs: (dev) => (devices.get(dev.deviceId)?.wor ? PREAMBLE_MS : 0),
    onUpdated: (id, v) => r.updated.set(id, v),
  });
  r.engine.load();
  return r;
}

function release(version: string) {
  return { version, image: RELEASE };
}

describe("OTA campaign engine", () => {
  let dir: ReturnType<typeof tmpDir> | undefined;
  let db: GatewayDatabase | undefined;
  afterEach(() => {
    db?.close();
    db = undefined;
    dir?.remove();
    dir = undefined;
  });

  it("updates a mains charger and a sleeping detector over a lossy line; the detector gets chunks only in windows it opened", () => {
    dir = tmpDir("ota-engine-");
    const charger = new ModelDevice(device(0x5d000001, false), "1.0.0");
    const detector = new ModelDevice(device(0x5d000002, true), "1.0.0");
    const r = rig(`${dir.path}/gw.db`, [charger, detector]);
    db = r.db;
    const res = startCampaign(
      { selector: { kind: "charger" }, release: release("1.1.0"), rules: { canary: 2 } },
      {
        devices: [charger.dev, detector.dev],
        lookup: (id) => r.devices.get(id)?.dev,
        engine: r.engine,
        now: 0,
      },
    );
    expect(res.ok).toBe(true);
    r.run(30 * 60_000);
    const c = r.engine.list()[0]!;
    expect(c.status).toBe("done");
    expect(c.devices.map((d) => d.state)).toEqual(["reported", "reported"]);
    expect(charger.running).toBe("1.1.0");
    expect(detector.running).toBe("1.1.0");
    expect(r.updated.get(detector.dev.deviceId)).toBe("1.1.0");
    // Only queries (never chunks) are sent into a sleeping detector's unknown windows.
    expect(detector.chunksWhileDeaf).toBe(0);
    expect(
      r.sent.filter((s) => s.deviceId === detector.dev.deviceId && s.msg.type === "ota-chunk")
        .length,
    ).toBeGreaterThan(40);
    // Airtime pacing on the line: never two frames closer than one frame time (85 bytes at 9,600 baud).
    const times = r.sent.map((s) => s.t);
    for (let i = 1; i < times.length; i++)
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(80);
  });

  it("wakes a wake-on-radio detector once and streams its chunks in the session the wake opened, preambles only for lost answers", () => {
    dir = tmpDir("ota-engine-");
    const detector = new ModelDevice(device(0x5d000041, true), "1.0.0");
    detector.wor = true;
    const r = rig(`${dir.path}/gw.db`, [detector]);
    db = r.db;
    startCampaign(
      { selector: { kind: "charger" }, release: release("1.1.0") },
      { devices: [detector.dev], lookup: (id) => r.devices.get(id)?.dev, engine: r.engine, now: 0 },
    );
    r.run(10 * 60_000);
    expect(r.engine.list()[0]!.status).toBe("done");
    expect(detector.running).toBe("1.1.0");
    expect(detector.chunksWhileDeaf).toBe(0);
    const preambles = r.sent.filter((x) => x.preambleMs > 0);
    // A chunk never carries a preamble: the session's frames keep the detector listening.
    expect(preambles.every((x) => x.msg.type !== "ota-chunk")).toBe(true);
    // One wake-up for the begin, one after the switch (the detector rebooted), and one per answer
    // lost to the 20 % loss at most, not one every nudge interval (817 ms) of a 42-chunk transfer.
    expect(preambles.length).toBeLessThanOrEqual(8);
    expect(r.sent.filter((x) => x.msg.type === "ota-chunk").length).toBeGreaterThanOrEqual(42);
  });

  it("sends nothing while an interlink sounding waits, and holds a device that is alarming", () => {
    dir = tmpDir("ota-engine-");
    const a = new ModelDevice(device(0x5d000011, false), "1.0.0");
    const b = new ModelDevice(device(0x5d000012, false), "1.0.0");
    const r = rig(`${dir.path}/gw.db`, [a, b]);
    db = r.db;
    startCampaign(
      { selector: { kind: "charger" }, release: release("1.1.0") },
      { devices: [a.dev, b.dev], lookup: (id) => r.devices.get(id)?.dev, engine: r.engine, now: 0 },
    );
    r.sounding.on = true;
    r.run(10_000);
    expect(r.sent).toHaveLength(0);
    expect(r.engine.counters.heldForSounding).toBeGreaterThan(0);
    r.sounding.on = false;
    r.holds.set(a.dev.deviceId, "alarm active (fire)");
    r.run(20_000);
    expect(r.sent.some((s) => s.deviceId === a.dev.deviceId)).toBe(false);
    expect(r.sent.some((s) => s.deviceId === b.dev.deviceId)).toBe(true);
    expect(r.engine.list()[0]!.held).toEqual([
      { deviceId: a.dev.deviceId, why: "alarm active (fire)" },
    ]);
    r.holds.clear();
    r.run(10 * 60_000);
    expect(r.engine.list()[0]!.status).toBe("done");
  });

  it("resumes a campaign after a gateway restart from the SQLite file, where each transfer stood", () => {
    dir = tmpDir("ota-engine-");
    const path = `${dir.path}/gw.db`;
    const a = new ModelDevice(device(0x5d000021, false), "1.0.0");
    const b = new ModelDevice(device(0x5d000022, false), "1.0.0");
    const first = rig(path, [a, b]);
    startCampaign(
      { selector: { kind: "charger" }, release: release("1.1.0") },
      {
        devices: [a.dev, b.dev],
        lookup: (id) => first.devices.get(id)?.dev,
        engine: first.engine,
        now: 0,
      },
    );
    // Until a transfer is under way (the restart cuts it mid-image).
    const underWay = () =>
      first.engine.list()[0]!.devices.some((d) => d.state === "transferring" && d.percent > 0);
    while (!underWay() && first.now < 60_000) first.run(first.now + 100);
    const before = first.engine.list()[0]!.devices;
    expect(before.some((d) => d.state === "transferring" && d.percent > 0)).toBe(true);
    first.db.close();
    const again = rig(path, [a, b], 2);
    db = again.db;
    again.now = first.now;
    const restored = again.engine.list()[0]!;
    expect(restored.devices.map((d) => d.state)).toEqual(before.map((d) => d.state));
    // The first frame after the restart resumes (same manifest: the device keeps what it holds).
    again.run(first.now + 10 * 60_000);
    expect(again.engine.list()[0]!.status).toBe("done");
    expect([a.running, b.running]).toEqual(["1.1.0", "1.1.0"]);
    // Both images are 42 chunks: with no memory of what the devices held, 84 and more would
    // be sent again (more with 20 % loss); the stored chunk maps make it much less.
    const chunksAfter = again.sent.filter((s) => s.msg.type === "ota-chunk").length;
    expect(chunksAfter).toBeLessThan(84);
  });

  it("refuses and counts a forged package, a corrupted one and a downgrade; a silent image rolls back with its reason", () => {
    dir = tmpDir("ota-engine-");
    const forged = new ModelDevice(device(0x5d000031, false), "1.0.0");
    const corrupt = new ModelDevice(device(0x5d000032, false), "1.0.0");
    const silent = new ModelDevice(device(0x5d000033, false), "1.0.0", true);
    const newer = new ModelDevice(device(0x5d000034, false), "1.2.0");
    const r = rig(`${dir.path}/gw.db`, [forged, corrupt, silent, newer]);
    db = r.db;
    const image = new TextEncoder().encode("print('1.1.0')");
    const pkg = (d: RegisteredDevice, key: Uint8Array, img: Uint8Array) => {
      const manifest = encodeManifest({
        deviceKind: DEVICE_KIND_CHARGER,
        boardCode: OTA_BOARD_CODES.PICO!,
        version: "1.1.0",
        minVersion: "0.0.0",
        force: false,
        size: image.length,
        sha256: sha256(image),
      });
      return {
        deviceId: d.deviceId,
        manifestHex: toHex(manifest),
        tagHex: toHex(packageTag(hmac, key, manifest, d.deviceId)),
        image: Buffer.from(img).toString("latin1"),
      };
    };
    const bad = image.slice();
    bad[3] = (bad[3] as number) ^ 0xff;
    const all = [forged.dev, corrupt.dev, silent.dev, newer.dev];
    const res = startCampaign(
      {
        selector: { kind: "charger" },
        packages: [
          pkg(forged.dev, new Uint8Array(16).fill(0xee), image),
          pkg(corrupt.dev, corrupt.dev.key, bad),
          pkg(silent.dev, silent.dev.key, image),
          pkg(newer.dev, newer.dev.key, image),
        ],
        rules: { canary: 2, maxFailureShare: 1 },
      },
      { devices: all, lookup: (id) => r.devices.get(id)?.dev, engine: r.engine, now: 0 },
    );
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.refused.map((x) => [x.deviceId, x.code])).toEqual([
      [forged.dev.deviceId, "forged"],
      [corrupt.dev.deviceId, "corrupt"],
    ]);
    r.run(5 * 60_000);
    expect(
      r.sent.some((s) => s.deviceId === forged.dev.deviceId || s.deviceId === corrupt.dev.deviceId),
    ).toBe(false);
    const byId = new Map(r.engine.list()[0]!.devices.map((d) => [d.deviceId, d]));
    expect(byId.get(silent.dev.deviceId)).toMatchObject({
      state: "rolled-back",
      reason: "rolled back: the new image did not report in time",
    });
    expect(byId.get(newer.dev.deviceId)).toMatchObject({
      state: "failed",
      reason: "refused: not newer than the running version (downgrade)",
    });
    expect(silent.running).toBe("1.0.0");
    expect(r.engine.counters).toMatchObject({
      forged: 1,
      corrupt: 1,
      downgradeRefused: 1,
      rolledBack: 1,
      failed: 2,
    });
  });
});
