import { describe, expect, it } from "vitest";
import { loadFirmware } from "./sandbox.js";

/** An image whose init handler is `body`; `log(x)` goes to the sandbox log. */
function image(body: string): string {
  return `function log(x) { console.log(String(x)); }\nE.on("init", function () {\n${body}\n});\n`;
}

function run(body: string, ms = 100): string[] {
  const dev = loadFirmware(image(body), { board: "PICO" });
  dev.start();
  dev.advance(ms);
  return dev.log.map((l) => l.text);
}

describe("promise callbacks in the sandbox", () => {
  it("run right after the event that queued them, before the next event due at the same time", () => {
    expect(
      run(`setTimeout(function () {
          log("a");
          Promise.resolve(1).then(function (v) { log("a.then " + v); }).then(function () { log("a.then2"); });
        }, 10);
        setTimeout(function () { log("b"); }, 10);`),
    ).toEqual(["a", "a.then 1", "a.then2", "b"]);
  });

  it("run right after the later event that resolves a promise made earlier", () => {
    expect(
      run(`var resolve;
        new Promise(function (r) { resolve = r; }).then(function (v) { log("then " + v); });
        log("made");
        setTimeout(function () { log("t1"); }, 10);
        setTimeout(function () { resolve("x"); log("resolved"); }, 20);
        setTimeout(function () { log("t3"); }, 20);`),
    ).toEqual(["made", "t1", "resolved", "then x", "t3"]);
  });

  it("run after a rejection made in a later event, and a thenable is adopted", () => {
    expect(
      run(`var reject;
        var p = new Promise(function (_, r) { reject = r; });
        p.catch(function (e) { log("caught " + e.message); });
        Promise.resolve({ then: function (ok) { ok(7); } }).then(function (v) { log("thenable " + v); });
        setTimeout(function () { reject(new Error("late")); }, 10);
        setTimeout(function () { log("after"); }, 10);`),
    ).toEqual(["thenable 7", "caught late", "after"]);
  });

  it("combine with Promise.all and run after a serial 'data' event, before the next chunk", () => {
    const dev = loadFirmware(
      image(`Serial1.on("data", function (d) {
          log("data " + d);
          Promise.all([Promise.resolve(d), 2]).then(function (r) { log("all " + r.join(",")); });
        });`),
      { board: "PICO" },
    );
    dev.start();
    dev.serialInput("p");
    dev.serialInput("q");
    expect(dev.log.map((l) => l.text)).toEqual(["data p", "all p,2", "data q", "all q,2"]);
  });

  it("keep the Promise global's behaviour: instanceof, a missing executor throws, a throwing executor rejects", () => {
    expect(
      run(`var r = [];
        var p = new Promise(function () { throw new Error("boom"); });
        r.push(p instanceof Promise, typeof Promise.prototype.then, Promise.name);
        try { new Promise(5); } catch (e) { r.push(e instanceof TypeError); }
        p.then(null, function (e) { log("rejected " + e.message); });
        log(r.join(","));`),
    ).toEqual(["true,function,Promise,true", "rejected boom"]);
  });

  it("still run when the event that queued them threw", () => {
    const dev = loadFirmware(
      image(`setTimeout(function () {
          Promise.resolve().then(function () { log("then"); });
          throw new Error("oops");
        }, 10);
        setTimeout(function () { log("next"); }, 20);`),
      { board: "PICO" },
    );
    dev.start();
    dev.advance(100);
    expect(dev.errors.map((e) => e.message)).toEqual(["Error: oops"]);
    const texts = dev.log.map((l) => l.text);
    expect(texts.filter((t) => t === "then")).toHaveLength(1);
    expect(texts).toContain("next");
  });
});
