/**
 * Use-before-declaration on an ES5 AST. Espruino runs a scope's statements in
 * order and hoists nothing: a function called above its `function` statement,
 * or a var used above its `var`, is undefined there. Per scope (program or
 * function), a reference in the scope's own code (not inside a nested
 * function, which runs later) to a name declared in that scope must come after
 * the declaration; a direct call of a function declared in the scope also
 * needs what that function's body uses, transitively.
 */
import { type AstNode, child, childNodes, isFunctionNode, nodeName } from "./ast.js";
import { collectDeclarations, isReference, type ScopeDecls } from "./scopes.js";

export interface UseBeforeDeclaration {
  node: AstNode;
  message: string;
}

interface Ref {
  name: string;
  node: AstNode;
  isCall: boolean;
}

/** References in a scope's own code; names bound by a catch inside are skipped. */
function directRefs(scope: AstNode): Ref[] {
  const refs: Ref[] = [];
  const catchNames: string[] = [];
  const visit = (node: AstNode, parent: AstNode | undefined, key: string): void => {
    if (node !== scope && isFunctionNode(node)) {
      // A nested function's own name (expression) or params are not ours; its body runs later.
      return;
    }
    if (node.type === "Identifier" && isReference(node, parent, key)) {
      const name = node.name as string;
      if (!catchNames.includes(name)) {
        const isCall = parent?.type === "CallExpression" && key === "callee";
        refs.push({ name, node, isCall });
      }
      return;
    }
    const catchParam = node.type === "CatchClause" ? nodeName(child(node, "param")) : undefined;
    if (catchParam) catchNames.push(catchParam);
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
    if (catchParam) catchNames.pop();
  };
  if (scope.type === "Program") {
    for (const c of childNodes(scope)) visit(c, scope, "body");
  } else {
    const body = child(scope, "body");
    if (body) visit(body, scope, "body");
  }
  return refs;
}

function lineOf(pos: number, scopeNodes: Map<number, AstNode>): number | undefined {
  return scopeNodes.get(pos)?.loc.start.line;
}

function checkScope(scope: AstNode, out: UseBeforeDeclaration[]): void {
  const decls: ScopeDecls = collectDeclarations(scope);
  const declPos = new Map<string, number>();
  const declNode = new Map<number, AstNode>();
  for (const [name, fn] of decls.functions) {
    declPos.set(name, fn.start);
    declNode.set(fn.start, fn);
  }
  for (const [name, pos] of decls.vars) {
    const prev = declPos.get(name);
    if (prev === undefined || pos < prev) declPos.set(name, pos);
  }
  const ownRefs = directRefs(scope);
  // Names each function declared here needs when called (its own code, then its direct calls).
  const needsCache = new Map<string, Set<string>>();
  const needs = (fnName: string, stack: Set<string>): Set<string> => {
    const cached = needsCache.get(fnName);
    if (cached) return cached;
    const fn = decls.functions.get(fnName);
    const result = new Set<string>();
    if (!fn || stack.has(fnName)) return result;
    stack.add(fnName);
    const inner = collectDeclarations(fn);
    for (const r of directRefs(fn)) {
      if (inner.all.has(r.name) || decls.params.has(r.name) || !declPos.has(r.name)) continue;
      result.add(r.name);
      if (r.isCall && decls.functions.has(r.name))
        for (const n of needs(r.name, stack)) result.add(n);
    }
    stack.delete(fnName);
    needsCache.set(fnName, result);
    return result;
  };
  const reported = new Set<string>();
  for (const r of ownRefs) {
    if (decls.params.has(r.name)) continue;
    const at = declPos.get(r.name);
    if (at === undefined) continue;
    const line = r.node.loc.start.line;
    if (r.node.start < at) {
      const declLine = lineOf(at, declNode);
      out.push({
        node: r.node,
        message:
          `\`${r.name}\` is used before its declaration` +
          (declLine ? ` (line ${declLine})` : "") +
          "; Espruino does not hoist function or var declarations",
      });
      continue;
    }
    if (!r.isCall || !decls.functions.has(r.name)) continue;
    for (const n of needs(r.name, new Set())) {
      const p = declPos.get(n);
      const id = `${r.node.start}:${n}`;
      if (p !== undefined && p > r.node.start && !reported.has(id)) {
        reported.add(id);
        out.push({
          node: r.node,
          message: `calling \`${r.name}()\` at line ${line} runs code that uses \`${n}\`, declared later; Espruino does not hoist`,
        });
      }
    }
  }
}

export function useBeforeDeclaration(program: AstNode): UseBeforeDeclaration[] {
  const out: UseBeforeDeclaration[] = [];
  const visit = (node: AstNode): void => {
    if (node.type === "Program" || isFunctionNode(node)) checkScope(node, out);
    for (const c of childNodes(node)) visit(c);
  };
  visit(program);
  return out;
}
