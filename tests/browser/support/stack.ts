/**
 * The whole chain for dashboard tests and the dashboard benchmark, all real:
 * a spawned Mosquitto (cloud broker) and VictoriaMetrics, the cloud bridge
 * serving cloud-bridge/web/, and one gateway service per site (SQLite in a
 * temp folder) with a shed charger on a socat pseudo-terminal, uplinked to
 * the cloud broker.
 */
import { join } from "node:path";
import { CloudBridge } from "../../../cloud-bridge/bridge.js";
import { parseConfig } from "../../../cloud-bridge/config/load.js";
import { memoryLogger } from "../../../common/log.js";
import { repoRoot } from "../../../common/paths.js";
import type { PtyPair } from "../../../common/services.js";
import { InstallAuth } from "../../../gateway/http/auth.js";
import { GatewayService } from "../../../gateway/service.js";
import { framed, keyOf } from "../../../gateway/testing/frames.js";
import { PtyDevice } from "../../../gateway/testing/pty-device.js";
import { testSite } from "../../../gateway/testing/site.js";
import {
  CHARGER_EVENT_CUT,
  CHARGER_EVENT_RESTORED,
  PORT_CHARGING,
  PORT_CUT_OVERLOAD,
  REASON_OVERLOAD,
} from "../../../protocol/constants.js";
import type { ChargerTelemetryMsg, Msg } from "../../../protocol/messages.js";
import {
  createPtyPair,
  freePort,
  type Mosquitto,
  startMosquitto,
  startVictoriaMetrics,
  tmpDir,
  type VictoriaMetrics,
  waitFor,
} from "../../support/services.js";

export interface SiteSpec {
  site: string;
  name: string;
  gateway: string;
  commandKey: string;
}

export const GARDEN: SiteSpec = {
  site: "hz-garden",
  name: "Haitang Garden",
  gateway: "gw-garden",
  commandKey: "000102030405060708090a0b0c0d0e0f",
};
export const RIVER: SiteSpec = {
  site: "hz-river",
  name: "Riverside Court",
  gateway: "gw-river",
  commandKey: "f0e0d0c0b0a090807060504030201000",
};
export const TOKEN_GARDEN = "garden-guard-room-token-0001";
export const TOKEN_RIVER = "riverside-office-token-00002";
export const TOKEN_ALL = "property-firm-all-sites-0003";
/** A read-only token for every site: may look, may not acknowledge or restore. */
export const TOKEN_VIEWER = "district-viewer-token-00004";
/** A grid worker's token (read-only role): sees the garden, steps only the orders assigned to them. */
export const TOKEN_WORKER = "grid-worker-wang-token-0005";
export const WORKER = "wang";
/** The garden's site link key for residents' reports (随手拍). */
export const REPORT_KEY = "garden-report-link-key-01";
export const PASSWORD = "install-secret";
/** The charger of each site's shed. */
export const CHARGER = 0x00c4a001;
/** A second charger of the garden's shed, for tests that start the stack with `secondCharger`. */
export const CHARGER_2 = 0x00c4a002;
const CHARGER_2_KEY = keyOf(43);
/** The shed the gateways place it in, and the garden shed's name in the bridge config. */
export const SHED_ID = "shed-a";
export const SHED_NAME = "North gate shed";
export const SHED_LOCATION = "Shed A (north gate)";
const CHARGER_KEY = keyOf(41);
/** A smoke detector of each site, in building b1, flat 101. */
export const DETECTOR = 0x00d5a001;
export const DETECTOR_LOCATION = "b1 flat 101 kitchen";
const DETECTOR_KEY = keyOf(42);

const RULES = `
rules:
  - id: port-overload
    kind: device-event
    on: [charger-cut]
    reasons: [overload]
    clearOn: [charger-restored]
    alarm: port-overload
    severity: major
  - { id: fire, kind: device-event, on: [smoke-alarm], clearOn: [smoke-clear], alarm: fire, severity: critical }
`;

/** One compound: a gateway service with a charger on a serial pty, uplinked to the cloud. */
export class SiteGateway {
  private counter = 1;
  private constructor(
    readonly spec: SiteSpec,
    readonly gateway: GatewayService,
    private readonly pty: PtyPair,
    readonly device: PtyDevice,
  ) {}

