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
});
