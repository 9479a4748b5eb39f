/**
 * `haitang demo`: a whole compound on this machine. It starts, each on a free
 * port unless told otherwise:
 *   - a cloud broker (Mosquitto) and a time-series database (VictoriaMetrics),
 *   - the gateway (embedded Aedes for the devices, SQLite under --data),
 *   - the cloud bridge with the property firm's dashboard,
 *   - a fleet of simulated devices reporting in real time, with scripted incidents,
 * then prints where to look and runs until Ctrl-C.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { createLogger } from "../../common/log.js";
import { repoRoot } from "../../common/paths.js";
import { freePort } from "../../common/services.js";

const HELP = `usage: haitang demo [options]

Runs a demo compound: gateway + cloud broker + time-series database + cloud bridge +
simulated devices + dashboards. Needs mosquitto and victoria-metrics (Debian packages;
scripts/demo.sh installs them).

options:
  --devices N          simulated devices (default 40: detectors, one 12-port shed, guardians)
  --data DIR           where the gateway keeps its database (default .demo-data)
  --gateway-port N     gateway admin API and installer page (default 8080)
  --dashboard-port N   cloud bridge API and property dashboard (default 8090)
  --password PW        installer password (default: demo)
  --token TOKEN        dashboard login token (default: haitang-demo-token)
  --no-incidents       no scripted incidents (overloads, heaters, cooking smoke, tampering,
                       short circuits, fires: each kind within the first 15 minutes)
  -h, --help           this text
`;

export async function run(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parseDemoArgs>["values"];
  try {
    values = parseDemoArgs(argv).values;
  } catch (err) {
    process.stderr.write(`haitang demo: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const devices = Number(values.devices ?? "40");
  if (!Number.isInteger(devices) || devices < 3 || devices > 20_000) {
    process.stderr.write("haitang demo: --devices must be a whole number from 3 to 20000\n");
    return 2;
  }
  const log = createLogger("demo");
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        log.warn("stop failed", { error: String(err) });
      }
    }
  };
  try {
    const urls = await startDemo(values, devices, stops);
    process.stdout.write(
      [
        "",
        "Haitang demo compound is running.",
        `  Property dashboard : ${urls.dashboard}   (token: ${urls.token})`,
        `  Installer page     : ${urls.installer}   (password: ${urls.password})`,
        `  Gateway metrics    : ${urls.metrics}`,
        `  Cloud broker       : ${urls.cloud}`,
        `  Time series        : ${urls.tsdb}`,
        `  ${urls.fleet}`,
        "Press Ctrl-C to stop.",
        "",
      ].join("\n"),
    );
  } catch (err) {
    process.stderr.write(`haitang demo: ${(err as Error).message}\n`);
    await stopAll();
    return 1;
  }
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.stdout.write("stopping the demo...\n");
      stopAll().then(() => resolveExit(0));
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

function parseDemoArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      devices: { type: "string" },
      data: { type: "string" },
      "gateway-port": { type: "string" },
      "dashboard-port": { type: "string" },
      password: { type: "string" },
      token: { type: "string" },
      "no-incidents": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
}

interface DemoUrls {
  dashboard: string;
  installer: string;
  metrics: string;
  cloud: string;
  tsdb: string;
  token: string;
  password: string;
  fleet: string;
}

async function startDemo(
  values: ReturnType<typeof parseDemoArgs>["values"],
  deviceCount: number,
  stops: Array<() => Promise<void>>,
): Promise<DemoUrls> {
  const root = repoRoot();
  const dataDir = resolve(values.data ?? ".demo-data");
  mkdirSync(dataDir, { recursive: true });
  const password = values.password ?? "demo";
  const token = values.token ?? "haitang-demo-token";
  const gatewayPort = Number(values["gateway-port"] ?? "8080");
  const dashboardPort = Number(values["dashboard-port"] ?? "8090");

  const { startMosquitto, startVictoriaMetrics } = await import("../../common/servers.js");
  const cloud = await startMosquitto();
  stops.push(() => cloud.stop());
  const tsdb = await startVictoriaMetrics({ dedup: true });
  stops.push(() => tsdb.stop());

  // The fleet decides the devices; the gateway learns them from its site file.
  const { planDemoFleet, startFleet, staticDevices } = await import(
    "../../simulator/fleet/index.js"
  );
  const plan = planDemoFleet({ devices: deviceCount, seed: 1 });

  const site = parseYaml(
    readFileSync(join(root, "gateway/config/examples/demo-site.yaml"), "utf8"),
  ) as Record<string, unknown>;
  const commandKey = randomBytes(16).toString("hex");
  const mqttPort = await freePort();
  site.database = join(dataDir, "gateway.db");
  site.mqtt = { mode: "embedded", host: "127.0.0.1", port: mqttPort };
  site.cloud = { url: cloud.url, commandKey, healthIntervalS: 10 };
  site.http = { host: "127.0.0.1", port: gatewayPort };
  site.buildings = plan.buildings;
  site.sheds = plan.sheds;
  site.devices = staticDevices(plan);

  const { loadSiteConfig, formatConfigErrors } = await import("../../gateway/config/index.js");
  const loaded = loadSiteConfig({ text: toYaml(site), baseDir: dataDir });
  if (!loaded.ok) throw new Error(`demo site config: ${formatConfigErrors(loaded.errors)}`);
  const siteId = loaded.config.site;
  const gatewayId = loaded.config.gateway;

  const { InstallAuth } = await import("../../gateway/http/auth.js");
  const { GatewayService } = await import("../../gateway/service.js");
  const gateway = new GatewayService({
    config: loaded.config,
    auth: new InstallAuth((p) => p === password),
    log: createLogger("gateway", { level: "warn" }),
  });
  await gateway.start();
  stops.push(() => gateway.stop());

  const { parseConfig } = await import("../../cloud-bridge/config/load.js");
  const bridgeConfig = parseConfig({
    instance: "demo-bridge",
    mqtt: { url: cloud.url, shareGroup: "haitang-bridge" },
    influx: { url: tsdb.url, org: "haitang", bucket: "haitang", token: "demo" },
    history: { kind: "victoriametrics", url: tsdb.url },
    http: { host: "127.0.0.1", port: dashboardPort, webRoot: join(root, "cloud-bridge/web") },
    tokens: [{ name: "demo", token, sites: ["*"], role: "operator" }],
    sites: {
      [siteId]: {
        name: "Haitang demo compound",
        commandKey,
        gateways: [gatewayId],
        sheds: Object.fromEntries(
          plan.sheds.map((s) => [s.id, { name: `Shed ${s.id}`, limitW: s.limitW ?? 8700 }]),
        ),
      },
    },
  });
  if (!bridgeConfig.ok) throw new Error(`demo bridge config: ${bridgeConfig.errors.join("; ")}`);
  const { CloudBridge } = await import("../../cloud-bridge/bridge.js");
  const bridge = new CloudBridge(bridgeConfig.config, {
    logger: createLogger("bridge", { level: "warn" }),
  });
  await bridge.start();
  stops.push(() => bridge.stop());

  const fleet = await startFleet({
    plan,
    transport: { kind: "mqtt", url: `mqtt://127.0.0.1:${gateway.mqttPort()}` },
    incidents: !values["no-incidents"],
    // Each scripted incident as one line, so the person watching knows what to look for.
    onEvent: (e) => {
      if (e.incident === "charging") return;
      process.stdout.write(
        `[demo ${new Date().toISOString().slice(11, 19)}] ${e.incident} ${e.location}: ${e.detail}\n`,
      );
    },
  });
  stops.push(() => fleet.stop());

  return {
    dashboard: `http://127.0.0.1:${dashboardPort}/`,
    installer: `http://127.0.0.1:${gateway.httpPort()}/ui/`,
    metrics: `http://127.0.0.1:${gateway.httpPort()}/metrics`,
    cloud: cloud.url,
    tsdb: tsdb.url,
    token,
    password,
    fleet: `Devices            : ${plan.devices.length} simulated (${fleet.describe()})`,
  };
}
