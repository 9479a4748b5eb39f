import { describe, expect, it } from "vitest";
import { isCompleteStatement, type LineEvent, LineInput } from "./line-input.js";

const lines = (evs: LineEvent[]) =>
  evs.filter((e) => e.type === "line").map((e) => (e.type === "line" ? [e.source, e.echoOff] : []));

describe("REPL line input", () => {
  it("echoes typed characters and runs the line on Enter", () => {
    const input = new LineInput();
    const evs = input.push("1+2\r", true);
    expect(evs).toEqual([
      { type: "echo", text: "1+2" },
      { type: "line", source: "1+2", echoOff: false },
    ]);
  });

  it("turns echo off for a line that starts with DLE, as the toolchain's uploads do", () => {
    const input = new LineInput();
    const evs = input.push('\x10print("a")\n', true);
    expect(evs).toEqual([{ type: "line", source: 'print("a")', echoOff: true }]);
  });

  it("waits for balanced brackets and joins Alt-Enter continuations", () => {
    const input = new LineInput();
    expect(lines(input.push("\x10function f(x){\x1b\n  return x;\x1b\n", false))).toEqual([]);
    expect(input.pending()).toBe("function f(x){\n  return x;\n");
    expect(lines(input.push("}\n", false))).toEqual([["function f(x){\n  return x;\n}", true]]);
  });

  it("continues a statement whose brackets are open even on a plain newline", () => {
    const input = new LineInput();
    expect(lines(input.push("if (a) {\n", false))).toEqual([]);
    expect(lines(input.push("b();\n}\n", false))).toEqual([["if (a) {\nb();\n}", false]]);
  });

  it("counts CR LF as one Enter and reports an empty line", () => {
    const input = new LineInput();
    const evs = input.push("\r\n", true);
    expect(evs).toEqual([{ type: "empty", echoOff: false }]);
  });

  it("clears the line on Ctrl-C and deletes on backspace", () => {
    const input = new LineInput();
    input.push("abc", false);
    expect(input.push("\x03", false)).toEqual([{ type: "interrupt" }]);
    expect(lines(input.push("xy\x08z\n", false))).toEqual([["xz", false]]);
  });

  it("ignores the debugger's line-number escape", () => {
    const input = new LineInput();
    expect(lines(input.push("\x10\x1b[12dvar a=1;\n", false))).toEqual([["var a=1;", true]]);
  });

  it("does not count brackets inside strings or comments", () => {
    expect(isCompleteStatement('print("{")')).toBe(true);
    expect(isCompleteStatement("a(); // {")).toBe(true);
    expect(isCompleteStatement("/* ( */ b()")).toBe(true);
    expect(isCompleteStatement("x = `${")).toBe(false);
    expect(isCompleteStatement("f(')', (")).toBe(false);
  });
});
