/**
 * From a scenario to the things that run: a build configuration per virtual
 * device (ids and keys from the seed) and the gateway's site configuration
 * (receivers and buses as serial ports, devices with their keys, placement),
 * and the link fabric's settings.
 */
import type { DeviceConfig } from "../../firmware/device-config.js";
import { standardRules } from "../../gateway/config/standard-rules.js";
import { deriveBuildingGroup } from "../../gateway/downlink/group-keys.js";
import { keyToHex } from "../../gateway/registry/keys.js";
import { hmacSha256 } from "../../protocol/hmac.js";
import { deviceIdHex } from "../../protocol/uplink.js";
import {
  DEFAULT_BOARD,
  deriveDeviceId,
  deriveKeyHex,
  deviceConfigFor,
} from "../devices/device-config-for.js";
import { DEFAULT_RADIO } from "../links/radio-medium.js";
import { parseDurationMs } from "../scenario/duration.js";
import type { Scenario } from "../scenario/load-scenario.js";
import type { DeviceSpec } from "../scenario/types.js";

export interface PlannedDevice {
  name: string;
  spec: DeviceSpec;
  config: DeviceConfig;
  /** The board the device's image is built for (firmware/build/boards.ts name). */
  board: string;
  /** Building id for detectors and guardians. */
  building?: string;
}

/** The site's group secret (gateway YAML interlink.groupSecret), from the seed; undefined when off. */
export function groupSecretHex(sc: Scenario): string | undefined {
  return sc.gateway?.groupSounding === false ? undefined : deriveKeyHex("group-secret", sc.seed);
}

export function planDevices(sc: Scenario): PlannedDevice[] {
  const secret = groupSecretHex(sc);
  return sc.site.devices.map((d) => {
    const deviceId = d.deviceId ? Number.parseInt(d.deviceId, 16) : deriveDeviceId(d.id, sc.seed);
    const spec: Parameters<typeof deviceConfigFor>[0] = {
      name: d.id,
      kind: d.kind,
      deviceId,
      key: deriveKeyHex(d.id, sc.seed),
    };
    if (d.heartbeat !== undefined)
      spec.heartbeatS = Math.round(parseDurationMs(d.heartbeat) / 1000);
    if (d.thresholds) spec.thresholds = d.thresholds;
    const board = (d.board ?? DEFAULT_BOARD).toUpperCase();
    spec.board = board;
    const planned: PlannedDevice = { name: d.id, spec: d, config: deviceConfigFor(spec), board };
    if (d.flat) planned.building = d.flat.split("/")[0]!;
    // Issued at commissioning: the building's group key at epoch 0 (gateway/downlink/group-keys.ts).
    if (secret && d.kind === "smoke" && planned.building) {
      const g = deriveBuildingGroup(Buffer.from(secret, "hex"), planned.building, 0, hmacSha256);
      planned.config.group = { id: g.id, key: keyToHex(g.key) };
    }
    return planned;
  });
}

export interface GatewayEndpoints {
  /** Serial port per receiver or bus id: the host side of its pty pair. */
  serialPaths: Map<string, string>;
  mqttPort: number;
  httpPort: number;
  cloudUrl: string;
  databasePath: string;
  commandKeyHex: string;
}

