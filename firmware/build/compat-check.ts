/**
 * The Espruino compatibility check: parses ES5 (acorn, ecmaVersion 5, so any
 * ES2015+ syntax fails) and walks the AST for each construct the Espruino
 * 2v29 interpreter lacks (no hoisting, missing built-ins such as Map and Set,
 * missing regular-expression features; firmware/build/README.md lists them).
 * Violations are 1-based line/column in `code`; the build maps them to the
 * TypeScript source (source-check.ts).
 */
import {
  type AstNode,
  childNodes,
  isFunctionNode,
  nodeName,
  parseModule,
  parseScript,
  syntaxErrorLocation,
} from "./ast.js";
import {
  extendsErrorMessage,
  findModernSyntax,
  isErrorCtorName,
  regexpProblems,
  type SyntaxFinding,
} from "./compat-syntax.js";
import { collectDeclarations, isReference, patternNames } from "./scopes.js";
import { useBeforeDeclaration } from "./use-before-declaration.js";

export type CompatRule =
  | "syntax-error"
  | "es2015-syntax"
  | "exponent-operator"
  | "missing-global"
  | "missing-builtin"
  | "prototype-property"
  | "labelled-statement"
  | "array-hole"
  | "regexp-unsupported"
  | "extends-error"
  | "use-before-declaration";

export interface CompatViolation {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  rule: CompatRule;
  message: string;
}

export interface CompatOptions {
  /**
   * Check that functions and vars are declared above their first use in the
   * same scope (Espruino does not hoist). Off for a module's own transpile,
   * whose CommonJS output relies on hoisting; the build's transform fixes that
   * and the final image is checked with it on.
   */
  useBeforeDeclaration?: boolean;
}

const MISSING_GLOBALS: Record<string, string> = {
  Map: "use a plain object keyed by string",
  Set: "use a plain object or an array",
  WeakMap: "use a plain object or a property on the key",
  WeakSet: "use a plain object or a flag on the value",
  Symbol: "there are no symbols (and so no iterators)",
  Proxy: "wrap the object in functions instead",
  Reflect: "call Object.* or the function directly",
  BigInt: "use two 32-bit numbers",
};

const MISSING_BUILTINS: Record<string, Record<string, string>> = {
  Array: { from: "copy with a for loop or [].slice.call(x)" },
  Object: { freeze: "drop it: nothing is frozen on the board" },
};

const MISSING_PROTOTYPE_PROPS: Record<string, Record<string, string>> = {
  Array: { slice: "use [].slice.call(x) (the property is missing, the method works)" },
  Function: { apply: "call fn.apply(thisArg, args) on the function itself" },
};

interface Finding {
  pos: number;
  line: number;
  column: number;
  rule: CompatRule;
  message: string;
}

interface Helper {
  varName: string;
  helperName: string;
  start: number;
  end: number;
}

const HELPER_FEATURES: Record<string, string> = {
  __spreadArray: "array spread or spread arguments",
  __spread: "spread",
  __extends: "class inheritance",
  __assign: "object spread",
  __rest: "object rest",
  __values: "for...of",
  __read: "destructuring",
  __generator: "a generator or async function",
  __awaiter: "an async function",
  __makeTemplateObject: "a tagged template",
};

export function checkEspruinoCompat(
  code: string,
  fileName: string,
  options: CompatOptions = {},
): CompatViolation[] {
  const findings: Finding[] = [];
  const add = (node: AstNode, rule: CompatRule, message: string): void => {
    findings.push({
      pos: node.start,
      line: node.loc.start.line,
      column: node.loc.start.column + 1,
      rule,
      message,
    });
  };
  let ast: AstNode;
  let es5 = true;
  try {
    ast = parseScript(code, 5);
  } catch (es5Err) {
    es5 = false;
    const parsed = parseLatest(code);
    if (!parsed) {
      const loc = syntaxErrorLocation(es5Err) ?? { line: 1, column: 0 };
      return [
        {
          file: fileName,
          line: loc.line,
          column: loc.column + 1,
          rule: "syntax-error",
          message: String((es5Err as Error).message),
        },
      ];
    }
    ast = parsed;
    const modern: SyntaxFinding[] = [];
    const visit = (n: AstNode): void => {
      findModernSyntax(n, modern);
      for (const c of childNodes(n)) visit(c);
    };
    visit(ast);
    for (const f of modern) add(f.node, f.rule, f.message);
    if (modern.length === 0) {
      const loc = syntaxErrorLocation(es5Err) ?? { line: 1, column: 0 };
      findings.push({
        pos: 0,
        line: loc.line,
        column: loc.column + 1,
        rule: "syntax-error",
        message: `not ES5: ${(es5Err as Error).message}`,
      });
    }
  }

  const helpers: Helper[] = [];
  const helperCalls = new Map<string, AstNode[]>();
  walkFeatures(ast, add, helpers, helperCalls);
  if (es5 && options.useBeforeDeclaration !== false) {
    for (const u of useBeforeDeclaration(ast)) add(u.node, "use-before-declaration", u.message);
  }
  const attributed = attributeHelperFindings(findings, helpers, helperCalls);
  return finish(attributed, fileName);
}

