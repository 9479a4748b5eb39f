/**
 * A thin, typed view of acorn's ESTree output for the compatibility check and
 * the Espruino transform. Nodes are narrowed here once; the rest of the build
 * works on AstNode.
 */
import { type Options, parse } from "acorn";

export interface Position {
  line: number;
  column: number;
}

export interface AstNode {
  type: string;
  start: number;
  end: number;
  loc: { start: Position; end: Position };
  [key: string]: unknown;
}

const SKIP_KEYS = new Set(["type", "start", "end", "loc", "range", "raw", "regex", "value"]);

export function isNode(v: unknown): v is AstNode {
  return v !== null && typeof v === "object" && typeof (v as { type?: unknown }).type === "string";
}

/** Direct child nodes, in source order. */
export function childNodes(node: AstNode): AstNode[] {
  const out: AstNode[] = [];
  for (const key of Object.keys(node)) {
    if (SKIP_KEYS.has(key)) continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const item of v) if (isNode(item)) out.push(item);
    } else if (isNode(v)) {
      out.push(v);
    }
  }
  out.sort((a, b) => a.start - b.start);
  return out;
}

export function child(node: AstNode, key: string): AstNode | undefined {
  const v = node[key];
  return isNode(v) ? v : undefined;
}

export function children(node: AstNode, key: string): (AstNode | null)[] {
  const v = node[key];
  if (!Array.isArray(v)) return [];
  return v.map((x) => (isNode(x) ? x : null));
}

export function nodeName(node: AstNode | undefined | null): string | undefined {
  if (node?.type !== "Identifier") return undefined;
  return node.name as string;
}

export function isFunctionNode(node: AstNode): boolean {
  return (
    node.type === "FunctionDeclaration" ||
    node.type === "FunctionExpression" ||
    node.type === "ArrowFunctionExpression"
  );
}

export function parseScript(code: string, ecmaVersion: Options["ecmaVersion"]): AstNode {
  return parse(code, {
    ecmaVersion,
    sourceType: "script",
    locations: true,
    allowHashBang: false,
  }) as unknown as AstNode;
}

export function parseModule(code: string): AstNode {
  return parse(code, {
    ecmaVersion: "latest",
    sourceType: "module",
    locations: true,
  }) as unknown as AstNode;
}

/** acorn's SyntaxError carries `loc` and `pos`. */
export function syntaxErrorLocation(err: unknown): { line: number; column: number } | undefined {
  if (err && typeof err === "object" && "loc" in err) {
    const loc = (err as { loc?: Position }).loc;
    if (loc) return { line: loc.line, column: loc.column };
  }
  return undefined;
}
