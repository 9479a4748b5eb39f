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
import {
  BOOT_CODE_FILE,
  BOOT_LOADER,
  guardedWrite,
  IMAGE_FILE,
  imageReads,
  imageWrites,
  sha256OfBinary,
  WRITE_PIECE,
} from "./storage-install.js";

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

  /**
   * Installs the image in the board's flash (storage-install.ts): reset(),
   * Storage erased (a new identity must not inherit old counters), the image
   * written piece by piece, read back and its SHA-256 compared, then the boot
   * code that runs it. Progress counts the bytes written.
   */
  async installToStorage(code: string, progress: (p: UploadProgress) => void): Promise<void> {
    const total = code.length;
    const t = this.opts.answerTimeoutMs;
    const mark = this.conn.outputMark();
    let sent = 0;
    try {
      this.conn.send("reset();");
      await this.conn.evaluate('"haitang-reset"', t);
      // Erasing every page can take a few seconds on a real board.
      await this.conn.evaluate('require("Storage").eraseAll()', Math.max(t, 30_000));
      this.checkBoardOutput(this.conn.output(mark));
      const writes = imageWrites(code);
      for (let i = 0; i < writes.length; i++) {
        const ok = await this.conn.evaluate(writes[i] as string, t);
        if (ok !== true) this.storageRefused(total, ok);
        sent = Math.min(total, (i + 1) * WRITE_PIECE);
        progress({ sentBytes: sent, totalBytes: total });
      }
      let back = "";
      for (const read of imageReads(total)) {
        const b64 = await this.conn.evaluate(read, t);
        if (typeof b64 !== "string") break;
        back += Buffer.from(b64, "base64").toString("latin1");
      }
      const want = sha256OfBinary(code);
      const got = sha256OfBinary(back);
      if (back.length !== total || got !== want) {
        throw new FlashError(
          "verify-failed",
          `the image read back from the board's Storage (${IMAGE_FILE}, ${back.length} of ` +
            `${total} bytes) has sha256 ${got.slice(0, 16)}…, not ${want.slice(0, 16)}…`,
          "Flash memory may be worn or the cable unreliable: run the same command again; if it " +
            "fails twice, replace the board.",
        );
      }
      const booted = await this.conn.evaluate(
        guardedWrite(
          `require("Storage").write(${JSON.stringify(BOOT_CODE_FILE)},${JSON.stringify(BOOT_LOADER)})`,
        ),
        t,
      );
      if (booted !== true) this.storageRefused(total, booted);
    } catch (err) {
      if (err instanceof ToolchainDisconnected || err instanceof ToolchainTimeout) {
        throw uploadCut(this.port, `the board stopped answering after ${sent} of ${total} bytes`);
      }
      throw err;
    }
    this.checkBoardOutput(this.conn.output(mark));
    // Boots it as at power-on: Espruino's load() runs `.bootcde`.
    await this.restartProgram();
  }

  private storageRefused(total: number, answer: unknown): never {
    throw new FlashError(
      "image-too-big",
      `the board's Storage did not take the ${total}-byte image: ${String(answer)}`,
      "Use a board with more flash (--board pico, wifi or esp32) or a smaller configuration.",
    );
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
          `the board stopped answering after the install: ${err.message}`,
          "Unplug and replug the board, then run the same command again.",
        );
      }
      throw err;
    }
    if (!Array.isArray(v) || typeof v[0] !== "string" || typeof v[1] !== "number") {
      throw new FlashError(
        "verify-failed",
        `the board does not run a Haitang image (it answered ${JSON.stringify(v)})`,
        "The image did not start from flash: run the same command again.",
      );
    }
    return { version: v[0], deviceId: v[1] >>> 0 };
  }

  /** Restarts the program in flash (Espruino's load() runs `.bootcde`), so it boots and announces itself. */
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
