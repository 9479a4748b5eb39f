/**
 * Syntax-level rules of the Espruino compatibility check: ES2015+ forms (found
 * on a "latest" parse after the ES5 parse failed) and regular-expression
 * features that Espruino 2v29's regex engine lacks.
 */
import type { AstNode } from "./ast.js";

export interface SyntaxFinding {
  node: AstNode;
  rule: "es2015-syntax" | "exponent-operator" | "extends-error";
  message: string;
}

const ERROR_CTORS = new Set([
  "Error",
  "TypeError",
  "RangeError",
  "SyntaxError",
  "ReferenceError",
  "EvalError",
  "URIError",
]);

export function isErrorCtorName(name: string | undefined): boolean {
  return name !== undefined && ERROR_CTORS.has(name);
}

const NODE_FEATURES: Record<string, string> = {
  ArrowFunctionExpression: "arrow function",
  ClassDeclaration: "class",
  ClassExpression: "class",
  TemplateLiteral: "template literal",
  TaggedTemplateExpression: "tagged template",
  ObjectPattern: "destructuring",
  ArrayPattern: "destructuring",
  SpreadElement: "spread (...)",
  RestElement: "rest (...)",
  AssignmentPattern: "default value",
  PropertyDefinition: "class field",
  StaticBlock: "class static block",
  PrivateIdentifier: "private class member",
  ChainExpression: "optional chaining (?.)",
  ForOfStatement: "for...of",
  AwaitExpression: "await",
  YieldExpression: "yield",
  ImportDeclaration: "import",
  ImportExpression: "import()",
  ExportNamedDeclaration: "export",
  ExportDefaultDeclaration: "export",
  ExportAllDeclaration: "export",
  MetaProperty: "new.target / import.meta",
};

/** Every ES2015+ construct in an AST parsed with ecmaVersion "latest". */
export function findModernSyntax(node: AstNode, out: SyntaxFinding[]): void {
  const feature = NODE_FEATURES[node.type];
  if (feature) out.push({ node, rule: "es2015-syntax", message: es2015Message(feature) });
  switch (node.type) {
    case "VariableDeclaration":
      if (node.kind !== "var") {
        out.push({ node, rule: "es2015-syntax", message: es2015Message(String(node.kind)) });
      }
      break;
    case "Property":
      if (node.computed)
        out.push({ node, rule: "es2015-syntax", message: es2015Message("computed key") });
      else if (node.method)
        out.push({ node, rule: "es2015-syntax", message: es2015Message("method shorthand") });
      else if (node.shorthand)
        out.push({ node, rule: "es2015-syntax", message: es2015Message("shorthand property") });
      break;
    case "FunctionDeclaration":
    case "FunctionExpression":
      if (node.generator)
        out.push({ node, rule: "es2015-syntax", message: es2015Message("generator") });
      if (node.async)
        out.push({ node, rule: "es2015-syntax", message: es2015Message("async function") });
      break;
    case "BinaryExpression":
    case "AssignmentExpression":
      if (node.operator === "**" || node.operator === "**=") {
        out.push({
          node,
          rule: "exponent-operator",
          message: "`**` is not parsed by Espruino; use Math.pow(a, b)",
        });
      } else if (node.operator === "&&=" || node.operator === "||=" || node.operator === "??=") {
        out.push({ node, rule: "es2015-syntax", message: es2015Message("logical assignment") });
      }
      break;
    case "LogicalExpression":
      if (node.operator === "??") {
        out.push({
          node,
          rule: "es2015-syntax",
          message: es2015Message("nullish coalescing (??)"),
        });
      }
      break;
    case "Literal":
      if (typeof node.bigint === "string") {
        out.push({ node, rule: "es2015-syntax", message: es2015Message("BigInt literal") });
      } else if (typeof node.raw === "string" && /^0[bBoO]/.test(node.raw)) {
        out.push({ node, rule: "es2015-syntax", message: es2015Message("binary/octal literal") });
      } else if (typeof node.raw === "string" && /^\d[\d_]*_/.test(node.raw)) {
        out.push({ node, rule: "es2015-syntax", message: es2015Message("numeric separator") });
      }
      break;
    case "CatchClause":
      if (!node.param)
        out.push({
          node,
          rule: "es2015-syntax",
          message: es2015Message("catch without a binding"),
        });
      break;
  }
  if ((node.type === "ClassDeclaration" || node.type === "ClassExpression") && node.superClass) {
    const sup = node.superClass as AstNode;
    if (sup.type === "Identifier" && isErrorCtorName(sup.name as string)) {
      out.push({ node, rule: "extends-error", message: extendsErrorMessage(sup.name as string) });
    }
  }
}

export function es2015Message(feature: string): string {
  return `${feature} is not ES5: Espruino's interpreter does not parse it (compile with TypeScript's ES5 target)`;
}

export function extendsErrorMessage(ctor: string): string {
  return (
    `a class extends ${ctor}: Espruino throws when a class (native or downlevelled with ` +
    `__extends) extends a built-in error; throw a plain Error with a code instead`
  );
}

/**
 * Regex features Espruino's engine lacks: `?` (optional or lazy), `{n,m}`,
 * `\b` / `\B`, and any `(?` group ((?:, (?=, (?!).
 */
export function regexpProblems(pattern: string): string[] {
  const problems = new Set<string>();
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[i + 1];
      if (!inClass && (next === "b" || next === "B")) problems.add(`\\${next} (word boundary)`);
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      inClass = true;
    } else if (c === "(" && pattern[i + 1] === "?") {
      problems.add(`(${pattern.slice(i + 1, i + 3)} group`);
      i++;
    } else if (c === "?") {
      const prev = pattern[i - 1];
      problems.add(
        prev === "*" || prev === "+" || prev === "}" ? "lazy quantifier" : "? quantifier",
      );
    } else if (c === "{" && /^\{\d+(,\d*)?\}/.test(pattern.slice(i))) {
      problems.add("{n,m} quantifier");
    }
  }
  return [...problems];
}
