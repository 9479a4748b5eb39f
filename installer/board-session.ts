/**
 * One board on one serial port, in the installer's terms: is it there, is it
 * the board asked for, upload and save an image, read its identity back,
 * restart its program. Toolchain failures become FlashErrors that say what to
 * do.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { BOARD_NAMES, type Board, getBoard } from "../firmware/build/boards.js";
import {
  ToolchainConnection,
  ToolchainDisconnected,
  ToolchainTimeout,
  type UploadProgress,
} from "./espruino-toolchain.js";
import { FlashError } from "./flash-error.js";

export interface BoardEnv {
  board: string;
  version: string;
  raw: Record<string, unknown>;
}

export interface BoardSessionOptions {
  baud: number;
  log: string[];
  answerTimeoutMs: number;
}

/** What the flasher reads back: the identity installer/image-entries publish on E. */
export const IDENTITY_EXPRESSION = "[E.HAITANG_ID.firmware, E.HAITANG_ID.deviceId]";

/** Serial devices an installer might mean, for the "no such port" message. */
export function candidatePorts(): string[] {
  try {
    return readdirSync("/dev")
      .filter((n) => /^tty(ACM|USB|AMA)\d+$/.test(n) || /^cu\.usb/.test(n))
      .map((n) => `/dev/${n}`);
  } catch {
    return [];
  }
}

export async function openBoardSession(
  port: string,
  opts: BoardSessionOptions,
): Promise<BoardSession> {
  if (!existsSync(port)) {
    const found = candidatePorts();
    throw new FlashError(
      "port-not-found",
      `there is no serial port ${port}`,
      found.length > 0
        ? `Serial ports present now: ${found.join(", ")}. Pass the board's one with --port.`
        : "No USB serial port is present: plug the board in (a data cable, not a charge-only one) " +
            "and pass its port with --port, e.g. /dev/ttyACM0.",
    );
  }
  if (!statSync(port).isCharacterDevice()) {
    throw new FlashError(
      "port-not-found",
      `${port} is not a serial device`,
      "Pass the board's serial port with --port, e.g. /dev/ttyACM0.",
    );
  }
  let conn: ToolchainConnection;
  try {
    conn = await ToolchainConnection.open(port, { baud: opts.baud, log: opts.log });
  } catch (err) {
    throw new FlashError(
      "port-open-failed",
      `cannot open ${port}: ${(err as Error).message}`,
      "Close any other program using the port (a terminal, the Web IDE) and check that your " +
        "user may open it (the 'dialout' group on Linux).",
    );
  }
  return new BoardSession(conn, port, opts);
}

export class BoardSession {
  constructor(
    private readonly conn: ToolchainConnection,
    readonly port: string,
    private readonly opts: BoardSessionOptions,
  ) {}

  /** Asks the board for process.env; checks it is the board type asked for. */
  async identifyBoard(board: Board): Promise<BoardEnv> {
    let raw: unknown;
    try {
      raw = await this.conn.evaluate("process.env", this.opts.answerTimeoutMs);
    } catch (err) {
      if (err instanceof ToolchainTimeout || err instanceof ToolchainDisconnected) {
        throw new FlashError(
          "no-board",
          `no Espruino board answered on ${this.port}`,
          "Check the cable and that the board is powered and runs Espruino (its LED blinks " +
            "when plugged in); press its reset button and run the command again.",
        );
      }
      throw err;
    }
    if (!raw || typeof raw !== "object" || typeof (raw as { BOARD?: unknown }).BOARD !== "string") {
      throw new FlashError(
        "no-board",
        `the device on ${this.port} answered, but not like an Espruino board (${JSON.stringify(raw)})`,
        "Check that --port is the Espruino board and not another serial device.",
      );
    }
    const env = raw as Record<string, unknown>;
    const reported = String(env.BOARD);
    if (reported !== board.envBoard) {
      const actual = BOARD_NAMES.map(getBoard).find((b) => b.envBoard === reported);
      throw new FlashError(
        "wrong-board",
        `the board on ${this.port} reports itself as ${reported}, ` +
          `not ${board.envBoard} (--board ${board.name.toLowerCase()}) as asked`,
        actual
          ? `Pass --board ${actual.name.toLowerCase()} for this board (if it suits the device ` +
              `kind), or connect the ${board.title} you meant.`
          : `This board type is not supported; connect the ${board.title} you meant.`,
      );
    }
    this.conn.describeBoard(env);
    return { board: reported, version: String(env.VERSION ?? "?"), raw: env };
  }

