/**
 * `haitang demo`: several residential compounds on this machine (cli/demo/):
 * a cloud broker and a time-series database, a gateway per compound with its
 * simulated devices, one cloud bridge with the property dashboard over all of
 * them, incidents of every kind on a schedule and a demo operator who
 * switches cut ports back on. It prints where to look and runs until Ctrl-C.
 */
import { parseArgs } from "node:util";
import { createLogger } from "../../common/log.js";

const HELP = `usage: haitang demo [options]

Runs demo compounds: per compound a gateway with simulated smoke detectors, e-bike shed
chargers and guardian sensors; one cloud broker, time-series database and cloud bridge with
the property dashboard and the district cockpit over all of them. Incidents of every kind
come on a schedule and cut ports are switched back on by the demo operator. Needs mosquitto
and victoria-metrics (Debian packages; scripts/demo.sh installs them).

options:
  --sites N            compounds, 1 to 6 (default 3: 海棠苑, 玉兰里, 桂花园)
  --data DIR           where the gateways keep their databases, one folder per compound
                       (default .demo-data)
  --gateway-port N     first compound's gateway admin API and installer page; the next
                       compounds N+1, N+2... (default 8080; 0: free ports)
  --dashboard-port N   cloud bridge API, property dashboard and cockpit (default 8090)
  --password PW        installer password of every gateway (default: demo)
  --token TOKEN        dashboard login token (default: haitang-demo-token)
  --pace normal|fast   normal: an incident every 30 s, each of the ten kinds every 5 min,
                       cut ports back on after 2 min; fast: every kind within the first
                       minute, ports back after 15 s (default normal)
  --no-incidents       no scheduled incidents and no restores (residents still charge)
  --stats-every S      print the demo's CPU and memory every S seconds (default 300; 0: never)
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
  const { MAX_SITES } = await import("../demo/compounds.js");
  const { PACES } = await import("../demo/pace.js");
  const sites = Number(values.sites ?? "3");
  const gatewayPort = Number(values["gateway-port"] ?? "8080");
  const dashboardPort = Number(values["dashboard-port"] ?? "8090");
  const statsS = Number(values["stats-every"] ?? "300");
  const pace = PACES[(values.pace ?? "normal") as keyof typeof PACES];
  const bad = (msg: string) => {
    process.stderr.write(`haitang demo: ${msg}\n`);
    return 2;
  };
  if (!Number.isInteger(sites) || sites < 1 || sites > MAX_SITES)
    return bad(`--sites must be a whole number from 1 to ${MAX_SITES}`);
  if (!Number.isInteger(gatewayPort) || gatewayPort < 0 || gatewayPort + sites > 65536)
    return bad("--gateway-port must be a port number (0: free ports)");
  if (!Number.isInteger(dashboardPort) || dashboardPort < 1 || dashboardPort > 65535)
    return bad("--dashboard-port must be a port number");
  if (!pace) return bad(`--pace must be normal or fast (got '${values.pace}')`);
  if (!Number.isFinite(statsS) || statsS < 0) return bad("--stats-every must be seconds ≥ 0");

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
  const say = (line: string) =>
    process.stdout.write(`[demo ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  try {
    const { startDemo } = await import("../demo/start-demo.js");
    const token = values.token ?? "haitang-demo-token";
    const password = values.password ?? "demo";
    const demo = await startDemo(
      {
        sites,
        dataDir: values.data ?? ".demo-data",
        gatewayPort,
        dashboardPort,
        password,
        token,
        incidents: !values["no-incidents"],
        pace,
        say,
      },
      stops,
    );
    const { describeDemo, statsLine } = await import("../demo/describe.js");
    process.stdout.write(describeDemo(demo, { token, password }));
    if (statsS > 0) {
      let last = { at: performance.now(), cpu: process.cpuUsage() };
      const timer = setInterval(() => {
        const s = statsLine(demo, last);
        last = s.sample;
        say(s.line);
      }, statsS * 1000);
      stops.push(async () => clearInterval(timer));
    }
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
      sites: { type: "string" },
      data: { type: "string" },
      "gateway-port": { type: "string" },
      "dashboard-port": { type: "string" },
      password: { type: "string" },
      token: { type: "string" },
      pace: { type: "string" },
      "no-incidents": { type: "boolean" },
      "stats-every": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
}