/** The site config as the gateway's loader takes it (JSON is YAML). */
export function siteConfigFor(
  sc: Scenario,
  devices: PlannedDevice[],
  ep: GatewayEndpoints,
): Record<string, unknown> {
  const serial = [...ep.serialPaths.entries()].map(([name, path]) => {
    const bus = (sc.site.buses ?? []).find((b) => b.id === name);
    return bus ? { name, path, baud: bus.baud ?? 9600, bus: true } : { name, path, baud: 9600 };
  });
  const sheds = (sc.site.sheds ?? []).map((s) => {
    const out: Record<string, unknown> = { id: s.id };
    if (s.limitW !== undefined) out.limitW = s.limitW;
    if (s.refuseW !== undefined) out.refuseW = s.refuseW;
    if (s.building) out.building = s.building;
    return out;
  });
  const useStandard = sc.gateway?.standardRules !== false;
  const rules = [...(useStandard ? standardRules() : []), ...(sc.gateway?.rules ?? [])];
  return {
    site: "sim",
    gateway: "gw1",
    name: sc.name,
    utcOffsetMin: 480,
    database: ep.databasePath,
    serial,
    mqtt: { mode: "embedded", host: "127.0.0.1", port: ep.mqttPort },
    cloud: {
      url: ep.cloudUrl,
      clientId: `haitang-sim-gw-${ep.mqttPort}`,
      keepaliveS: 5,
      healthIntervalS: 60,
      reconnectMinMs: 100,
      reconnectMaxMs: 500,
      commandKey: ep.commandKeyHex,
    },
    http: { host: "127.0.0.1", port: ep.httpPort },
    // The interlink resends follow the shortest listening window of the site's detectors.
    interlink: {
      listenWindowMs: shortestListenWindowMs(devices),
      baud: radioBaud(sc),
      // Wake-on-radio detectors: the preamble covers the longest sniff period among them.
      listen: "wake-on-radio",
      sniffEveryMs: longestSniffMs(devices),
      ...(groupSecretHex(sc) ? { groupSecret: groupSecretHex(sc) } : {}),
    },
    buildings: (sc.site.buildings ?? []).map((b) => ({ id: b.id, flats: b.flats })),
    sheds,
    devices: devices.map((d) => {
      const out: Record<string, unknown> = {
        id: deviceIdHex(d.config.deviceId),
        kind: d.config.kind,
        key: d.config.key,
        heartbeatS: Math.max(10, d.config.heartbeatS),
        sleepy: d.config.listenWindowMs > 0,
        board: d.board,
        // Each part once: building and shed have their own keys; the place within them is the flat
        // ("b1/101" → building b1, location 101) or the device's name (common/place.ts joins them).
        location: d.spec.flat?.split("/").slice(1).join("/") || d.name,
      };
      if (d.building) out.building = d.building;
      if (d.config.group) out.groupEpoch = 0;
      if (d.config.kind === "smoke" && d.config.listenWindowMs > 0 && !d.config.wakeOnRadio)
        out.listen = "windows";
      if (d.spec.shed) out.shed = d.spec.shed;
      return out;
    }),
    rules,
    ...(sc.gateway?.notifications ? { notifications: sc.gateway.notifications } : {}),
    ...(sc.gateway?.escalation ? { escalation: sc.gateway.escalation } : {}),
  };
}

function longestSniffMs(devices: PlannedDevice[]): number {
  let s = 0;
  for (const d of devices) s = Math.max(s, d.config.wakeOnRadio?.sniffEveryMs ?? 0);
  return s || 1000;
}

function shortestListenWindowMs(devices: PlannedDevice[]): number {
  let w = 1000;
  for (const d of devices) {
    const lw = d.config.listenWindowMs;
    if (d.config.kind === "smoke" && lw > 0 && lw < w) w = Math.max(100, lw);
  }
  return w;
}

/** The link fabric's receivers, buses and radio settings from the scenario's site. */
export function linkSettingsFor(sc: Scenario, planned: PlannedDevice[]) {
  const radio = sc.site.radio;
  return {
    receivers: (sc.site.receivers ?? []).map((r) => {
      const spec: { id: string; lossRate: number; hears?: Set<number> } = {
        id: r.id,
        lossRate: r.loss ?? 0,
      };
      if (r.hears)
        spec.hears = new Set(
          r.hears.map((h) => planned.find((p) => p.name === h)?.config.deviceId ?? -1),
        );
      return spec;
    }),
    buses: (sc.site.buses ?? []).map((b) => ({ id: b.id, baud: b.baud ?? 9600 })),
    radio: {
      latencyMs:
        radio?.latency !== undefined ? parseDurationMs(radio.latency) : DEFAULT_RADIO.latencyMs,
      jitterMs:
        radio?.jitter !== undefined ? parseDurationMs(radio.jitter) : DEFAULT_RADIO.jitterMs,
      duplicateRate: radio?.duplicate ?? 0,
      reorderRate: radio?.reorder ?? 0,
      corruptRate: radio?.corrupt ?? 0,
      ...(radio?.airtime === false ? {} : { airtimeBaud: radioBaud(sc) }),
    },
  };
}

/** The receivers' radio line rate (scenario site.radio.baud, default 9,600). */
export function radioBaud(sc: Scenario): number {
  return sc.site.radio?.baud ?? 9600;
}