function parseLatest(code: string): AstNode | undefined {
  try {
    return parseScript(code, "latest");
  } catch {
    try {
      return parseModule(code);
    } catch {
      return undefined;
    }
  }
}

type Add = (node: AstNode, rule: CompatRule, message: string) => void;

function walkFeatures(
  ast: AstNode,
  add: Add,
  helpers: Helper[],
  helperCalls: Map<string, AstNode[]>,
): void {
  const frames: Set<string>[] = [];
  const isFree = (name: string): boolean => {
    for (let i = frames.length - 1; i >= 0; i--) if (frames[i]?.has(name)) return false;
    return true;
  };
  const freeIdent = (n: unknown): string | undefined => {
    const name = nodeName(n as AstNode);
    return name !== undefined && isFree(name) ? name : undefined;
  };
  const visit = (node: AstNode, parent: AstNode | undefined, key: string): void => {
    let pushed = false;
    if (node.type === "Program" || isFunctionNode(node)) {
      const names = new Set(collectDeclarations(node).all);
      const ownName = node.type === "FunctionExpression" ? nodeName(node.id as AstNode) : undefined;
      if (ownName) names.add(ownName);
      frames.push(names);
      pushed = true;
    } else if (node.type === "CatchClause") {
      frames.push(new Set(patternNames(node.param as AstNode).map((i) => i.name as string)));
      pushed = true;
    }
    checkNode(node, parent, key, add, freeIdent, helpers, helperCalls);
    for (const k of Object.keys(node)) {
      if (k === "loc" || k === "type") continue;
      const v = node[k];
      if (Array.isArray(v)) {
        for (const item of v)
          if (item && typeof item === "object" && "type" in item) visit(item as AstNode, node, k);
      } else if (
        v &&
        typeof v === "object" &&
        "type" in v &&
        typeof (v as AstNode).start === "number"
      ) {
        visit(v as AstNode, node, k);
      }
    }
    if (pushed) frames.pop();
  };
  visit(ast, undefined, "");
}

function checkNode(
  node: AstNode,
  parent: AstNode | undefined,
  key: string,
  add: Add,
  freeIdent: (n: unknown) => string | undefined,
  helpers: Helper[],
  helperCalls: Map<string, AstNode[]>,
): void {
  switch (node.type) {
    case "Identifier": {
      const name = node.name as string;
      const hint = MISSING_GLOBALS[name];
      if (hint && isReference(node, parent, key) && freeIdent(node)) {
        add(node, "missing-global", `\`${name}\` does not exist on Espruino: ${hint}`);
      }
      break;
    }
    case "MemberExpression": {
      const prop = propertyName(node);
      const objName = freeIdent(node.object);
      if (prop && objName) {
        const hint = MISSING_BUILTINS[objName]?.[prop];
        if (hint)
          add(
            node,
            "missing-builtin",
            `\`${objName}.${prop}\` does not exist on Espruino: ${hint}`,
          );
      }
      const obj = node.object as AstNode;
      if (prop && obj.type === "MemberExpression" && propertyName(obj) === "prototype") {
        const ctor = freeIdent(obj.object);
        const hint = ctor ? MISSING_PROTOTYPE_PROPS[ctor]?.[prop] : undefined;
        if (hint)
          add(
            node,
            "prototype-property",
            `\`${ctor}.prototype.${prop}\` is missing as a property on Espruino: ${hint}`,
          );
      }
      break;
    }
    case "LabeledStatement":
      add(
        node,
        "labelled-statement",
        `label \`${nodeName(node.label as AstNode)}\`: Espruino has no labelled break/continue; use a flag or a function`,
      );
      break;
    case "ArrayExpression":
      if ((node.elements as unknown[]).some((e) => e === null)) {
        add(
          node,
          "array-hole",
          "array literal with a hole ([a,,b]) is a syntax error on Espruino; write undefined",
        );
      }
      break;
    case "Literal": {
      const regex = node.regex as { pattern: string } | undefined;
      if (regex) reportRegexp(node, regex.pattern, add);
      break;
    }
    case "NewExpression":
    case "CallExpression": {
      const callee = node.callee as AstNode;
      const args = node.arguments as AstNode[];
      if (
        freeIdent(callee) === "RegExp" &&
        args[0]?.type === "Literal" &&
        typeof args[0].value === "string"
      ) {
        reportRegexp(args[0], args[0].value, add);
      }
      if (node.type === "CallExpression") {
        checkExtendsError(node, callee, args, add, freeIdent);
        const name = nodeName(callee);
        if (name) {
          const list = helperCalls.get(name) ?? [];
          list.push(node);
          helperCalls.set(name, list);
        }
      }
      break;
    }
    case "VariableDeclarator": {
      const helperName = tsHelperName(node.init as AstNode | null);
      const varName = nodeName(node.id as AstNode);
      if (helperName && varName)
        helpers.push({ varName, helperName, start: node.start, end: node.end });
      break;
    }
  }
}

