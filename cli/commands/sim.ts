/**
 * `haitang sim`: run scenario files (virtual time, verdicts, JUnit, trace),
 * validate them, or drive a fleet of devices against a running gateway.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { prepareOutputFile } from "../output-file.js";

const USAGE = `usage:
  haitang sim run FILE... [--junit OUT.xml] [--trace OUT.jsonl] [--seed N]
                  [--transport pty|in-process] [--runtime sandbox|native]
      Runs each scenario in virtual time against the real gateway service and
      the built firmware; prints a summary; exit 0 when every expectation held.
      --transport in-process: serial lines in memory instead of pseudo-terminals;
      --runtime native: the firmware apps run natively instead of the built
      images in the sandbox (same frames; for long runs). Defaults: pty, sandbox.
  haitang sim validate FILE...
      Checks scenario files against the schema and their references; runs nothing.
  haitang sim fleet --devices N [--gateway-mqtt URL | --serial PATH... | --pty NAME...]
                    [--duration D] [--kinds smoke,charger,guardian] [--seed N]
                    [--site-config OUT.yaml] [--incidents] [--firmware]
      Real time: N devices at their normal reporting rates against a running
      gateway (load tests, demos). --site-config writes the gateway's site file
      (devices with ids and keys) first. \`haitang sim fleet --help\` for all options.`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === "--help" || sub === "-h" || sub === "help") {
    process.stdout.write(USAGE + "\n");
    return sub ? 0 : 2;
  }
  if (sub === "run") return runCmd(rest);
  if (sub === "validate") return validateCmd(rest);
  if (sub === "fleet") {
    const { fleetCommand } = await import("../../simulator/fleet/fleet-command.js");
    return fleetCommand(rest);
  }
  process.stderr.write(`haitang sim: unknown subcommand '${sub}'\n\n${USAGE}\n`);
  return 2;
}

async function runCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      junit: { type: "string" },
      trace: { type: "string" },
      seed: { type: "string" },
      transport: { type: "string" },
      runtime: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (positionals.length === 0) {
    process.stderr.write("haitang sim run: give at least one scenario file\n");
    return 2;
  }
  if (values.transport !== undefined && !["pty", "in-process"].includes(values.transport)) {
    process.stderr.write(
      `haitang sim run: --transport is pty or in-process, got '${values.transport}'\n`,
    );
    return 2;
  }
  if (values.runtime !== undefined && !["sandbox", "native"].includes(values.runtime)) {
    process.stderr.write(
      `haitang sim run: --runtime is sandbox or native, got '${values.runtime}'\n`,
    );
    return 2;
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) {
    process.stderr.write(
      `haitang sim run: --seed must be a non-negative integer, got '${values.seed}'\n`,
    );
    return 2;
  }
  for (const out of [values.junit, values.trace]) {
    const problem = out === undefined ? undefined : prepareOutputFile(out);
    if (problem) {
      process.stderr.write(`haitang sim run: ${problem}\n`);
      return 2;
    }
  }
  const { runFiles } = await import("../../simulator/run-files.js");
  const { junitXml, scenarioPassed, summaryText } = await import("../../simulator/report/junit.js");
  const opts: Parameters<typeof runFiles>[1] = {
    onResult: (r) =>
      process.stdout.write(
        `${scenarioPassed(r) ? "PASS" : "FAIL"}  ${r.name} (${r.wallS.toFixed(1)} s)\n`,
      ),
  };
  if (seed !== undefined) opts.seed = seed;
  if (values.trace) opts.tracePath = values.trace;
  if (values.transport) opts.transport = values.transport as "pty" | "in-process";
  if (values.runtime) opts.runtime = values.runtime as "sandbox" | "native";
  const results = await runFiles(positionals, opts);
  process.stdout.write("\n" + summaryText(results) + "\n");
  if (values.junit) {
    writeFileSync(values.junit, junitXml(results));
    process.stdout.write(`JUnit report: ${values.junit}\n`);
  }
  if (values.trace) process.stdout.write(`trace: ${values.trace}\n`);
  return results.every(scenarioPassed) ? 0 : 1;
}

async function validateCmd(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (positionals.length === 0) {
    process.stderr.write("haitang sim validate: give at least one scenario file\n");
    return 2;
  }
  const { formatErrors, loadScenarioFile } = await import(
    "../../simulator/scenario/load-scenario.js"
  );
  let bad = 0;
  for (const f of positionals) {
    const r = loadScenarioFile(f);
    if (r.ok)
      process.stdout.write(
        `ok  ${f}: ${r.scenario.name} (${r.scenario.site.devices.length} devices, ${r.scenario.steps.length} steps, ${r.scenario.expect.length} expectations)\n`,
      );
    else {
      bad++;
      process.stderr.write(formatErrors(f, r.errors) + "\n");
    }
  }
  return bad === 0 ? 0 : 1;
}
