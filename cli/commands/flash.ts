/**
 * haitang flash: build, flash and commission one device over USB serial.
 * The flow is installer/flash.ts; this file parses options and prints.
 */
import { parseArgs } from "node:util";
import { BOARD_NAMES, findBoard } from "../../firmware/build/boards.js";
import type { DeviceKind } from "../../firmware/device-config.js";
import { parseDeviceId } from "../../gateway/registry/keys.js";
import { reportText } from "../../installer/commissioning-report.js";
import { firmwareBuilder } from "../../installer/firmware-builder.js";
import { flashDevice } from "../../installer/flash.js";
import { FlashError } from "../../installer/flash-error.js";
import { HttpGatewayClient } from "../../installer/gateway-client.js";
import { type InstallConfig, loadInstallConfig } from "../../installer/install-config.js";
import { consoleProgress } from "../../installer/progress.js";

const USAGE = `usage: haitang flash --kind smoke|charger|guardian --board NAME --port PATH
                     --site S --location "Building 3, 2-201" [options]

Builds the device's image with a fresh identity and key, uploads it through the
Espruino toolchain, saves it to the board's flash, reads it back, registers the
device with the gateway, waits for its first frame and self-test, and writes a
commissioning report.

required:
  --kind K             smoke | charger | guardian
  --board NAME         ${BOARD_NAMES.join(" | ")} (case-insensitive)
  --port PATH          the board's USB serial port, e.g. /dev/ttyACM0
  --site S             site (compound) name, for the report
  --location TEXT      where the device is, e.g. "Building 3, 2-201"
options:
  --building B         building (smoke detectors of one building sound together)
  --shed S             charging shed id (chargers)
  --replace ID         this hardware replaces device ID (8 hex digits): its place, alarms and
                       history move here once the new device has passed its self-test;
                       --location then defaults to the old device's
  --config FILE        YAML/JSON with thresholds, heartbeat, pins (firmware/device-config.ts names)
  --gateway URL        gateway HTTP API (default $HAITANG_GATEWAY_URL or http://127.0.0.1:8080)
  --password P         install password (default $HAITANG_INSTALL_PASSWORD)
  --no-wait            do not wait for the first frame and the self-test
  --report-dir DIR     where to save the report (default ./commissioning-reports)
  --baud N             console speed (USB boards ignore it; default 115200 for ESP32 and
                       ESP8266, whose console is a UART, else 9600)
  --timeout S          seconds to wait for the first frame and for the self-test (default 60)
  --verbose            print the Espruino toolchain's log on failure
  -h, --help           this text
`;

const KINDS: DeviceKind[] = ["smoke", "charger", "guardian"];

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        kind: { type: "string" },
        board: { type: "string" },
        port: { type: "string" },
        site: { type: "string" },
        location: { type: "string" },
        building: { type: "string" },
        shed: { type: "string" },
        replace: { type: "string" },
        config: { type: "string" },
        gateway: { type: "string" },
        password: { type: "string" },
        "no-wait": { type: "boolean" },
        "report-dir": { type: "string" },
        baud: { type: "string" },
        timeout: { type: "string" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`haitang flash: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const str = (k: string) => (typeof values[k] === "string" ? (values[k] as string) : undefined);
  const required = ["kind", "board", "port", "site", ...(str("replace") ? [] : ["location"])];
  const missing = required.filter((k) => !str(k));
  if (missing.length > 0) {
    process.stderr.write(
      `haitang flash: missing ${missing.map((m) => `--${m}`).join(", ")}\n\n${USAGE}`,
    );
    return 2;
  }
  const kind = str("kind") as DeviceKind;
  if (!KINDS.includes(kind)) {
    process.stderr.write(`haitang flash: --kind must be one of ${KINDS.join(", ")}\n`);
    return 2;
  }
  const board = findBoard(str("board") ?? "");
  if (!board) {
    process.stderr.write(
      `haitang flash: unknown board '${str("board")}'; known: ${BOARD_NAMES.join(", ")}\n`,
    );
    return 2;
  }
  if (!board.kinds.includes(kind)) {
    process.stderr.write(
      `haitang flash: board ${board.name} cannot be a ${kind} (it supports ${board.kinds.join(", ")}): ` +
        `${board.kindNotes}\n`,
    );
    return 2;
  }
  const timeoutS = Number(str("timeout") ?? "60");
  const uartConsole = board.name === "ESP32" || board.name === "ESP8266";
  const baud = Number(str("baud") ?? (uartConsole ? "115200" : "9600"));
  if (!(timeoutS > 0) || !Number.isInteger(baud) || baud <= 0) {
    process.stderr.write("haitang flash: --timeout and --baud take positive numbers\n");
    return 2;
  }
  const replaces = str("replace") !== undefined ? parseDeviceId(str("replace")) : undefined;
  if (str("replace") !== undefined && replaces === undefined) {
    process.stderr.write(
      "haitang flash: --replace takes a device id of 8 hex digits, e.g. 00c0ffee\n",
    );
    return 2;
  }
  const password = str("password") ?? process.env.HAITANG_INSTALL_PASSWORD ?? "";
  const gatewayUrl = str("gateway") ?? process.env.HAITANG_GATEWAY_URL ?? "http://127.0.0.1:8080";
  const toolchainLog: string[] = [];
  try {
    const config: InstallConfig | undefined = str("config")
      ? loadInstallConfig(str("config") as string)
      : undefined;
    const result = await flashDevice(
      {
        kind,
        board,
        port: str("port") as string,
        site: str("site") as string,
        ...(str("location") !== undefined ? { location: str("location") as string } : {}),
        ...(replaces !== undefined ? { replaces } : {}),
        ...(str("building") !== undefined ? { building: str("building") as string } : {}),
        ...(str("shed") !== undefined ? { shed: str("shed") as string } : {}),
        ...(config ? { config } : {}),
        wait: values["no-wait"] !== true,
        reportDir: str("report-dir") ?? "commissioning-reports",
        baud,
        firstFrameTimeoutMs: timeoutS * 1000,
        selfTestTimeoutMs: timeoutS * 1000,
      },
      {
        build: firmwareBuilder(),
        gateway: new HttpGatewayClient({ url: gatewayUrl, password }),
        progress: consoleProgress({
          write: (t) => process.stderr.write(t),
          tty: process.stderr.isTTY === true,
        }),
        toolchainLog,
      },
    );
    process.stdout.write(`\n${reportText(result.report)}`);
    if (result.files) {
      process.stdout.write(`saved ${result.files.text}\n      ${result.files.json}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof FlashError) {
      process.stderr.write(`\nhaitang flash: ${err.message}\n  what to do: ${err.whatToDo}\n`);
      if (values.verbose && toolchainLog.length > 0) {
        process.stderr.write(
          `\ntoolchain log (last 40 lines):\n  ${toolchainLog.slice(-40).join("\n  ")}\n`,
        );
      }
      return 1;
    }
    throw err;
  }
}
