/**
 * Makes ES5 safe for Espruino's interpreter, which runs statements in order
 * and hoists nothing:
 *  - every function and program body starts with one `var a, b, c;` naming all
 *    its vars (parameters excepted), and each `var x = v` becomes `x = v`;
 *  - function declarations move to the top of their statement list (after the
 *    var line), callees before callers, so a call above a declaration works;
 *  - everything else is copied from the input text unchanged.
 * Input is parsed as ES5 (terser's ecma 5 output); the result is re-parsed by
 * the compatibility check.
 */
import {
  type AstNode,
  child,
  children,
  isFunctionNode,
  isNode,
  nodeName,
  parseScript,
} from "./ast.js";
import { collectDeclarations, isReference } from "./scopes.js";

interface Entry {
  node: AstNode;
  key: string;
}

const NEEDS_TERMINATOR = new Set([
  "ExpressionStatement",
  "VariableDeclaration",
  "ReturnStatement",
  "ThrowStatement",
  "BreakStatement",
  "ContinueStatement",
  "DoWhileStatement",
  "DebuggerStatement",
]);

export function makeEspruinoSafe(code: string): string {
  const program = parseScript(code, 5);
  return new Renderer(code).scope(program);
}

function entries(node: AstNode): Entry[] {
  const out: Entry[] = [];
  for (const key of Object.keys(node)) {
    if (key === "loc" || key === "type" || key === "regex" || key === "value") continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const item of v) if (isNode(item)) out.push({ node: item, key });
    } else if (isNode(v)) {
      out.push({ node: v, key });
    }
  }
  out.sort((a, b) => a.node.start - b.node.start);
  return out;
}

/** Names a function declaration refers to (anywhere inside it). */
function referencedNames(fn: AstNode): Set<string> {
  const names = new Set<string>();
  const visit = (node: AstNode, parent: AstNode | undefined, key: string): void => {
    if (node.type === "Identifier") {
      if (isReference(node, parent, key)) names.add(node.name as string);
      return;
    }
    for (const e of entries(node)) visit(e.node, node, e.key);
  };
  const body = child(fn, "body");
  if (body) visit(body, fn, "body");
  return names;
}

/** Callees first (depth-first, in source order); a cycle keeps source order. */
function dependencyOrder(fns: AstNode[]): AstNode[] {
  const byName = new Map<string, AstNode>();
  for (const f of fns) {
    const n = nodeName(child(f, "id"));
    if (n) byName.set(n, f);
  }
  const done = new Set<AstNode>();
  const active = new Set<AstNode>();
  const out: AstNode[] = [];
  const place = (f: AstNode): void => {
    if (done.has(f) || active.has(f)) return;
    active.add(f);
    for (const name of referencedNames(f)) {
      const dep = byName.get(name);
      if (dep && dep !== f) place(dep);
    }
    active.delete(f);
    done.add(f);
    out.push(f);
  };
  for (const f of fns) place(f);
  return out;
}

class Renderer {
  constructor(private readonly code: string) {}

  /** A program, or a function: its body gets the var line and hoisted functions. */
  scope(node: AstNode): string {
    const decls = collectDeclarations(node);
    const varNames = [...decls.vars.keys()].filter(
      (n) => !decls.params.has(n) && !decls.functions.has(n) && n !== "arguments",
    );
    const varLine = varNames.length ? `var ${varNames.join(",")};` : "";
    if (node.type === "Program") {
      return this.statementList(children(node, "body"), varLine);
    }
    const body = child(node, "body") as AstNode;
    const head = this.generic(node, body.start);
    const inner = this.statementList(children(body, "body"), varLine);
    return `${head}{${inner}}`;
  }

  /**
   * Directives first, then `prefix` (the var line), then the function
   * declarations of this list, then the other statements in order.
   */
  statementList(stmts: (AstNode | null)[], prefix: string): string {
    const list = stmts.filter((s): s is AstNode => s !== null);
    const pieces: { node: AstNode; text: string; gap: string }[] = [];
    let i = 0;
    while (i < list.length && typeof list[i]?.directive === "string") {
      pieces.push({
        node: list[i] as AstNode,
        text: this.render(list[i] as AstNode, "body"),
        gap: "",
      });
      i++;
    }
    const rest = list.slice(i);
    let head = prefix;
    for (const f of dependencyOrder(rest.filter((s) => s.type === "FunctionDeclaration"))) {
      head += this.render(f, "body");
    }
    let prevEnd = -1;
    for (const s of rest) {
      const gap = prevEnd >= 0 && this.code.slice(prevEnd, s.start).includes("\n") ? "\n" : "";
      prevEnd = s.end;
      if (s.type === "FunctionDeclaration") continue;
      const text = this.render(s, "body", true);
      if (text !== "") pieces.push({ node: s, text, gap });
    }
    // Directives, then the var line and functions, then statements; a statement
    // followed by another gets its `;` (ASI may have relied on a moved function).
    const nDirectives = i;
    let out = "";
    pieces.forEach((p, k) => {
      if (k === nDirectives) out += head;
      const last = k === pieces.length - 1 && k >= nDirectives;
      out += p.gap + (last ? p.text : this.terminated(p.node, p.text));
    });
    if (pieces.length === nDirectives) out += head;
    return out;
  }

  terminated(node: AstNode, text: string): string {
    if (!NEEDS_TERMINATOR.has(node.type)) return text;
    return /;\s*$/.test(text) ? text : `${text};`;
  }

  /** Source text of `node` with its children rendered; stops at `until` when given. */
  generic(node: AstNode, until?: number): string {
    const end = until ?? node.end;
    let out = "";
    let cursor = node.start;
    for (const e of entries(node)) {
      if (e.node.start >= end) break;
      out += this.code.slice(cursor, e.node.start) + this.render(e.node, e.key, false, node);
      cursor = e.node.end;
    }
    return out + this.code.slice(cursor, end);
  }

  render(node: AstNode, key: string, inList = false, parent?: AstNode): string {
    if (isFunctionNode(node)) return this.scope(node);
    switch (node.type) {
      case "BlockStatement":
        return `{${this.statementList(children(node, "body"), "")}}`;
      case "SwitchCase": {
        const body = children(node, "consequent");
        const first = body.find((c): c is AstNode => c !== null);
        return this.generic(node, first?.start) + this.statementList(body, "");
      }
      case "VariableDeclaration":
        return this.varDeclaration(node, key, inList, parent);
      default:
        return this.generic(node);
    }
  }

  /** `var a = 1, b` -> `a=1` (the names are declared at the top of the scope). */
  varDeclaration(node: AstNode, key: string, inList: boolean, parent?: AstNode): string {
    const declarators = children(node, "declarations").filter((d): d is AstNode => d !== null);
    if (parent?.type === "ForInStatement" && key === "left") {
      return nodeName(child(declarators[0] as AstNode, "id")) ?? "";
    }
    const assigns = declarators
      .filter((d) => child(d, "init") !== undefined)
      .map((d) => this.generic(d));
    const expr = assigns.join(",");
    if (parent?.type === "ForStatement" && key === "init") return expr;
    if (expr === "") return inList ? "" : ";";
    return `${expr};`;
  }
}
