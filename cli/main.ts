/**
 * The `haitang` command. Each subcommand lives in cli/commands/<name>.ts and is
 * imported only when it runs, so `haitang --help` starts fast.
 */

import { failureText } from "./failure-text.js";

interface CommandModule {
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  "build-firmware": {
    summary: "build a firmware image for one device (kind, board, identity)",
    load: () => import("./commands/build-firmware.js"),
  },
  gateway: {
    summary: "run the compound gateway service",
    load: () => import("./commands/gateway.js"),
  },
  sim: {
    summary: "run simulator scenarios or a device fleet",
    load: () => import("./commands/sim.js"),
  },
  flash: {
    summary: "build, flash and commission a device over USB serial",
    load: () => import("./commands/flash.js"),
  },
  devices: {
    summary: "list, approve, replace, decommission or rekey devices",
    load: () => import("./commands/devices.js"),
  },
  ota: {
    summary: "firmware-update campaigns: start, status, pause, resume, abort",
    load: () => import("./commands/ota.js"),
  },
  bridge: {
    summary: "run the cloud bridge (MQTT -> InfluxDB, alarms, fleet API)",
    load: () => import("./commands/bridge.js"),
  },
  demo: {
    summary: "run a demo site: gateway + simulated devices + dashboards",
    load: () => import("./commands/demo.js"),
  },
};

function usage(): string {
  const lines = ["usage: haitang <command> [options]", "", "commands:"];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(16)}${c.summary}`);
  lines.push(
    "",
    "Run `haitang <command> --help` for a command's options, `haitang --version` for the version.",
  );
  return lines.join("\n");
}

/** The version of this checkout (package.json). */
async function version(): Promise<string> {
  const { readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { repoRoot } = await import("../common/paths.js");
  const pkg = JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as {
    version?: string;
  };
  return pkg.version ?? "unknown";
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V" || name === "version") {
    process.stdout.write(`haitang ${await version()}\n`);
    return 0;
  }
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage() + "\n");
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`haitang: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  let mod: CommandModule;
  try {
    mod = await cmd.load();
  } catch (err) {
    process.stderr.write(`haitang: command '${name}' is not available: ${String(err)}\n`);
    return 2;
  }
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const parseError =
      err instanceof Error &&
      String((err as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`${failureText(err, process.env.HAITANG_DEBUG === "1")}\n`);
    process.exitCode = parseError ? 2 : 1;
  },
);