  static async start(
    spec: SiteSpec,
    cloudUrl: string,
    dir: string,
    opts: { secondCharger?: boolean } = {},
  ): Promise<SiteGateway> {
    const pty = await createPtyPair(dir, `radio-${spec.site}`);
    const base = testSite({
      dir: join(dir, spec.site),
      httpPort: await freePort(),
      mqttPort: await freePort(),
      serial: [{ name: "rs485", path: pty.hostPath }],
      extra: `cloud: { url: "${cloudUrl}", commandKey: "${spec.commandKey}", keepaliveS: 5, healthIntervalS: 2, reconnectMinMs: 100, reconnectMaxMs: 1000 }\n${RULES}`,
    });
    const config = { ...base, site: spec.site, gateway: spec.gateway };
    const gateway = new GatewayService({
      config,
      auth: new InstallAuth((p) => p === PASSWORD),
      log: memoryLogger(`gw-${spec.site}`),
      tuning: { mergeWindowMs: 5, commitIntervalMs: 2 },
    });
    await gateway.start();
    const parts = gateway.running();
    parts.admin.register({
      deviceId: CHARGER,
      kind: "charger",
      key: CHARGER_KEY,
      shed: SHED_ID,
      location: SHED_LOCATION,
    });
    if (opts.secondCharger)
      parts.admin.register({
        deviceId: CHARGER_2,
        kind: "charger",
        key: CHARGER_2_KEY,
        shed: SHED_ID,
        location: SHED_LOCATION,
      });
    parts.admin.register({
      deviceId: DETECTOR,
      kind: "smoke",
      key: DETECTOR_KEY,
      building: "b1",
      location: DETECTOR_LOCATION,
    });
    if (gateway.health().uplinkState === "disabled") throw new Error("the gateway has no uplink");
    const device = await PtyDevice.open(
      pty.devicePath,
      new Map([
        [CHARGER, CHARGER_KEY],
        [DETECTOR, DETECTOR_KEY],
        ...(opts.secondCharger ? [[CHARGER_2, CHARGER_2_KEY] as [number, Uint8Array]] : []),
      ]),
    );
    await waitFor(() => (gateway.health().receivers.every((r) => r.up) ? true : undefined), "rx");
    return new SiteGateway(spec, gateway, pty, device);
  }

  /** Sends one signed frame from the charger, as its RS-485 link would deliver it. */
  async send(msg: Msg): Promise<void> {
    await this.device.write(framed(CHARGER, this.counter++, msg, CHARGER_KEY));
  }

  private counter2 = 1;

  /** Sends one signed frame from the second charger (a stack started with `secondCharger`). */
  async sendSecond(msg: Msg): Promise<void> {
    await this.device.write(framed(CHARGER_2, this.counter2++, msg, CHARGER_2_KEY));
  }

  private detectorCounter = 1;
  private smokeEventId = 1;

  /** The detector's smoke alarm (a new physical event each call). */
  async smoke(event: number): Promise<void> {
    const msg: Msg = {
      type: "smoke-event",
      event,
      smokeLevel: 1200,
      batteryMv: 2900,
      eventId: this.smokeEventId++,
    };
    await this.device.write(framed(DETECTOR, this.detectorCounter++, msg, DETECTOR_KEY));
  }

  /** Relay commands the charger received from the gateway, MAC checked. */
  relayCommands(): Array<{ port: number; on: boolean }> {
    return this.device.received
      .filter((r) => r.macOk && r.frame.deviceId === CHARGER && r.frame.msg.type === "relay")
      .map((r) => r.frame.msg as { port: number; on: boolean });
  }

  /** Charger telemetry with these port powers; `cut` ports are shown cut for overload. */
  telemetry(powersW: number[], cut: number[] = [], tempDeciC = 312): ChargerTelemetryMsg {
    return {
      type: "charger-telemetry",
      tempDeciC,
      ports: powersW.map((p, i) => ({
        powerW: p,
        energyWh: 100 + i,
        state: cut.includes(i) ? PORT_CUT_OVERLOAD : p > 0 ? PORT_CHARGING : 0,
        relayOn: !cut.includes(i),
      })),
    };
  }

  /** The charger's own cut of `port` for overload (the event the port-overload rule raises on). */
  cutEvent(port: number, powerW: number): Msg {
    return {
      type: "charger-event",
      port,
      event: CHARGER_EVENT_CUT,
      reason: REASON_OVERLOAD,
      powerW,
      tempDeciC: 312,
      sessionS: 1800,
    };
  }