  /** Uploads to RAM, checks the board took every statement, saves to flash. */
  async uploadAndSave(code: string, progress: (p: UploadProgress) => void): Promise<void> {
    const mark = this.conn.outputMark();
    let sent = 0;
    const total = code.length;
    try {
      await this.conn.upload(code, (p) => {
        sent = p.sentBytes;
        progress(p);
      });
    } catch (err) {
      if (err instanceof ToolchainDisconnected || err instanceof ToolchainTimeout) {
        throw uploadCut(this.port, `${err.message}`);
      }
      throw err;
    }
    // Statements run in order: an answer to this comes only after the last one.
    try {
      await this.conn.evaluate('"haitang-upload-end"', this.opts.answerTimeoutMs);
    } catch (err) {
      if (err instanceof ToolchainDisconnected || err instanceof ToolchainTimeout) {
        throw uploadCut(this.port, `the board stopped answering after ${sent} of ${total} bytes`);
      }
      throw err;
    }
    this.checkBoardOutput(this.conn.output(mark));
    let saved: string;
    try {
      saved = await this.conn.command("save()", /Done!|ERROR[^\r\n]*/, 30_000);
    } catch (err) {
      if (err instanceof ToolchainDisconnected || err instanceof ToolchainTimeout) {
        throw uploadCut(this.port, "the board did not finish save()");
      }
      throw err;
    }
    const error = /ERROR[^\r\n]*/.exec(saved);
    if (error) {
      throw new FlashError(
        /too big|memory/i.test(error[0]) ? "image-too-big" : "upload-failed",
        `the board could not save the image to flash: ${error[0]}`,
        /too big|memory/i.test(error[0])
          ? "Use a board with more memory or a smaller configuration."
          : "Run the command again; if it fails twice, reflash Espruino on the board.",
      );
    }
  }

  private checkBoardOutput(out: string): void {
    if (/Out of Memory|LOW_MEMORY|MEMORY_BUSY/i.test(out)) {
      throw new FlashError(
        "image-too-big",
        "the board ran out of memory while receiving the image",
        "Use a board with more memory (--board pico, wifi or esp32) or a smaller configuration.",
      );
    }
    const uncaught = /Uncaught [^\r\n]*/.exec(out) ?? /ERROR:[^\r\n]*/.exec(out);
    if (uncaught) {
      throw new FlashError(
        "upload-failed",
        `the board rejected part of the image: ${uncaught[0]}`,
        "Run the command again; if the same error repeats, the image does not suit this board's " +
          "Espruino version (update Espruino on the board).",
      );
    }
  }

  /** Firmware version and device id, from the running image. */
  async readIdentity(): Promise<{ version: string; deviceId: number }> {
    let v: unknown;
    try {
      v = await this.conn.evaluate(IDENTITY_EXPRESSION, this.opts.answerTimeoutMs);
    } catch (err) {
      if (err instanceof ToolchainDisconnected || err instanceof ToolchainTimeout) {
        throw new FlashError(
          "verify-failed",
          `the board stopped answering after save(): ${err.message}`,
          "Unplug and replug the board, then run the same command again.",
        );
      }
      throw err;
    }
    if (!Array.isArray(v) || typeof v[0] !== "string" || typeof v[1] !== "number") {
      throw new FlashError(
        "verify-failed",
        `the board does not run a Haitang image (it answered ${JSON.stringify(v)})`,
        "The image did not start after save(): run the same command again.",
      );
    }
    return { version: v[0], deviceId: v[1] >>> 0 };
  }

  /** Restarts the saved program (Espruino's load()), so it boots and announces itself. */
  async restartProgram(): Promise<void> {
    try {
      this.conn.send("load()");
      await this.conn.evaluate("1", this.opts.answerTimeoutMs);
    } catch (err) {
      if (err instanceof ToolchainDisconnected || err instanceof ToolchainTimeout) {
        throw new FlashError(
          "verify-failed",
          `the board did not come back after restarting its program: ${err.message}`,
          "Unplug and replug the board, then run the same command again.",
        );
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}

function uploadCut(port: string, detail: string): FlashError {
  return new FlashError(
    "upload-cut",
    `the upload to ${port} was cut: ${detail}`,
    "Keep the cable plugged in and still, replug the board if it disappeared, and run the same " +
      "command again (nothing was registered; the board will be overwritten).",
  );
}
