import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { getBoard } from "../build/boards.js";
import { loadFirmware } from "./sandbox.js";
import { VirtualClock } from "./virtual-clock.js";

/** An image whose init handler is `body`; `out(x)` writes JSON + newline to Serial1. */
function image(body: string, top = ""): string {
  return `${top}\nfunction out(x) { Serial1.write(JSON.stringify(x) + "\\n"); }\nE.on("init", function () {\n${body}\n});\n`;
}

function lines(bytes: Uint8Array): unknown[] {
  return Buffer.from(bytes)
    .toString("latin1")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as unknown);
}

describe("the sandbox's globals", () => {
  it("lacks what Espruino lacks, so a slipped use fails at run time", () => {
    const dev = loadFirmware(
      image(`out([typeof Map, typeof Set, typeof WeakMap, typeof WeakSet, typeof Symbol, typeof Proxy,
        typeof Reflect, typeof BigInt, typeof Array.from, typeof Object.freeze]);
        new Map();`),
      { board: "PICO" },
    );
    dev.start();
    expect(lines(dev.takeSerialOutput())).toEqual([
      [
        "undefined",
        "undefined",
        "undefined",
        "undefined",
        "undefined",
        "undefined",
        "undefined",
        "undefined",
        "undefined",
        "undefined",
      ],
    ]);
    expect(dev.errors.map((e) => e.message)).toEqual(["ReferenceError: Map is not defined"]);
  });

  it("throws when a class extends Error, natively or downlevelled", () => {
    const dev = loadFirmware(
      image(`var r = [];
        try { class E1 extends Error {} new E1("x"); r.push("native ok"); } catch (e) { r.push(e.message); }
        function E2(m) { return Error.call(this, m) || this; }
        E2.prototype = Object.create(Error.prototype);
        try { new E2("y"); r.push("es5 ok"); } catch (e) { r.push(e.message); }
        var plain = new Error("plain");
        r.push(plain.message, plain instanceof Error, Error("call").message);
        out(r);`),
      { board: "PICO" },
    );
    dev.start();
    expect(lines(dev.takeSerialOutput())).toEqual([
      [
        "Espruino: a class cannot extend Error",
        "Espruino: a class cannot extend Error",
        "plain",
        true,
        "call",
      ],
    ]);
  });

  it("offers a Pin global for every board pin, named by toString", () => {
    const board = getBoard("PUCKJS");
    const dev = loadFirmware(image(`out([String(D0), String(D31), String(LED1), typeof A0]);`), {
      board,
    });
    dev.start();
    expect(lines(dev.takeSerialOutput())).toEqual([["D0", "D31", "LED1", "undefined"]]);
  });

  it("reports process.env as the board does", () => {
    const dev = loadFirmware(image(`out([process.env.VERSION, process.env.BOARD]);`), {
      board: "WIFI",
    });
    dev.start();
    expect(lines(dev.takeSerialOutput())).toEqual([["2v29", "ESPRUINOWIFI"]]);
  });

  it("sends console output to the log, never to Serial1", () => {
    const dev = loadFirmware(
      image(`console.log("hello", { a: 1 }); E.setConsole(null, { force: true });`),
      {
        board: "PICO",
      },
    );
    dev.start();
    expect(dev.takeSerialOutput().length).toBe(0);
    expect(dev.log.map((l) => l.text)).toEqual(['hello {"a":1}']);
    expect(dev.consoleDevice).toBeNull();
  });
});