  restoredEvent(port: number): Msg {
    return {
      type: "charger-event",
      port,
      event: CHARGER_EVENT_RESTORED,
      reason: 0,
      powerW: 0,
      tempDeciC: 300,
      sessionS: 0,
    };
  }

  async stop(): Promise<void> {
    await this.device.close();
    await this.gateway.stop();
    await this.pty.close();
  }
}

export interface Stack {
  mosquitto: Mosquitto;
  vm: VictoriaMetrics;
  bridge: CloudBridge;
  baseUrl: string;
  garden: SiteGateway;
  river: SiteGateway;
  /** Stops the bridge and starts a new one on the same config and files (a bridge restart). */
  restartBridge(): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** The garden's shed has two chargers (CHARGER and CHARGER_2). */
  secondCharger?: boolean;
  /** The bridge's clock (a test's virtual clock); Date.now by default. */
  now?: () => number;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const dir = tmpDir("haitang-web-stack-");
  const [mosquitto, vm] = await Promise.all([startMosquitto(), startVictoriaMetrics()]);
  const parsed = parseConfig(
    {
      instance: "web-test",
      mqtt: { url: mosquitto.url, reconnectPeriodMs: 200, sessionExpiryS: 300 },
      influx: {
        url: vm.url,
        org: "haitang",
        bucket: "haitang",
        token: "unused-by-victoria-metrics",
        flushIntervalMs: 20,
        retry: { initialMs: 50, maxMs: 400 },
      },
      history: { kind: "victoriametrics", url: vm.url },
      http: { host: "127.0.0.1", port: 0, webRoot: join(repoRoot(), "cloud-bridge", "web") },
      tokens: [
        { name: "garden-guard-room", token: TOKEN_GARDEN, sites: [GARDEN.site], role: "operator" },
        { name: "riverside-office", token: TOKEN_RIVER, sites: [RIVER.site], role: "operator" },
        { name: "property-firm", token: TOKEN_ALL, sites: ["*"], role: "operator" },
        { name: "district-viewer", token: TOKEN_VIEWER, sites: ["*"], role: "viewer" },
        { name: WORKER, token: TOKEN_WORKER, sites: [GARDEN.site], role: "viewer" },
      ],
      sites: Object.fromEntries(
        [GARDEN, RIVER].map((s) => [
          s.site,
          {
            name: s.name,
            commandKey: s.commandKey,
            gateways: [s.gateway],
            limits: { portLimitW: 1100, shedLimitW: 8700, overTempC: 65 },
            // The garden's shed has a name in the cloud config; riverside's is shown by its id.
            ...(s.site === GARDEN.site
              ? { sheds: { [SHED_ID]: { name: SHED_NAME, limitW: 9000 } }, reportKey: REPORT_KEY }
              : {}),
          },
        ]),
      ),
      // Generous: a loaded CI machine can take seconds to carry a command both ways.
      commands: { timeoutMs: 20_000 },
      rebuild: { fromHistory: false },
      workOrders: { file: join(dir.path, "work-orders.jsonl"), reportsPerHour: 3 },
    },
    {},
  );
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const config = parsed.config;
  const newBridge = () =>
    new CloudBridge(config, {
      logger: memoryLogger("bridge"),
      ...(opts.now ? { now: opts.now } : {}),
    });
  const bridge = newBridge();
  await bridge.start();
  const garden = await SiteGateway.start(GARDEN, mosquitto.url, dir.path, opts);
  const river = await SiteGateway.start(RIVER, mosquitto.url, dir.path);
  const stack: Stack = {
    mosquitto,
    vm,
    bridge,
    baseUrl: `http://127.0.0.1:${bridge.httpPort}`,
    garden,
    river,
    restartBridge: async () => {
      await stack.bridge.stop();
      stack.bridge = newBridge();
      await stack.bridge.start();
      stack.baseUrl = `http://127.0.0.1:${stack.bridge.httpPort}`;
    },
    stop: async () => {
      await garden.stop();
      await river.stop();
      await stack.bridge.stop();
      await Promise.all([mosquitto.stop(), vm.stop()]);
      dir.remove();
    },
  };
  return stack;
}
