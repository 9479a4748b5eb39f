/**
 * Runs virtual Espruino boards on pseudo-terminals until interrupted, for
 * trying `haitang flash` by hand without hardware:
 *
 *   node dist/simulator/virtual-board/main.js --board pico --kind smoke --dir /tmp/vb
 *
 * prints each board's USB port (for `haitang flash --port`) and the shared
 * radio port (for a `serial:` receiver in the gateway's site config).
 */
import { mkdirSync } from "node:fs";
import { parseArgs } from "node:util";
import { findBoard } from "../../firmware/build/boards.js";
import type { DeviceKind } from "../../firmware/device-config.js";
import { findBoardProfile } from "./board-profiles.js";
import { healthyWiring } from "./healthy-wiring.js";
import { sandboxHost } from "./sandbox-host.js";
import { SharedRadio } from "./shared-radio.js";
import { VirtualBoard } from "./virtual-board.js";

const HELP = `usage: virtual-board [--board pico] [--kind smoke] [--count 1] [--dir DIR]
  --board NAME   pico | wifi | puckjs | esp32 | esp8266 | original
  --kind K       smoke | charger | guardian: sensors wired as a healthy device
  --count N      boards on one shared radio
  --dir DIR      where the pty links go (default /tmp/haitang-vb)
  --no-answer    the boards never answer (try "no board answering")
  --cut BYTES    cut the first upload after BYTES (try "upload cut half-way")
`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      board: { type: "string", default: "pico" },
      kind: { type: "string", default: "smoke" },
      count: { type: "string", default: "1" },
      dir: { type: "string", default: "/tmp/haitang-vb" },
      "no-answer": { type: "boolean" },
      cut: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const profile = findBoardProfile(values.board);
  const board = profile ? findBoard(profile.name) : undefined;
  if (!profile || !board) {
    process.stderr.write(`unknown board ${values.board}\n${HELP}`);
    return 2;
  }
  const kind = values.kind as DeviceKind;
  mkdirSync(values.dir, { recursive: true });
  const radio = new SharedRadio(values.dir, "radio");
  await radio.start();
  const boards: VirtualBoard[] = [];
  const wiring = healthyWiring(kind, board);
  for (let i = 0; i < Number(values.count); i++) {
    const vb = new VirtualBoard({
      dir: values.dir,
      name: `board${i}`,
      board: profile.name,
      radio: radio.attach(),
      ...(values["no-answer"] ? { answers: false } : {}),
      ...(values.cut ? { cutUploadAfterBytes: Number(values.cut) } : {}),
      firmwareHost: (link) => sandboxHost(link, { board: board.name, ...wiring }),
    });
    await vb.start();
    boards.push(vb);
    process.stdout.write(`board${i} (${profile.envBoard}) USB: ${vb.consolePath}\n`);
  }
  process.stdout.write(`radio (all boards): ${radio.hostPath}\nCtrl-C to stop.\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  for (const b of boards) await b.stop();
  await radio.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`virtual-board: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
