/**
 * The demo's one wiring place: a cloud broker (Mosquitto) and a time-series
 * database (VictoriaMetrics) on free ports; per compound a gateway (embedded
 * Aedes, SQLite under data/<site>/) and its simulated fleet; one cloud bridge
 * with the property dashboard over every compound; the incident schedule;
 * the demo operator who restores cut ports.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { CloudBridge } from "../../cloud-bridge/bridge.js";
import { parseConfig } from "../../cloud-bridge/config/load.js";
import { createLogger } from "../../common/log.js";
import { repoRoot } from "../../common/paths.js";
import { startMosquitto, startVictoriaMetrics } from "../../common/servers.js";
import { freePort } from "../../common/services.js";
import { formatConfigErrors, loadSiteConfig } from "../../gateway/config/index.js";
import { InstallAuth } from "../../gateway/http/auth.js";
import { clockOf, localMinute } from "../../gateway/rules/welfare/local-time.js";
import { GatewayService } from "../../gateway/service.js";
import {
  type Fleet,
  type FleetEvent,
  type FleetPlan,
  startFleet,
  staticDevices,
} from "../../simulator/fleet/index.js";
import { COMPOUNDS, type CompoundSpec, planCompound, siteName } from "./compounds.js";
import { nthIncident } from "./incident-rotation.js";
import type { DemoPace } from "./pace.js";
import { PortRestorer } from "./port-restorer.js";

export interface DemoOptions {
  sites: number;
  dataDir: string;
  /** First compound's gateway HTTP port, the next ones +1, +2...; 0: free ports. */
  gatewayPort: number;
  dashboardPort: number;
  password: string;
  token: string;
  incidents: boolean;
  pace: DemoPace;
  /** Each incident, undo and restore as one line. */
  say(line: string): void;
}

export interface DemoSite {
  spec: CompoundSpec;
  plan: FleetPlan;
  installer: string;
  metrics: string;
  fleet: Fleet;
}

export interface Demo {
  dashboard: string;
  cloud: string;
  tsdb: string;
  sites: DemoSite[];
  restorer: PortRestorer | undefined;
  incidents: { done: number; skipped: number };
}

/** Gateway ids are unique across the bridge's sites. */
const gatewayId = (c: CompoundSpec) => `${c.id}-gw1`;

/** The compound's site file: demo-site.yaml's rules and notifications with this compound's layout. */
function siteConfig(
  c: CompoundSpec,
  plan: FleetPlan,
  o: {
    dataDir: string;
    mqttPort: number;
    httpPort: number;
    cloudUrl: string;
    commandKey: string;
    startedAtMs: number;
  },
  pace: DemoPace,
): string {
  const site = parseYaml(
    readFileSync(join(repoRoot(), "gateway/config/examples/demo-site.yaml"), "utf8"),
  ) as Record<string, unknown> & { rules: Record<string, unknown>[] };
  site.site = c.id;
  site.gateway = gatewayId(c);
  site.name = siteName(c);
  site.database = join(o.dataDir, "gateway.db");
  site.mqtt = { mode: "embedded", host: "127.0.0.1", port: o.mqttPort };
  site.cloud = { url: o.cloudUrl, commandKey: o.commandKey, healthIntervalS: 10 };
  site.http = { host: "127.0.0.1", port: o.httpPort };
  site.buildings = plan.buildings;
  site.sheds = plan.sheds;
  site.devices = staticDevices(plan);
  // No family server listens on this machine: the family's webhook becomes a local MQTT topic.
  site.notifications = (site.notifications as Record<string, unknown>[]).map((n) => {
    if (n.type !== "webhook") return n;
    const local: Record<string, unknown> = { ...n, type: "mqtt", topic: `haitang/local/${n.id}` };
    delete local.url;
    return local;
  });
  const watched = plan.devices.find((d) => d.watch === "welfare");
  if (watched)
    site.rules.push({
      id: "welfare-watched",
      kind: "inactivity",
      devices: [watched.id],
      windows: [
        watchedWindow(o.startedAtMs, (site.utcOffsetMin as number | undefined) ?? 480, pace),
      ],
      severity: "major",
    });
  return toYaml(site);
}

/**
 * The watched resident's window: the whole day but one minute, starting 10 minutes before the
 * demo did (site local time). A window's start restarts the idle count, and its last minute is
 * outside it, so a fixed 00:00-23:59 delayed the welfare alarm of a demo running across local
 * midnight; these two instants are now a day away from the demo's start.
 */
export function watchedWindow(
  startedAtMs: number,
  utcOffsetMin: number,
  pace: Pick<DemoPace, "watchedMaxIdleS">,
): { from: string; to: string; maxIdleS: number } {
  const start = localMinute(startedAtMs, utcOffsetMin);
  return { from: clockOf(start - 10), to: clockOf(start - 11), maxIdleS: pace.watchedMaxIdleS };
}