describe("time", () => {
  it("runs timers on the virtual clock, in order, with getTime and Date.now following it", () => {
    const dev = loadFirmware(
      image(`setTimeout(function () { out(["t", getTime(), Date.now()]); }, 1500);
        var n = 0; var id = setInterval(function () { out(["i", getTime()]); if (++n === 3) clearInterval(id); }, 1000);`),
      { board: "PICO" },
    );
    dev.start();
    dev.advance(999);
    expect(dev.takeSerialOutput().length).toBe(0);
    dev.advance(10_000);
    expect(lines(dev.takeSerialOutput())).toEqual([
      ["i", 1],
      ["t", 1.5, 1500],
      ["i", 2],
      ["i", 3],
    ]);
    expect(dev.nextDueMs()).toBeUndefined();
  });

  it("throws Unknown Timeout for a stale id and clears every timer without one", () => {
    const dev = loadFirmware(
      image(`var a = setTimeout(function () {}, 10);
        setTimeout(function () { try { clearTimeout(a); } catch (e) { out(e.message); } }, 20);
        setInterval(function () { out("tick"); }, 100);
        setTimeout(function () { clearTimeout(); }, 250);`),
      { board: "PICO" },
    );
    dev.start();
    dev.advance(1000);
    expect(lines(dev.takeSerialOutput())).toEqual(["Unknown Timeout", "tick", "tick"]);
  });

  it("records an exception in a timer as uncaught and keeps the device running", () => {
    const dev = loadFirmware(
      image(
        `var n = 0; setInterval(function () { n++; if (n === 2) throw new Error("boom"); out(n); }, 100);`,
      ),
      { board: "PICO" },
    );
    dev.start();
    dev.advance(350);
    expect(lines(dev.takeSerialOutput())).toEqual([1, 3]);
    expect(dev.errors).toEqual([expect.objectContaining({ atMs: 200, message: "Error: boom" })]);
    expect(dev.log.map((l) => l.text)).toEqual(["Uncaught Error: boom"]);
  });

  it("runs devices that share a clock in one time order", () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    const a = loadFirmware(image(`setInterval(function () { out("a"); }, 300);`), {
      board: "PICO",
      clock,
    });
    const b = loadFirmware(image(`setInterval(function () { out("b"); }, 200);`), {
      board: "PICO",
      clock,
    });
    a.onSerialWrite(() => order.push(`a@${clock.nowMs}`));
    b.onSerialWrite(() => order.push(`b@${clock.nowMs}`));
    a.start();
    b.start();
    clock.advance(600);
    expect(order).toEqual(["b@200", "a@300", "b@400", "a@600", "b@600"]);
  });

  it("gives the same Math.random sequence for the same seed and another for another", () => {
    const run = (seed: number) => {
      const dev = loadFirmware(image(`out([Math.random(), Math.random()]);`), {
        board: "PICO",
        seed,
      });
      dev.start();
      return lines(dev.takeSerialOutput())[0];
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it("reboots the device when a manual watchdog is not kicked", () => {
    const dev = loadFirmware(
      image(`E.enableWatchdog(2, false); var k = setInterval(function () { E.kickWatchdog(); }, 1000);
        setTimeout(function () { clearInterval(k); }, 5000);`),
      { board: "PICO" },
    );
    dev.start();
    // The last kick is at 4 s (the 5 s timeout clears the interval first): expiry at 6 s.
    dev.advance(5990);
    expect(dev.bootCount).toBe(1);
    dev.advance(10);
    expect(dev.bootCount).toBe(2);
    expect(dev.lastResetCause).toBe("watchdog");
  });
});

describe("pins", () => {
  it("reads analog levels and digital inputs the host sets, with pull-ups", () => {
    const dev = loadFirmware(
      image(`pinMode(B4, "input_pullup");
        setInterval(function () { out([analogRead(A0), digitalRead(B4), digitalRead(B5)]); }, 100);`),
      { board: "PICO" },
    );
    dev.start();
    dev.setAnalog("A0", 0.25);
    dev.advance(100);
    dev.setDigital("B4", false);
    dev.setDigital("B5", true);
    dev.setAnalog("A0", 7);
    dev.advance(100);
    expect(lines(dev.takeSerialOutput())).toEqual([
      [0.25, 1, 0],
      [1, 0, 1],
    ]);
  });

  it("refuses analogRead on a pin without an ADC and a missing pin", () => {
    const dev = loadFirmware(
      image(`try { analogRead(B3); } catch (e) { out(e.message); }
        try { digitalRead(undefined); } catch (e) { out([e.message, e instanceof Error]); }`),
      { board: "PICO" },
    );
    dev.start();
    expect(lines(dev.takeSerialOutput())).toEqual([
      "Pin B3 is not an ADC",
      ["Expecting a pin, got undefined", true],
    ]);
  });

  it("records outputs and tells listeners", () => {
    const dev = loadFirmware(
      image(`digitalWrite(B3, 1); digitalWrite(LED1, false); digitalWrite(B3, 0);`),
      {
        board: "PICO",
      },
    );
    const writes: string[] = [];
    dev.onPinWrite((pin, high) => writes.push(`${pin}=${high ? 1 : 0}`));
    expect(dev.pinOutput("B3")).toBeUndefined();
    dev.start();
    expect(writes).toEqual(["B3=1", "LED1=0", "B3=0"]);
    expect(dev.pinOutput("B3")).toBe(0);
    expect(dev.pinMode("B3")).toBe("output");
  });

  it("fires watches on matching edges only, once unless repeat", () => {
    const dev = loadFirmware(
      image(`setWatch(function (e) { out(["rise", e.state, e.time]); }, B4, { repeat: true, edge: "rising" });
        setWatch(function (e) { out(["once", e.state]); }, B4, { edge: "both" });`),
      { board: "PICO" },
    );
    dev.start();
    dev.advance(1000);
    dev.setDigital("B4", true);
    dev.advance(500);
    dev.setDigital("B4", false);
    dev.setDigital("B4", true);
    expect(lines(dev.takeSerialOutput())).toEqual([
      ["rise", true, 1],
      ["once", true],
      ["rise", true, 1.5],
    ]);
  });

  it("debounces: a bounce shorter than the debounce time reports once", () => {
    const dev = loadFirmware(
      image(
        `setWatch(function (e) { out([e.state, e.time]); }, B4, { repeat: true, edge: "both", debounce: 50 });`,
      ),
      { board: "PICO" },
    );
    dev.start();
    dev.advance(100);
    dev.setDigital("B4", true);
    dev.advance(10);
    dev.setDigital("B4", false);
    dev.advance(10);
    dev.setDigital("B4", true);
    dev.advance(100);
    dev.setDigital("B4", false);
    dev.advance(10);
    dev.setDigital("B4", true);
    dev.advance(100);
    expect(lines(dev.takeSerialOutput())).toEqual([[true, 0.12]]);
  });
});

describe("Serial1", () => {
  it("captures what the image writes as bytes, in every form Espruino takes", () => {
    const dev = loadFirmware(
      image(
        `Serial1.setup(9600, {}); Serial1.write(new Uint8Array([1, 255])); Serial1.write([2, 3]); Serial1.write("A\\xff");`,
      ),
      {
        board: "PICO",
      },
    );
    dev.start();
    expect([...dev.takeSerialOutput()]).toEqual([1, 255, 2, 3, 65, 255]);
    expect(dev.serial.baud).toBe(9600);
  });

  it("delivers host bytes to 'data' handlers as a binary string", () => {
    const dev = loadFirmware(
      image(
        `Serial1.on("data", function (d) { var c = []; for (var i = 0; i < d.length; i++) c.push(d.charCodeAt(i)); out([typeof d, c]); });`,
      ),
      { board: "PICO" },
    );
    dev.start();
    dev.serialInput(new Uint8Array([0x7e, 0x00, 0xff]));
    expect(lines(dev.takeSerialOutput())).toEqual([["string", [126, 0, 255]]]);
  });

  it("defers bytes a listener injects while the image runs until the clock moves", () => {
    const dev = loadFirmware(
      image(`Serial1.on("data", function (d) { out(["got", d]); }); out("hello");`),
      { board: "PICO" },
    );
    const seen: string[] = [];
    dev.onSerialWrite((b) => {
      const text = Buffer.from(b).toString("latin1");
      seen.push(text.trim());
      if (text.includes("hello")) dev.serialInput("ping");
    });
    dev.start();
    expect(seen).toEqual(['"hello"']);
    dev.advance(0);
    expect(seen).toEqual(['"hello"', '["got","ping"]']);
  });
});

describe("Storage, crypto and reboot", () => {
  it("keeps Storage across reboot() and runs init again", () => {
    const dev = loadFirmware(
      image(`var s = require("Storage"); var n = Number(s.read("boots") || "0") + 1; s.write("boots", String(n));
        s.writeJSON("cfg", { n: n }); out([n, s.readJSON("cfg", true), s.read("nope")]);`),
      { board: "PICO" },
    );
    dev.start();
    dev.reboot();
    dev.reboot();
    expect(lines(dev.takeSerialOutput())).toEqual([
      [1, { n: 1 }, null],
      [2, { n: 2 }, null],
      [3, { n: 3 }, null],
    ]);
    expect(dev.readStorage("boots")).toBe("3");
    expect(dev.bootCount).toBe(3);
  });

  it("stops timers and watches at reboot, so only the new boot's run", () => {
    const dev = loadFirmware(image(`setInterval(function () { out(getTime()); }, 1000);`), {
      board: "PICO",
    });
    dev.start();
    dev.advance(1500);
    dev.reboot();
    dev.advance(1000);
    expect(lines(dev.takeSerialOutput())).toEqual([1, 1]);
  });

  it("offers require('crypto').SHA256 on boards with a native one, returning an ArrayBuffer", () => {
    const dev = loadFirmware(
      image(`var h = require("crypto").SHA256("abc"); var b = new Uint8Array(h); var x = "";
        for (var i = 0; i < b.length; i++) x += (b[i] < 16 ? "0" : "") + b[i].toString(16);
        out([h instanceof ArrayBuffer, x]);`),
      { board: "PICO" },
    );
    dev.start();
    expect(lines(dev.takeSerialOutput())).toEqual([
      [true, createHash("sha256").update("abc").digest("hex")],
    ]);
  });

  it("has no crypto module on the Original and the ESP8266", () => {
    for (const board of ["ORIGINAL", "ESP8266"]) {
      const dev = loadFirmware(
        image(`try { require("crypto"); out("has"); } catch (e) { out(e.message); }`),
        {
          board,
        },
      );
      dev.start();
      expect(lines(dev.takeSerialOutput())).toEqual(["Module crypto not found"]);
    }
  });

  it("halts: nothing runs and input is ignored until reboot", () => {
    const dev = loadFirmware(
      image(
        `setInterval(function () { out("t"); }, 100); Serial1.on("data", function () { out("d"); });`,
      ),
      {
        board: "PICO",
      },
    );
    dev.start();
    dev.halt();
    dev.serialInput("x");
    dev.advance(1000);
    expect(dev.takeSerialOutput().length).toBe(0);
    dev.reboot();
    dev.advance(100);
    expect(lines(dev.takeSerialOutput())).toEqual(["t"]);
  });

  it("fails to load an image that does not parse", () => {
    expect(() => loadFirmware("var = ;", { board: "PICO" })).toThrow(SyntaxError);
  });
});

describe("evaluate (REPL input)", () => {
  it("runs in the image's global scope, with extra globals only during the call, and throws what it throws", () => {
    const dev = loadFirmware("var counter = 41;", { board: "PICO" });
    const printed: unknown[][] = [];
    expect(dev.evaluate("counter + 1")).toBe(42);
    dev.evaluate("print(counter, 'x')", { print: (...args: unknown[]) => printed.push(args) });
    expect(printed).toEqual([[41, "x"]]);
    expect(dev.evaluate("typeof print")).toBe("undefined");
    expect(() => dev.evaluate("nope()")).toThrow(/nope is not defined/);
  });
});
