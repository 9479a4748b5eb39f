/**
 * The input side of Espruino's REPL, as a pure state machine: bytes in,
 * events out. It follows what the Espruino interpreter (2v29, jsinteractive.c)
 * does with the characters the Espruino toolchain sends:
 *
 * - `\x10` (DLE) turns echo off for the current line (the toolchain prefixes
 *   every uploaded statement with it);
 * - `\x1B\x0A` (Alt-Enter) is a newline inside a statement that must not run yet;
 * - `\x1B[123d` sets the line number for the debugger (ignored here);
 * - `\x03` (Ctrl-C) clears the line; `\x08`/`\x7F` delete a character;
 * - `\r` or `\n` runs the line when its brackets balance, otherwise continues it.
 */

export type LineEvent =
  /** Characters to echo back (only produced while echo is on for the line). */
  | { type: "echo"; text: string }
  /** A complete statement to run. */
  | { type: "line"; source: string; echoOff: boolean }
  /** Enter on an empty line. */
  | { type: "empty"; echoOff: boolean }
  | { type: "interrupt" };

export class LineInput {
  private line = "";
  private echoOffForLine = false;
  /** 0: normal, 1: after ESC, 2: inside ESC [ ... */
  private escape = 0;
  private lastWasCr = false;

  /** Feeds bytes (as a binary string, one char per byte); `echo` is the board's echo(1|0). */
  push(chunk: string, echo: boolean): LineEvent[] {
    const events: LineEvent[] = [];
    let echoed = "";
    const flushEcho = () => {
      if (echoed) events.push({ type: "echo", text: echoed });
      echoed = "";
    };
    for (const ch of chunk) {
      const wasCr = this.lastWasCr;
      this.lastWasCr = ch === "\r";
      if (this.escape === 1) {
        this.escape = ch === "[" ? 2 : 0;
        if (ch === "\n") this.line += "\n";
        continue;
      }
      if (this.escape === 2) {
        if (/[A-Za-z]/.test(ch)) this.escape = 0;
        continue;
      }
      switch (ch) {
        case "\x10":
          this.echoOffForLine = true;
          break;
        case "\x1b":
          this.escape = 1;
          break;
        case "\x03":
          flushEcho();
          this.line = "";
          this.echoOffForLine = false;
          events.push({ type: "interrupt" });
          break;
        case "\x08":
        case "\x7f":
          if (this.line.length > 0) {
            this.line = this.line.slice(0, -1);
            if (echo && !this.echoOffForLine) echoed += "\x08 \x08";
          }
          break;
        case "\r":
        case "\n": {
          if (ch === "\n" && wasCr) break;
          flushEcho();
          if (this.line.trim() === "") {
            events.push({ type: "empty", echoOff: this.echoOffForLine });
            this.line = "";
            this.echoOffForLine = false;
          } else if (isCompleteStatement(this.line)) {
            events.push({ type: "line", source: this.line, echoOff: this.echoOffForLine });
            this.line = "";
            this.echoOffForLine = false;
          } else {
            this.line += "\n";
          }
          break;
        }
        default:
          this.line += ch;
          if (echo && !this.echoOffForLine) echoed += ch;
      }
    }
    flushEcho();
    return events;
  }

  /** Characters waiting for the end of their statement. */
  pending(): string {
    return this.line;
  }

  reset(): void {
    this.line = "";
    this.echoOffForLine = false;
    this.escape = 0;
  }
}

/**
 * True when brackets balance outside strings and comments, as Espruino checks
 * before it runs a line (a line with an open `{` waits for more input).
 */
export function isCompleteStatement(source: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  let lineComment = false;
  let blockComment = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    const next = source[i + 1];
    if (lineComment) {
      if (c === "\n") lineComment = false;
      continue;
    }
    if (blockComment) {
      if (c === "*" && next === "/") {
        blockComment = false;
        i++;
      }
      continue;
    }
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
      else if (c === "\n" && quote !== "`") return true; // unterminated string: let it fail
      continue;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "/" && next === "/") lineComment = true;
    else if (c === "/" && next === "*") {
      blockComment = true;
      i++;
    } else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
  }
  return depth <= 0 && !blockComment && (quote === undefined || quote !== "`");
}