export async function startDemo(o: DemoOptions, stops: Array<() => Promise<void>>): Promise<Demo> {
  const root = repoRoot();
  const cloud = await startMosquitto();
  stops.push(() => cloud.stop());
  const tsdb = await startVictoriaMetrics({ dedup: true });
  stops.push(() => tsdb.stop());

  const compounds = COMPOUNDS.slice(0, o.sites);
  const gateways: { c: CompoundSpec; plan: FleetPlan; gateway: GatewayService }[] = [];
  const bridgeSites: Record<string, unknown> = {};
  for (const [i, c] of compounds.entries()) {
    const plan = planCompound(c, i + 1, o.pace);
    const dataDir = resolve(o.dataDir, c.id);
    mkdirSync(dataDir, { recursive: true });
    const commandKey = randomBytes(16).toString("hex");
    const text = siteConfig(
      c,
      plan,
      {
        dataDir,
        mqttPort: await freePort(),
        httpPort: o.gatewayPort === 0 ? await freePort() : o.gatewayPort + i,
        cloudUrl: cloud.url,
        commandKey,
        startedAtMs: Date.now(),
      },
      o.pace,
    );
    const loaded = loadSiteConfig({ text, baseDir: dataDir });
    if (!loaded.ok) throw new Error(`demo site ${c.id}: ${formatConfigErrors(loaded.errors)}`);
    const gateway = new GatewayService({
      config: loaded.config,
      auth: new InstallAuth((p) => p === o.password),
      log: createLogger(`gateway ${c.id}`, { level: "error" }),
    });
    await gateway.start();
    stops.push(() => gateway.stop());
    bridgeSites[c.id] = {
      name: siteName(c),
      commandKey,
      gateways: [gatewayId(c)],
      sheds: Object.fromEntries(plan.sheds.map((s) => [s.id, { name: s.name, limitW: s.limitW }])),
    };
    gateways.push({ c, plan, gateway });
  }

  // The demo operator restores ports with its own token; people log in with theirs.
  const operatorToken = randomBytes(16).toString("hex");
  const bridgeConfig = parseConfig({
    instance: "demo-bridge",
    mqtt: { url: cloud.url, shareGroup: "haitang-bridge" },
    influx: { url: tsdb.url, org: "haitang", bucket: "haitang", token: "demo" },
    history: { kind: "victoriametrics", url: tsdb.url },
    http: { host: "127.0.0.1", port: o.dashboardPort, webRoot: join(root, "cloud-bridge/web") },
    tokens: [
      { name: "demo", token: o.token, sites: ["*"], role: "operator" },
      { name: "demo-operator", token: operatorToken, sites: ["*"], role: "operator" },
    ],
    sites: bridgeSites,
  });
  if (!bridgeConfig.ok) throw new Error(`demo bridge config: ${bridgeConfig.errors.join("; ")}`);
  const bridge = new CloudBridge(bridgeConfig.config, {
    logger: createLogger("bridge", { level: "warn" }),
  });
  await bridge.start();
  stops.push(() => bridge.stop());

  // The devices power on once the bridge listens: the cloud broker keeps nothing for a
  // shared subscription that does not exist yet, and the pages should show every boot.
  const sites: DemoSite[] = [];
  for (const { c, plan, gateway } of gateways) {
    const fleet = await startFleet({
      plan,
      transport: { kind: "mqtt", url: `mqtt://127.0.0.1:${gateway.mqttPort()}` },
      holdMs: o.pace.holdMs,
      onEvent: (e) => sayEvent(o, c, e),
    });
    stops.push(() => fleet.stop());
    sites.push({
      spec: c,
      plan,
      installer: `http://127.0.0.1:${gateway.httpPort()}/ui/`,
      metrics: `http://127.0.0.1:${gateway.httpPort()}/metrics`,
      fleet,
    });
  }
  const dashboard = `http://127.0.0.1:${o.dashboardPort}`;

  const counts = { done: 0, skipped: 0 };
  let restorer: PortRestorer | undefined;
  if (o.incidents) {
    restorer = new PortRestorer({
      bridgeUrl: dashboard,
      token: operatorToken,
      sites: compounds.map((c) => c.id),
      restoreAfterMs: o.pace.restoreAfterMs,
      pollMs: o.pace.restorePollMs,
      clearPort: (site, deviceId, port) =>
        sites.find((s) => s.spec.id === site)?.fleet.clearPort(deviceId, port),
      onRestore: (p, reason) =>
        o.say(
          `restore ${p.site} ${p.shed} charger ${p.deviceId} port ${p.devicePort + 1}: ${reason}`,
        ),
    });
    restorer.start();
    const r = restorer;
    stops.push(() => r.stop());
    let n = 0;
    const next = () => {
      const { kind, sites: order } = nthIncident(n++, sites.length);
      const ok = order.some((i) => sites[i]!.fleet.incident(kind));
      if (ok) counts.done++;
      else {
        counts.skipped++;
        o.say(`${kind}: skipped (no compound can take it now)`);
      }
    };
    let timer: NodeJS.Timeout | undefined = setTimeout(function tick() {
      next();
      timer = setTimeout(tick, o.pace.incidentEveryMs);
    }, o.pace.firstIncidentMs);
    stops.push(async () => {
      clearTimeout(timer);
      timer = undefined;
    });
  }
  return {
    dashboard: `${dashboard}/`,
    cloud: cloud.url,
    tsdb: tsdb.url,
    sites,
    restorer,
    incidents: counts,
  };
}

function sayEvent(o: DemoOptions, c: CompoundSpec, e: FleetEvent): void {
  if (e.incident === "charging") return;
  o.say(`${e.incident} ${c.zh} ${c.id} ${e.location}: ${e.detail}`);
}
