import { describe, expect, it } from "vitest";
import { type CompatRule, checkEspruinoCompat } from "./compat-check.js";

function rulesAt(code: string): { rule: CompatRule; line: number }[] {
  return checkEspruinoCompat(code, "sample.js").map((v) => ({ rule: v.rule, line: v.line }));
}

/** Each case: ES5-ish code whose line 3 holds the forbidden construct. */
const FORBIDDEN: [string, CompatRule, string][] = [
  ["Map", "missing-global", "var m = new Map();"],
  ["Set", "missing-global", "var s = new Set([1]);"],
  ["WeakMap", "missing-global", "var w = new WeakMap();"],
  ["WeakSet", "missing-global", "var w = new WeakSet();"],
  ["Symbol", "missing-global", "var it = Symbol.iterator;"],
  ["Proxy", "missing-global", "var p = new Proxy({}, {});"],
  ["Reflect", "missing-global", "var k = Reflect.ownKeys({});"],
  ["BigInt", "missing-global", "var b = BigInt(1);"],
  ["Array.from", "missing-builtin", "var a = Array.from('ab');"],
  ["Object.freeze", "missing-builtin", "Object.freeze(ok);"],
  ["Array.prototype.slice", "prototype-property", "var s = Array.prototype.slice.call(arguments);"],
  ["Function.prototype.apply", "prototype-property", "Function.prototype.apply.call(f, null, []);"],
  ["labelled break", "labelled-statement", "outer: for (;;) { break outer; }"],
  ["labelled continue", "labelled-statement", "loop: while (ok) { continue loop; }"],
  ["array hole", "array-hole", "var h = [1, , 3];"],
  ["regexp ? quantifier", "regexp-unsupported", "var r = /colou?r/;"],
  ["regexp lazy quantifier", "regexp-unsupported", "var r = /a+?/;"],
  ["regexp {n,m}", "regexp-unsupported", "var r = /a{2,3}/;"],
  ["regexp \\b", "regexp-unsupported", "var r = /\\bword/;"],
  ["regexp (?:", "regexp-unsupported", "var r = /(?:ab)+/;"],
  ["RegExp from a string", "regexp-unsupported", 'var r = new RegExp("x?");'],
  ["** operator", "exponent-operator", "var p = 2 ** 8;"],
  ["arrow function", "es2015-syntax", "var f = function () {}; var g = () => 1;"],
  ["let", "es2015-syntax", "let x = 1;"],
  ["template literal", "es2015-syntax", "var t = `x`;"],
  ["destructuring", "es2015-syntax", "var { a } = ok;"],
  ["spread", "es2015-syntax", "f(...ok);"],
  ["default parameter", "es2015-syntax", "function d(a = 1) { return a; }"],
  ["computed key", "es2015-syntax", "var o = { [ok]: 1 };"],
  ["optional chaining", "es2015-syntax", "var v = ok?.x;"],
  ["class", "es2015-syntax", "class K {}"],
  ["native class extends Error", "extends-error", "class E2 extends Error {}"],
  [
    "downlevelled class extends Error",
    "extends-error",
    "var LinkError = (function (_super) { __extends(LinkError, _super); function LinkError() { return _super.call(this) || this; } return LinkError; })(Error);",
  ],
  ["function used before its declaration", "use-before-declaration", "late();"],
  ["var used before its declaration", "use-before-declaration", "lateVar = 2;"],
];

describe("checkEspruinoCompat", () => {
  for (const [name, rule, line3] of FORBIDDEN) {
    it(`rejects ${name} with rule ${rule} at its line`, () => {
      const code = [
        "var ok = 1;",
        "function f() { return ok; }",
        line3,
        "function late() {}",
        "var lateVar = 1;",
        "",
      ].join("\n");
      expect(rulesAt(code)).toContainEqual({ rule, line: 3 });
    });
  }

  it("reports a call that runs code using a later declaration", () => {
    const code = "function a() { return b(); }\na();\nfunction b() { return 1; }\n";
    expect(rulesAt(code)).toEqual([{ rule: "use-before-declaration", line: 2 }]);
  });

  it("reports a spread helper's Array.prototype.slice where the helper is called", () => {
    const code = [
      "var __spreadArray = (this && this.__spreadArray) || function (to, from) {",
      "  return to.concat(Array.prototype.slice.call(from));",
      "};",
      "var x = __spreadArray([], [1, 2], false);",
    ].join("\n");
    const v = checkEspruinoCompat(code, "bundle.js");
    expect(v.map((x) => [x.rule, x.line])).toEqual([["prototype-property", 4]]);
    expect(v[0]?.message).toContain("__spreadArray");
  });

  it("gives file, 1-based line and column, rule and message", () => {
    const [v] = checkEspruinoCompat("var a = 1;\n  var m = new Map();\n", "dir/file.js");
    expect(v).toEqual({
      file: "dir/file.js",
      line: 2,
      column: 15,
      rule: "missing-global",
      message: expect.stringContaining("Map"),
    });
  });

  it("accepts clean ES5 in declaration order, getters included", () => {
    const code = [
      "var count = 0, names = { a: 1 };",
      "function inc(n) { count += n; return count; }",
      "function Counter() { this.n = 0; }",
      "Counter.prototype.add = function (k) { this.n += inc(k); return [].slice.call(arguments); };",
      "var o = { get total() { return count; } };",
      "var re = /^[a-z]+[0-9]*$/i;",
      "var c = new Counter();",
      "c.add(2);",
      "setTimeout(function () { later(); }, 10);",
      "function later() { return o.total + Math.pow(2, 3) + names.a; }",
      "try { inc(1); } catch (e) { inc(e ? 1 : 2); }",
    ].join("\n");
    expect(checkEspruinoCompat(code, "clean.js")).toEqual([]);
  });

  it("does not flag a local variable that shadows a missing global", () => {
    expect(checkEspruinoCompat("function f(Map) { return new Map(); }\n", "x.js")).toEqual([]);
  });

  it("does not count characters in a class or an escape as regex features", () => {
    expect(checkEspruinoCompat("var r = /[?{}]\\?a\\{2\\}[\\b]/;\n", "x.js")).toEqual([]);
  });

  it("reports text that is not JavaScript as a syntax error with its line", () => {
    expect(rulesAt("var a = 1;\nvar = ;\n")).toEqual([{ rule: "syntax-error", line: 2 }]);
  });

  it("can leave the declaration-order rule to the transform", () => {
    expect(
      checkEspruinoCompat("f();\nfunction f() {}\n", "m.js", { useBeforeDeclaration: false }),
    ).toEqual([]);
  });
});