function propertyName(member: AstNode): string | undefined {
  const p = member.property as AstNode;
  if (!member.computed) return nodeName(p);
  return p.type === "Literal" && typeof p.value === "string" ? p.value : undefined;
}

function reportRegexp(node: AstNode, pattern: string, add: Add): void {
  const problems = regexpProblems(pattern);
  if (problems.length) {
    add(
      node,
      "regexp-unsupported",
      `regular expression /${pattern}/ uses ${problems.join(", ")}, which Espruino's regex engine lacks`,
    );
  }
}

/**
 * `class X extends Error` after TypeScript's ES5 downlevel:
 * `(function (_super) { __extends(X, _super); ... })(Error)`, or a direct
 * `__extends(X, Error)`.
 */
function checkExtendsError(
  node: AstNode,
  callee: AstNode,
  args: AstNode[],
  add: Add,
  freeIdent: (n: unknown) => string | undefined,
): void {
  if (callee.type === "FunctionExpression") {
    const params = callee.params as AstNode[];
    args.forEach((arg, i) => {
      const ctor = freeIdent(arg);
      const param = nodeName(params[i]);
      if (!isErrorCtorName(ctor) || !param) return;
      const extendsCall = callsWithSecondArg(callee.body as AstNode, param);
      if (extendsCall) add(arg, "extends-error", extendsErrorMessage(ctor as string));
    });
  } else if (args.length === 2) {
    const ctor = freeIdent(args[1]);
    const name = nodeName(callee);
    if (isErrorCtorName(ctor) && name !== undefined && /extends/i.test(name)) {
      add(node, "extends-error", extendsErrorMessage(ctor as string));
    }
  }
}

/** True when the function body's own code calls something with `name` as the second argument. */
function callsWithSecondArg(node: AstNode, name: string): boolean {
  if (node.type === "CallExpression" && nodeName((node.arguments as AstNode[])[1]) === name)
    return true;
  for (const c of childNodes(node)) {
    if (!isFunctionNode(c) && callsWithSecondArg(c, name)) return true;
  }
  return false;
}

/** `(this && this.__name) || ...`: a TypeScript emit helper. */
function tsHelperName(init: AstNode | null): string | undefined {
  if (init?.type !== "LogicalExpression" || init.operator !== "||") return undefined;
  const left = init.left as AstNode;
  if (left.type !== "LogicalExpression" || left.operator !== "&&") return undefined;
  if ((left.left as AstNode).type !== "ThisExpression") return undefined;
  const right = left.right as AstNode;
  if (right.type !== "MemberExpression" || (right.object as AstNode).type !== "ThisExpression")
    return undefined;
  const name = propertyName(right);
  return name?.startsWith("__") ? name : undefined;
}

/** A finding inside a TS helper is reported where the helper is called, i.e. at the source construct. */
function attributeHelperFindings(
  findings: Finding[],
  helpers: Helper[],
  calls: Map<string, AstNode[]>,
): Finding[] {
  if (helpers.length === 0) return findings;
  const inHelper = (pos: number): Helper | undefined =>
    helpers.find((h) => pos >= h.start && pos < h.end);
  const out: Finding[] = [];
  for (const f of findings) {
    const h = inHelper(f.pos);
    if (!h) {
      out.push(f);
      continue;
    }
    const sites = (calls.get(h.varName) ?? []).filter((c) => !inHelper(c.start));
    if (sites.length === 0) {
      out.push(f);
      continue;
    }
    const feature = HELPER_FEATURES[h.helperName] ?? "a language feature";
    for (const site of sites) {
      out.push({
        pos: site.start,
        line: site.loc.start.line,
        column: site.loc.start.column + 1,
        rule: f.rule,
        message: `${feature} compiles to TypeScript's ${h.helperName} helper, which needs what Espruino lacks: ${f.message}`,
      });
    }
  }
  return out;
}

function finish(findings: Finding[], file: string): CompatViolation[] {
  const seen = new Set<string>();
  const out: CompatViolation[] = [];
  findings.sort((a, b) => a.pos - b.pos || a.rule.localeCompare(b.rule));
  for (const f of findings) {
    const id = `${f.line}:${f.column}:${f.rule}:${f.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ file, line: f.line, column: f.column, rule: f.rule, message: f.message });
  }
  return out;
}

export function formatViolation(v: CompatViolation): string {
  return `${v.file}:${v.line}:${v.column}: ${v.rule}: ${v.message}`;
}
