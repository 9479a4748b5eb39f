import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { type AstNode, childNodes, isFunctionNode, parseScript } from "./ast.js";
import { checkEspruinoCompat } from "./compat-check.js";
import { makeEspruinoSafe } from "./espruino-transform.js";

/** Runs `code` (which sets `result`) and returns result. */
function run(code: string): unknown {
  const ctx = vm.createContext({});
  vm.runInContext(code, ctx);
  return JSON.parse(JSON.stringify(vm.runInContext("result", ctx)));
}

/** Every statement list: an optional var, then function declarations, then the rest. */
function declarationsFirst(code: string): boolean {
  let ok = true;
  const checkList = (stmts: AstNode[]): void => {
    const body = stmts.filter((s) => typeof s.directive !== "string");
    let seenOther = false;
    body.forEach((s, i) => {
      if (s.type === "FunctionDeclaration") {
        if (seenOther) ok = false;
      } else if (!(i === 0 && s.type === "VariableDeclaration")) {
        seenOther = true;
      }
    });
  };
  const visit = (n: AstNode): void => {
    if (n.type === "Program") checkList(n.body as AstNode[]);
    if (isFunctionNode(n)) checkList((n.body as AstNode).body as AstNode[]);
    for (const c of childNodes(n)) visit(c);
  };
  visit(parseScript(code, 5));
  return ok;
}

const PROGRAMS: [string, string][] = [
  [
    "a call above the function it calls",
    "var result = twice(3);\nfunction twice(x) { return helper(x) * 2; }\nfunction helper(x) { return x + base; }\nvar base = 10;",
  ],
  [
    "vars in loops, for-in and nested blocks",
    "function f(o) { var out = []; for (var i = 0, n = 2; i < n; i++) { if (i) { var last = i; } out.push(i); } for (var k in o) out.push(k); return [out, last, typeof later]; var later = 1; }\nvar result = f({ a: 1, b: 2 });",
  ],
  [
    "a downlevelled class whose constructor is declared after __extends",
    "var Base = (function () { function Base() { this.v = 1; } Base.prototype.get = function () { return this.v; }; return Base; })();\nvar Sub = (function (_super) { extend(Sub, _super); function Sub() { var _this = _super.call(this) || this; _this.w = 2; return _this; } Sub.prototype.sum = function () { return this.get() + this.w; }; return Sub; })(Base);\nfunction extend(d, b) { d.prototype = Object.create(b.prototype); d.prototype.constructor = d; }\nvar result = new Sub().sum();",
  ],
  [
    "a parameter redeclared with var keeps its value",
    "function p(a) { var a; var b = a + 1; return [a, b]; }\nvar result = p(5);",
  ],
  [
    "switch cases, labels-free loops and a directive",
    "'use strict';\nfunction s(x) { switch (x) { case (1, 2): var y = 'two'; return y + h(); default: return 'other'; } function h() { return '!'; } }\nvar result = [s(2), s(3)];",
  ],
  [
    "closures over loop vars",
    "var fns = [];\nfor (var i = 0; i < 3; i++) fns.push(mk(i));\nfunction mk(n) { return function () { return n * k; }; }\nvar k = 2;\nvar result = fns.map(function (f) { return f(); });",
  ],
  [
    "ASI between statements once a function moves",
    "var result = 1\nfunction g() {}\n;(function () { result = result + 1 })()",
  ],
];

describe("makeEspruinoSafe", () => {
  for (const [name, code] of PROGRAMS) {
    it(`keeps the behaviour of ${name}`, () => {
      const out = makeEspruinoSafe(code);
      expect(run(out)).toEqual(run(code));
    });
    it(`puts declarations first for ${name}`, () => {
      const out = makeEspruinoSafe(code);
      expect(declarationsFirst(out)).toBe(true);
      expect(
        checkEspruinoCompat(out, "out.js").filter((v) => v.rule === "use-before-declaration"),
      ).toEqual([]);
    });
  }

  it("turns `var x = v` into an assignment under one var line", () => {
    expect(makeEspruinoSafe("function f(){var a=1,b;b=a;return b}")).toBe(
      "function f(){var a,b;a=1;b=a;return b}",
    );
  });

  it("orders hoisted functions callees first", () => {
    const out = makeEspruinoSafe("a();function a(){return b()}function b(){return 1}");
    expect(out).toBe("function b(){return 1}function a(){return b()}a();");
  });

  it("finds the check's use-before-declaration cases in the input and none in the output", () => {
    const code =
      "start();\nfunction start() { return tick(); }\nfunction tick() { return state; }\nvar state = 0;";
    expect(checkEspruinoCompat(code, "in.js").map((v) => v.rule)).toContain(
      "use-before-declaration",
    );
    expect(checkEspruinoCompat(makeEspruinoSafe(code), "out.js")).toEqual([]);
  });
});
