import { describe, expect, it } from "vitest";
import { MANGLED_PROPERTIES, propertiesToMangle } from "./mangled-properties.js";
import { minifyEs5 } from "./minify.js";

describe("property mangling", () => {
  it("keeps a listed name that the code also uses as a string (a pin role, a settings field)", () => {
    const code = `
      var HAITANG_DEVICE = { "temp": 1, "type": "uart" };
      function make(hal) {
        return { start: function () { if (hal.has("tamper")) hal.watch("tamper", 50); } };
      }`;
    const names = propertiesToMangle(code);
    expect(names).not.toContain("tamper"); // a string deep inside an object literal's method
    expect(names).toContain("temp"); // only a quoted key of the build's JSON, never a value
    expect(names).toContain("type");
    expect(names).toContain("start");
  });

  it("lists no name Espruino or JavaScript defines on the objects an image uses", () => {
    const native = ["read", "write", "on", "setup", "state", "time", "random", "push", "length"];
    for (const n of native) expect(MANGLED_PROPERTIES).not.toContain(n);
    // ...nor a name read from outside the image (installer/image-entries/publish-identity.js).
    for (const n of ["firmware", "deviceId", "kind", "board"])
      expect(MANGLED_PROPERTIES).not.toContain(n);
  });

  it("shortens exactly the listed names, leaving globals' properties alone", async () => {
    const code =
      "var link = { send: function (x) { Serial1.write(x); }, holdOpen: function () {} };" +
      'link.send("a"); link.holdOpen(); E.on("init", function () { Math.random(); });';
    const out = await minifyEs5(code, ["E"], undefined, propertiesToMangle(code));
    expect(out.code).not.toMatch(/\bsend\b|holdOpen/);
    expect(out.code).toContain("Serial1.write(");
    expect(out.code).toContain('E.on("init"');
    expect(out.code).toContain("Math.random()");
  });
});
