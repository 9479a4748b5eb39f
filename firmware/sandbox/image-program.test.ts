/**
 * An image runs as the body of a function of the globals it reads
 * (image-program.ts): the same program as the script, with the globals bound
 * once at boot, and the plain script wherever that would change its meaning.
 */
import { describe, expect, it } from "vitest";
import { productImage } from "../build/fixtures/fixture-images.js";
import { globalReads, ImageProgram, imageProgram } from "./image-program.js";
import { loadFirmware } from "./sandbox.js";

/** A built-image-shaped program: one function expression, nothing declared at the top. */
const iife = (body: string) => `!function () {\n${body}\n}();`;

describe("an image as a function of its globals", () => {
  it("binds the globals a built product image reads and keeps its text byte for byte", async () => {
    const { code } = await productImage("smoke");
    const reads = globalReads(code);
    expect(reads).toBeDefined();
    for (const name of ["analogRead", "setTimeout", "getTime", "Math", "Uint8Array", "Serial1"])
      expect(reads).toContain(name);
    const dev = loadFirmware(code, { board: "PICO" });
    const bound = dev.boundGlobals();
    expect(bound).toContain("analogRead");
    expect(bound).toContain("Math");
    const source = ImageProgram.wrapperSource(code, bound);
    const [head, ...rest] = source.split("\n");
    expect(head).toBe(`(function (${bound.join(", ")}) {`);
    expect(rest.join("\n")).toBe(`${code}\n})`);
  });

  it("runs as a plain script when it declares something at its top level", () => {
    const code = "var level = 3;\nfunction twice(x) { return 2 * x; }\n";
    expect(globalReads(code)).toBeUndefined();
    const dev = loadFirmware(code, { board: "PICO" });
    expect(dev.boundGlobals()).toEqual([]);
    expect(dev.evaluate("twice(level)")).toBe(6);
  });

  it("leaves eval, with, the global object and top-level arguments to the plain script", () => {
    expect(globalReads(iife("eval('1');"))).toBeUndefined();
    expect(globalReads(iife("with (Math) { round(1); }"))).toBeUndefined();
    expect(globalReads(iife("globalThis.x = 1;"))).toBeUndefined();
    expect(globalReads("arguments;")).toBeUndefined();
    expect(globalReads(iife("return arguments.length;"))).toEqual([]);
  });

  it("never binds a global the image writes, so the write reaches the global", () => {
    const code = iife("count = 0;\nsetInterval(function () { count++; analogRead(A0); }, 1000);");
    expect(globalReads(code)).not.toContain("count");
    expect(globalReads(code)).toContain("setInterval");
    const dev = loadFirmware(code, { board: "PICO" });
    dev.start();
    dev.advance(3500);
    expect(dev.evaluate("count")).toBe(3);
    expect(dev.errors).toEqual([]);
  });

  it("still throws a ReferenceError for a missing global and says undefined to typeof", () => {
    const code = iife(
      "Serial1.write(typeof notThere);\nsetTimeout(function () { notThere(); }, 10);",
    );
    expect(globalReads(code)).toContain("notThere");
    const dev = loadFirmware(code, { board: "PICO" });
    expect(dev.boundGlobals()).not.toContain("notThere");
    expect(Buffer.from(dev.takeSerialOutput()).toString("latin1")).toBe("undefined");
    dev.advance(20);
    expect(dev.errors.map((e) => e.message)).toEqual(["ReferenceError: notThere is not defined"]);
  });

  it("reports errors at the image's own lines and columns", () => {
    const code = iife('  setTimeout(function () {\n    throw new Error("boom");\n  }, 5);');
    const dev = loadFirmware(code, { board: "PICO", fileName: "det-1.js" });
    expect(dev.boundGlobals()).toContain("setTimeout");
    dev.advance(10);
    expect(dev.errors[0]?.message).toBe("Error: boom");
    // Line 3 of the image, column 11 (`new`), as for the plain script.
    expect(dev.errors[0]?.stack).toContain("det-1.js:3:11");
  });

  it("gives the image the global object as this and runs promise jobs its top level queues", () => {
    const code =
      '!function (g) {\n  Promise.resolve(typeof g.setTimeout).then(function (t) { console.log("then " + t); });\n}(this);';
    const dev = loadFirmware(code, { board: "PICO" });
    expect(dev.boundGlobals()).toContain("Promise");
    expect(dev.log.map((l) => l.text)).toEqual(["then function"]);
  });

  it("shares one program between devices running the same text", () => {
    const code = iife("setTimeout(function () {}, 1);");
    expect(imageProgram(code, "a.js")).toBe(imageProgram(code, "a.js"));
    expect(imageProgram(code, "a.js")).not.toBe(imageProgram(code, "b.js"));
  });
});
