/**
 * How an image is kept on the board: in flash, as Espruino's own tools save
 * large programs, so its function bodies are read from flash and not copied
 * into the board's JsVars.
 *
 * - the image is a Storage file, IMAGE_FILE, written in pieces with
 *   `require("Storage").write(name, piece, offset, size)`;
 * - it is read back in pieces (base64) and its SHA-256 compared with the
 *   build's before anything else happens;
 * - only then is `.bootcde` (the code Espruino runs at boot) written: a
 *   one-line loader that runs IMAGE_FILE. An install cut half-way leaves no
 *   boot code, so the board never boots half an image.
 *
 * Pure text here (the lines sent to the board and the checks of what it
 * answers); board-session.ts does the talking.
 */
import { createHash } from "node:crypto";

/** Storage file holding the image. */
export const IMAGE_FILE = "haitang.js";
/** Storage file Espruino runs at boot (E.setBootCode writes the same file). */
export const BOOT_CODE_FILE = ".bootcde";
/** The boot code: evaluates the image straight from flash. */
export const BOOT_LOADER = `eval(require("Storage").read(${JSON.stringify(IMAGE_FILE)}))`;
/** Characters of code per write (one REPL line each). */
export const WRITE_PIECE = 512;
/** Bytes per read-back (base64 answers of about 1.4 KB). */
export const READ_PIECE = 768;

/** A JavaScript string literal of `text` that only uses printable ASCII. */
export function asciiLiteral(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ch = text[i] as string;
    if (c > 0xff)
      throw new Error(`the image has a character outside Latin-1 at ${i} (U+${c.toString(16)})`);
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else out += `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return `${out}"`;
}

/**
 * An expression that answers true when the write succeeded, else the board's
 * error as a string (an uncaught error would leave the REPL query unanswered).
 */
export function guardedWrite(call: string): string {
  return `(function(){try{return ${call}}catch(e){return ""+e}})()`;
}

/** The REPL expressions that write `code` to the Storage file `file`, each answering true or an error. */
export function storageWrites(file: string, code: string, piece = WRITE_PIECE): string[] {
  const lines: string[] = [];
  for (let at = 0; at < code.length; at += piece) {
    const lit = asciiLiteral(code.slice(at, at + piece));
    const where = at === 0 ? `0,${code.length}` : String(at);
    lines.push(guardedWrite(`require("Storage").write(${JSON.stringify(file)},${lit},${where})`));
  }
  return lines;
}

/** The REPL expressions that write `code` to IMAGE_FILE. */
export function imageWrites(code: string, piece = WRITE_PIECE): string[] {
  return storageWrites(IMAGE_FILE, code, piece);
}

/** The REPL expressions that read IMAGE_FILE back, base64 piece by piece. */
export function imageReads(length: number, piece = READ_PIECE): string[] {
  const lines: string[] = [];
  for (let at = 0; at < length; at += piece) {
    const n = Math.min(piece, length - at);
    lines.push(`btoa(require("Storage").read(${JSON.stringify(IMAGE_FILE)},${at},${n}))`);
  }
  return lines;
}

/** SHA-256 (hex) of a binary string as the board holds it (one byte per char). */
export function sha256OfBinary(text: string): string {
  return createHash("sha256").update(Buffer.from(text, "latin1")).digest("hex");
}
