/**
 * Function-level scopes of an acorn AST: what a function (or the program)
 * declares, and whether an Identifier is a reference. ES5 has only function
 * scopes (plus the catch parameter); the ES2015+ forms are folded into the
 * enclosing function, which is precise enough for reporting.
 */
import { type AstNode, child, childNodes, children, isFunctionNode, nodeName } from "./ast.js";

export interface ScopeDecls {
  params: Set<string>;
  /** var (and let/const/class) names -> start of their first declarator. */
  vars: Map<string, number>;
  /** function declarations directly in this scope or its blocks. */
  functions: Map<string, AstNode>;
  /** Every name bound in this scope. */
  all: Set<string>;
}

/** Identifiers bound by a declaration target (plain name or pattern). */
export function patternNames(node: AstNode | null | undefined, out: AstNode[] = []): AstNode[] {
  if (!node) return out;
  switch (node.type) {
    case "Identifier":
      out.push(node);
      break;
    case "ObjectPattern":
      for (const p of children(node, "properties")) {
        if (!p) continue;
        patternNames(p.type === "RestElement" ? child(p, "argument") : child(p, "value"), out);
      }
      break;
    case "ArrayPattern":
      for (const e of children(node, "elements")) patternNames(e, out);
      break;
    case "RestElement":
      patternNames(child(node, "argument"), out);
      break;
    case "AssignmentPattern":
      patternNames(child(node, "left"), out);
      break;
  }
  return out;
}

/** Declarations of a function (or Program) body, not entering nested functions. */
export function collectDeclarations(scopeNode: AstNode): ScopeDecls {
  const decls: ScopeDecls = {
    params: new Set(),
    vars: new Map(),
    functions: new Map(),
    all: new Set(),
  };
  if (scopeNode.type !== "Program") {
    for (const p of children(scopeNode, "params")) {
      for (const id of patternNames(p)) decls.params.add(id.name as string);
    }
  }
  const visit = (node: AstNode): void => {
    switch (node.type) {
      case "FunctionDeclaration": {
        const name = nodeName(child(node, "id"));
        if (name) decls.functions.set(name, node);
        return;
      }
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        return;
      case "ClassDeclaration": {
        const id = child(node, "id");
        const name = nodeName(id);
        if (name && id && !decls.vars.has(name)) decls.vars.set(name, id.start);
        break;
      }
      case "VariableDeclarator":
        for (const id of patternNames(child(node, "id"))) {
          const name = id.name as string;
          if (!decls.vars.has(name)) decls.vars.set(name, node.start);
        }
        break;
    }
    for (const c of childNodes(node)) visit(c);
  };
  if (scopeNode.type === "Program") {
    for (const c of childNodes(scopeNode)) visit(c);
  } else {
    const body = child(scopeNode, "body");
    if (body?.type === "BlockStatement") {
      for (const c of childNodes(body)) visit(c);
    } else if (body) {
      visit(body); // arrow function with an expression body
    }
  }
  for (const n of decls.params) decls.all.add(n);
  for (const n of decls.vars.keys()) decls.all.add(n);
  for (const n of decls.functions.keys()) decls.all.add(n);
  decls.all.add("arguments");
  return decls;
}

/** True when `node` (an Identifier) reads or writes a variable at this place. */
export function isReference(node: AstNode, parent: AstNode | undefined, key: string): boolean {
  if (node.type !== "Identifier" || !parent) return node.type === "Identifier";
  switch (parent.type) {
    case "MemberExpression":
      return key !== "property" || parent.computed === true;
    case "Property":
    case "MethodDefinition":
    case "PropertyDefinition":
      return key !== "key" || parent.computed === true;
    case "VariableDeclarator":
      return key !== "id";
    case "FunctionDeclaration":
    case "FunctionExpression":
    case "ArrowFunctionExpression":
      return key !== "id" && key !== "params";
    case "ClassDeclaration":
    case "ClassExpression":
      return key !== "id";
    case "LabeledStatement":
    case "BreakStatement":
    case "ContinueStatement":
      return key !== "label";
    case "CatchClause":
      return key !== "param";
    case "ObjectPattern":
    case "ArrayPattern":
    case "RestElement":
    case "AssignmentPattern":
      return key === "right";
    case "ImportSpecifier":
    case "ImportDefaultSpecifier":
    case "ImportNamespaceSpecifier":
    case "ExportSpecifier":
    case "MetaProperty":
      return false;
    default:
      return true;
  }
}

export { isFunctionNode };
