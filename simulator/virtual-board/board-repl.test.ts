import { describe, expect, it } from "vitest";
import { BOARD_PROFILES } from "./board-profiles.js";
import { BoardRepl } from "./board-repl.js";
import { plainHost } from "./plain-host.js";

function repl(opts: { programBytes?: number } = {}) {
  const out: string[] = [];
  const host = plainHost();
  const r = new BoardRepl({
    profile: BOARD_PROFILES.pico!,
    serial: "test",
    host,
    output: (t) => out.push(t),
    ...opts,
  });
  const take = () => out.splice(0).join("");
  return { r, host, take };
}

describe("virtual board REPL", () => {
  it("answers Enter on an empty line with a prompt", () => {
    const { r, take } = repl();
    r.receive("\n");
    expect(take()).toBe("\r\n>");
  });

  it("answers the toolchain's process.env query between its markers", () => {
    const { r, take } = repl();
    r.receive('\x10print("<","<<",JSON.stringify(process.env),">>",">")\n');
    const out = take();
    const json = out.slice(out.indexOf("< <<") + 4, out.indexOf(">> >"));
    expect(JSON.parse(json)).toMatchObject({ BOARD: "PICO_R1_3", VERSION: "2v29", CONSOLE: "USB" });
  });

  it("echoes and shows results with echo on, and nothing but output after echo(0)", () => {
    const { r, take } = repl();
    r.receive("var y = 2;\n");
    expect(take()).toBe("var y = 2;\r\n=undefined\r\n>");
    r.receive("echo(0)\n");
    take();
    r.receive("var x = 1;\n\n");
    expect(take()).toBe("");
    r.receive('print("hi")\n');
    expect(take()).toBe("hi\r\n");
  });

  it("holds uploaded code in RAM until save(), which writes it to flash and boots it", () => {
    const { r, host, take } = repl();
    r.receive("\x10reset();\n\x10var answer = 6 * 7;\n");
    expect(host.booted).toEqual([]);
    take();
    r.receive("\x10save()\n");
    expect(take()).toContain("Done!");
    expect(host.booted).toEqual(["var answer = 6 * 7;"]);
    expect(r.savedProgram()).toBe("var answer = 6 * 7;");
    r.receive('\x10print("<","<<",JSON.stringify(answer),">>",">")\n');
    expect(take()).toContain("< << 42 >> >");
  });

  it("keeps flash across reset() and boots it again on load() and at power-on", () => {
    const { r, host } = repl();
    r.receive("\x10var a = 1;\n\x10save()\n");
    r.receive("\x10reset();\n");
    expect(r.isRunning()).toBe(false);
    expect(r.savedProgram()).toBe("var a = 1;");
    r.receive("\x10load()\n");
    r.powerOff();
    r.powerOn();
    expect(host.booted).toHaveLength(3);
  });

  it("reports a statement it cannot parse and keeps it out of RAM", () => {
    const { r, take } = repl();
    r.receive("\x10var = ;\n");
    expect(take()).toMatch(/Uncaught SyntaxError/);
    expect(r.ramProgram()).toBe("");
  });

  it("runs out of memory when the program exceeds what RAM holds", () => {
    const { r, take } = repl({ programBytes: 30 });
    r.receive("\x10var a = 'aaaaaaaaaa';\n\x10var b = 'bbbbbbbbbb';\n");
    expect(take()).toContain("ERROR: Out of Memory!");
    expect(r.ramProgram()).toBe("var a = 'aaaaaaaaaa';");
  });

  it("keeps code in Storage: written in pieces, read back, booted through .bootcde by load()", () => {
    const { r, host, take } = repl();
    const ask = (expr: string) => {
      take();
      r.receive(`\x10print("<","<<",JSON.stringify(${expr}),">>",">")\n`);
      const out = take();
      return JSON.parse(out.slice(out.indexOf("< <<") + 4, out.indexOf(">> >")));
    };
    const code = "var answer = 6 * 7;";
    expect(
      ask(
        `require("Storage").write("app.js",${JSON.stringify(code.slice(0, 8))},0,${code.length})`,
      ),
    ).toBe(true);
    // Unwritten bytes read as erased flash until the rest arrives.
    expect(ask('require("Storage").read("app.js",8,2)')).toBe("\xff\xff");
    expect(ask(`require("Storage").write("app.js",${JSON.stringify(code.slice(8))},8)`)).toBe(true);
    expect(ask('atob(btoa(require("Storage").read("app.js",4,6)))')).toBe("answer");
    expect(r.savedProgram()).toBeUndefined();
    ask('require("Storage").write(".bootcde","eval(require(\\"Storage\\").read(\\"app.js\\"))")');
    expect(r.savedProgram()).toBe(code);
    r.receive("\x10load()\n");
    expect(host.booted).toEqual([code]);
    expect(ask("answer")).toBe(42);
    // A piece written past the file's size, or a file Storage has no room for, is refused.
    r.receive("\x10reset();\n");
    take();
    r.receive('\x10print(require("Storage").write("big",".",0,1000000))\n');
    expect(take()).toMatch(
      /Uncaught Error: Unable to find or create file "big" as not enough free space/,
    );
    r.receive('\x10print(require("Storage").eraseAll())\n');
    expect(r.storage.size).toBe(0);
    expect(r.savedProgram()).toBeUndefined();
  });
});
