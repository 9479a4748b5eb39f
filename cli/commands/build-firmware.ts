/**
 * `haitang build-firmware`: builds one device's firmware image. The build
 * pipeline (firmware/build/build.ts) is imported only when a build runs, so
 * `--help` stays instant.
 */
import { parseArgs } from "node:util";
import { prepareOutputFile } from "../output-file.js";

const KINDS = ["charger", "smoke", "guardian"];

const HELP = `usage: haitang build-firmware --kind KIND --board NAME --device FILE.json -o OUT.js [--version X.Y.Z]

Builds the Espruino image of one device: TypeScript -> ES5 -> Espruino-safe JavaScript,
checked against what Espruino 2v29 lacks and sized against the board's memory.

options:
  --kind KIND         device kind: charger, smoke or guardian
  --board NAME        ORIGINAL, PICO, PUCKJS, ESP8266, WIFI or ESP32 (--list-boards)
  --device FILE.json  device identity, key, thresholds and pins
                      (schema: firmware/build/device-config.schema.json)
  -o, --out OUT.js    where to write the image
  --version X.Y.Z     firmware version the image reports (default: package.json's)
  --json              print the build report as JSON instead of a line
  --list-boards       print the boards, their budgets and the kinds they support
  -h, --help          this text

example:
  haitang build-firmware --kind smoke --board PICO \\
    --device firmware/build/fixtures/smoke-pico.json -o smoke.js

exit status: 0 built, 1 the build failed (config, compatibility or size), 2 bad usage`;

function fail(message: string, code: number): number {
  process.stderr.write(`haitang build-firmware: ${message}\n`);
  return code;
}

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        kind: { type: "string" },
        board: { type: "string" },
        device: { type: "string" },
        out: { type: "string", short: "o" },
        version: { type: "string" },
        json: { type: "boolean" },
        "list-boards": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    return fail(`${(err as Error).message}\n\n${HELP}`, 2);
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (values["list-boards"]) {
    const { describeBoards } = await import("../../firmware/build/boards.js");
    process.stdout.write(describeBoards());
    return 0;
  }
  const kind = values.kind as string | undefined;
  const board = values.board as string | undefined;
  const deviceFile = values.device as string | undefined;
  const out = values.out as string | undefined;
  const missing = [
    kind ? "" : "--kind",
    board ? "" : "--board",
    deviceFile ? "" : "--device",
    out ? "" : "-o",
  ].filter(Boolean);
  if (missing.length) return fail(`missing ${missing.join(", ")}\n\n${HELP}`, 2);
  if (!KINDS.includes(kind as string))
    return fail(`--kind must be one of ${KINDS.join(", ")}, got '${kind}'`, 2);

  const { readFileSync, renameSync, writeFileSync } = await import("node:fs");
  let device: unknown;
  try {
    device = JSON.parse(readFileSync(deviceFile as string, "utf8"));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return fail(
      e.code === "ENOENT" ? `${deviceFile}: no such file` : `${deviceFile}: ${e.message}`,
      1,
    );
  }
  const outProblem = prepareOutputFile(out as string);
  if (outProblem) return fail(outProblem, 2);
  const { buildFirmware, describeBuild, FirmwareBuildError } = await import(
    "../../firmware/build/build.js"
  );
  try {
    const result = await buildFirmware({
      kind: kind as "charger" | "smoke" | "guardian",
      board: board as string,
      device,
      deviceSource: deviceFile as string,
      ...(typeof values.version === "string" ? { version: values.version } : {}),
    });
    const tmp = `${out}.tmp-${process.pid}`;
    writeFileSync(tmp, result.code);
    renameSync(tmp, out as string);
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ ...result.report, sha256: result.sha256, out }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(`${describeBuild(result)}\nwrote ${out}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof FirmwareBuildError) return fail(err.message, 1);
    throw err;
  }
}
