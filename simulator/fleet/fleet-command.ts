/**
 * `haitang sim fleet`: many devices in real time against a gateway that runs
 * separately (`haitang gateway --config ...`), for load tests and demos.
 * The same --devices/--kinds/--seed always give the same devices, so the
 * site file written with --site-config matches every later run.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { stringify as toYaml } from "yaml";
import { createPtyPair, type PtyPair } from "../../common/services.js";
import type { DeviceKind } from "../../firmware/device-config.js";
import { DURATION_PATTERN, parseDurationMs } from "../scenario/duration.js";
import {
  DEMO_INCIDENTS,
  INCIDENT_KINDS,
  type IncidentKind,
  type IncidentSchedule,
} from "./fleet-incidents.js";
import { countsFor, planFleet } from "./fleet-plan.js";
import { fleetSiteConfig } from "./fleet-site.js";
import { type FleetStats, type FleetTransport, startFleet } from "./start-fleet.js";

export const FLEET_USAGE = `usage: haitang sim fleet --devices N [options]

  Real time: N virtual devices at their normal reporting rates (detectors: a
  status every hour, samples every 10 s; chargers: telemetry every 10 s;
  guardians: a report every 15 min) against a running gateway.

  --devices N            how many devices (split 8:1:1 detectors:chargers:guardians)
  --kinds LIST           only these kinds, e.g. smoke,charger (default all three)
  --seed N               ids and keys come from the seed (default 1)
  --gateway-mqtt URL     Wi-Fi devices: one MQTT login each to the gateway's broker
  --serial PATH          serial devices on this port (repeat for more ports)
  --pty NAME             make a pseudo-terminal pair NAME; devices use one end, the
                         gateway the other (its path goes into --site-config)
  --site-config OUT      write the gateway's site file (buildings, sheds, devices with
                         keys); with no transport given, write it and exit
  --mqtt-port N          the broker port written into --site-config (default: the
                         --gateway-mqtt URL's, else 1883)
  --duration D           stop after D (e.g. 90s, 10m, 2h; default: until Ctrl-C)
  --incidents            the demo's incidents (overload every 4 min, heater every 7,
                         cooking smoke every 6)
  --incident KIND:EVERY  one incident on a schedule, e.g. overload:3m (repeatable;
                         kinds: ${INCIDENT_KINDS.join(", ")})
  --no-charging          no background charging sessions
  --firmware             run the built images in the vm sandbox (small fleets)
  --report-every D       a status line this often (default 10s; 0 = none)
  -h, --help             this text`;

const KINDS: DeviceKind[] = ["smoke", "charger", "guardian"];

function fail(msg: string): number {
  process.stderr.write(`haitang sim fleet: ${msg}\n\n${FLEET_USAGE}\n`);
  return 2;
}

function durationArg(name: string, v: string | undefined): number | undefined | Error {
  if (v === undefined) return undefined;
  if (v === "0") return 0;
  if (!new RegExp(DURATION_PATTERN).test(v))
    return new Error(`--${name} must be a duration like 90s, 10m or 2h (got '${v}')`);
  return parseDurationMs(v);
}

export async function fleetCommand(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (err) {
    return fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${FLEET_USAGE}\n`);
    return 0;
  }
  const devices = Number(values.devices);
  if (!values.devices || !Number.isInteger(devices) || devices < 1 || devices > 100_000)
    return fail("--devices must be a whole number from 1 to 100000");
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) return fail("--seed must be a non-negative integer");
  const kinds = (values.kinds ?? KINDS.join(",")).split(",").map((k) => k.trim());
  const bad = kinds.find((k) => !KINDS.includes(k as DeviceKind));
  if (bad) return fail(`unknown kind '${bad}' (kinds: ${KINDS.join(", ")})`);
  const duration = durationArg("duration", values.duration);
  const every = durationArg("report-every", values["report-every"] ?? "10s");
  if (duration instanceof Error) return fail(duration.message);
  if (every instanceof Error) return fail(every.message);
  const schedule: IncidentSchedule[] = values.incidents ? [...DEMO_INCIDENTS] : [];
  for (const spec of values.incident ?? []) {
    const [kind, ev] = spec.split(":");
    const ms = durationArg("incident", ev);
    if (!INCIDENT_KINDS.includes(kind as IncidentKind) || ms === undefined || ms instanceof Error)
      return fail(
        `--incident wants KIND:EVERY with KIND one of ${INCIDENT_KINDS.join(", ")} (got '${spec}')`,
      );
    schedule.push({ kind: kind as IncidentKind, everyMs: ms });
  }
  const transports = [values["gateway-mqtt"], values.serial?.length, values.pty?.length].filter(
    Boolean,
  );
  if (transports.length > 1) return fail("give one of --gateway-mqtt, --serial or --pty");

  const plan = planFleet({ counts: countsFor(devices, kinds as DeviceKind[]), seed });
  const cleanups: (() => Promise<void> | void)[] = [];
  const ptys: { name: string; pair: PtyPair }[] = [];
  try {
    if (values.pty?.length) {
      const dir = mkdtempSync(join(tmpdir(), "haitang-fleet-"));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      for (const name of values.pty) {
        const pair = await createPtyPair(dir, name);
        cleanups.push(() => pair.close());
        ptys.push({ name, pair });
      }
    }
    if (values["site-config"]) {
      const url = values["gateway-mqtt"] ? new URL(values["gateway-mqtt"]) : undefined;
      const mqttPort = Number(values["mqtt-port"] ?? (url?.port || 1883));
      const site = fleetSiteConfig(plan, {
        mqttPort,
        serial: ptys.map((p) => ({ name: p.name, path: p.pair.hostPath })),
      });
      writeFileSync(values["site-config"], toYaml(site));
      process.stdout.write(
        `wrote ${values["site-config"]}: ${plan.devices.length} devices, ${plan.buildings.length} buildings, ${plan.sheds.length} sheds\n`,
      );
      if (transports.length === 0) return 0;
    }
    let transport: FleetTransport;
    if (values["gateway-mqtt"]) transport = { kind: "mqtt", url: values["gateway-mqtt"] };
    else if (values.serial?.length) transport = { kind: "serial", paths: values.serial };
    else if (ptys.length) {
      transport = { kind: "serial", paths: ptys.map((p) => p.pair.devicePath) };
      for (const p of ptys)
        process.stdout.write(`pty ${p.name}: the gateway opens ${p.pair.hostPath}\n`);
    } else
      return fail(
        "give --gateway-mqtt URL, --serial PATH or --pty NAME (or only --site-config OUT)",
      );

    if (transport.kind === "mqtt") {
      const unreachable = await brokerProblem(transport.url);
      if (unreachable) {
        process.stderr.write(
          `haitang sim fleet: cannot reach the gateway's MQTT broker at ${transport.url} (${unreachable}); start the gateway (haitang gateway --config FILE) or fix --gateway-mqtt\n`,
        );
        return 1;
      }
    }
    if (values.firmware && devices > 500)
      process.stderr.write(
        "haitang sim fleet: --firmware with this many devices will not keep up in real time\n",
      );
    const fleet = await startFleet({
      plan,
      transport,
      runtime: values.firmware ? "sandbox" : "native",
      incidents: schedule,
      charging: !values["no-charging"],
      onEvent: (e) =>
        process.stdout.write(
          `[${(e.atMs / 1000).toFixed(0)}s] ${e.incident} ${e.location}: ${e.detail}\n`,
        ),
    });
    cleanups.push(() => fleet.stop());
    process.stdout.write(`fleet: ${fleet.describe()}\n`);
    const report = () => process.stdout.write(`${statusLine(fleet.stats())}\n`);
    const timer = every ? setInterval(report, every) : undefined;
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      if (duration !== undefined) setTimeout(done, duration);
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
    });
    if (timer) clearInterval(timer);
    const s = fleet.stats();
    report();
    process.stdout.write(`${JSON.stringify(s)}\n`);
    if (s.poweredOn === 0)
      process.stderr.write(
        `haitang sim fleet: no device came on (${s.links.connectFailures} failed connections to the gateway)\n`,
      );
    return s.poweredOn > 0 ? 0 : 1;
  } finally {
    for (const c of cleanups.reverse()) await c();
  }
}

export function statusLine(s: FleetStats): string {
  return [
    `t=${s.uptimeS.toFixed(0)}s`,
    `devices ${s.poweredOn}/${s.devices} on, ${s.links.connected} linked`,
    `uplinks ${s.uplinksTotal} (dropped ${s.links.framesDropped})`,
    `downlinks ${s.links.framesIn}`,
    `lag p99 ${s.lag.p99Ms.toFixed(0)} ms max ${s.lag.maxMs.toFixed(0)} ms`,
    `incidents ${s.incidents.done}`,
  ].join(" | ");
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    options: {
      devices: { type: "string" },
      kinds: { type: "string" },
      seed: { type: "string" },
      "gateway-mqtt": { type: "string" },
      serial: { type: "string", multiple: true },
      pty: { type: "string", multiple: true },
      "site-config": { type: "string" },
      "mqtt-port": { type: "string" },
      duration: { type: "string" },
      incidents: { type: "boolean" },
      incident: { type: "string", multiple: true },
      "no-charging": { type: "boolean" },
      firmware: { type: "boolean" },
      "report-every": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/** Why a TCP connection to an MQTT URL's host and port fails, or undefined when it opens. */
async function brokerProblem(url: string, timeoutMs = 3000): Promise<string | undefined> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "not a URL like mqtt://127.0.0.1:1883";
  }
  const { connect } = await import("node:net");
  return new Promise((resolve) => {
    const sock = connect(Number(u.port || 1883), u.hostname);
    const done = (why: string | undefined) => {
      sock.destroy();
      resolve(why);
    };
    sock.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs / 1000} s`));
    sock.once("connect", () => done(undefined));
    sock.once("error", (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}
