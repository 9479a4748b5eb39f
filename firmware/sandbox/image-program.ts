/**
 * How the sandbox runs an image's text. In a vm context every read of a
 * global (`analogRead`, `setTimeout`, `Math`, `Uint8Array`...) goes through
 * Node's interceptor on the context's global object, which V8 cannot cache:
 * ~0.1 µs per read against a few ns for a local, and an image reads globals
 * on every sample (a third of the detector image's time in the 100-device
 * bench). So the image's text, byte for byte, is run as the body of a
 * function whose parameters are the globals it reads, bound once at boot:
 *
 *     (function (analogRead, Math, setTimeout) {
 *     <the image, unchanged>
 *     })
 *
 * That is the same program as the script, under these conditions, checked on
 * the parsed image (otherwise it runs as a plain script, as before):
 * - nothing is declared at the image's top level (a built image is one
 *   function expression), so no name that would be a global becomes local;
 * - no parameter is a name the image ever assigns, `delete`s or uses as a
 *   loop target (such a write must reach the global), and the image uses
 *   neither `eval`, `with`, `global`/`globalThis` nor `arguments` outside a
 *   function;
 * - only globals that exist when the image boots are bound, so a missing one
 *   still throws its ReferenceError and `typeof` still says "undefined".
 * The parameters hold the values the globals had at boot: code outside the
 * image (REPL input) that replaces one of them later is not seen by the image.
 * The wrapper's first line is numbered 0, so stack traces give the image's own
 * lines and columns.
 */
import vm from "node:vm";
import { type AstNode, isFunctionNode, isNode, parseScript } from "../build/ast.js";
import { isReference } from "../build/scopes.js";
import type { SandboxContext } from "./context.js";

/** Never bound: they would change meaning as parameters, or are constants anyway. */
const NEVER_BOUND = new Set(["arguments", "eval", "undefined", "NaN", "Infinity"]);
/** The global object by name: a write through it must stay visible to the image's reads. */
const GLOBAL_OBJECT = new Set(["global", "globalThis"]);

export class ImageProgram {
  /** The image as a plain script (compiling it is the syntax check). */
  readonly script: vm.Script;
  /** Globals the image only reads; undefined when it must run as a plain script. */
  readonly reads: readonly string[] | undefined;
  private readonly wrapped = new Map<string, vm.Script>();

  constructor(
    readonly code: string,
    readonly fileName: string,
  ) {
    this.script = new vm.Script(code, { filename: fileName });
    this.reads = cachedReads(code);
  }

  /** The wrapper around the image for these parameters (see the file comment). */
  static wrapperSource(code: string, params: readonly string[]): string {
    return `(function (${params.join(", ")}) {\n${code}\n})`;
  }

  /** The image's function with these parameters, compiled once per parameter list. */
  wrapper(params: readonly string[]): vm.Script {
    const key = params.join(",");
    let s = this.wrapped.get(key);
    if (!s) {
      s = new vm.Script(ImageProgram.wrapperSource(this.code, params), {
        filename: this.fileName,
        lineOffset: -1,
      });
      this.wrapped.set(key, s);
    }
    return s;
  }
}

const cache = new Map<string, ImageProgram>();

/**
 * Runs the image's top level in the context (its promise jobs too); returns
 * the globals bound as parameters (none for a plain script).
 */
export function runImage(program: ImageProgram, ctx: SandboxContext): readonly string[] {
  if (program.reads === undefined) {
    program.script.runInContext(ctx.context);
    return [];
  }
  const params = ctx.present(program.reads);
  ctx.start(program.wrapper(params).runInContext(ctx.context), params);
  return params;
}

/** The program for an image's text, shared between devices running the same text. */
export function imageProgram(code: string, fileName: string): ImageProgram {
  const key = `${fileName}\0${code}`;
  let p = cache.get(key);
  if (!p) {
    p = new ImageProgram(code, fileName);
    if (cache.size > 32) cache.clear();
    cache.set(key, p);
  }
  return p;
}

/**
 * Number tokens and 32-hex-digit strings (a device's id and key) carry no
 * names: texts equal but for them have the same reads, so a fleet's images
 * (one build, each device's identity swapped in) are parsed once.
 */
const IDENTITY_FREE = /(?<![\w$])\d+(?![\w$])|"[0-9a-f]{32}"/g;
const readsCache = new Map<string, string[] | undefined>();

function cachedReads(code: string): string[] | undefined {
  const key = code.replace(IDENTITY_FREE, "0");
  if (readsCache.has(key)) return readsCache.get(key);
  const reads = globalReads(code);
  if (readsCache.size > 32) readsCache.clear();
  readsCache.set(key, reads);
  return reads;
}

/**
 * Names the image reads and never writes, when its text can run as a function
 * body at all (see the file comment); sorted.
 */
export function globalReads(code: string): string[] | undefined {
  let program: AstNode;
  try {
    program = parseScript(code, "latest");
  } catch {
    return undefined; // V8 decides (its script compile reports a real syntax error)
  }
  const read = new Set<string>();
  const written = new Set<string>();
  let unsafe = false;
  const writeTarget = (target: unknown): void => {
    if (!isNode(target)) return;
    if (target.type === "Identifier") written.add(target.name as string);
    else if (target.type !== "MemberExpression") forEachChild(target, writeTarget);
  };
  const visit = (node: AstNode, parent: AstNode | undefined, key: string, inFunction: boolean) => {
    switch (node.type) {
      case "VariableDeclaration":
      case "FunctionDeclaration":
      case "ClassDeclaration":
        if (!inFunction) unsafe = true;
        break;
      case "WithStatement":
        unsafe = true;
        break;
      case "AssignmentExpression":
        writeTarget(node.left);
        break;
      case "UpdateExpression":
        writeTarget(node.argument);
        break;
      case "UnaryExpression":
        if (node.operator === "delete") writeTarget(node.argument);
        break;
      case "ForInStatement":
      case "ForOfStatement":
        writeTarget(node.left);
        break;
      case "Identifier": {
        const name = node.name as string;
        if (name === "eval" || GLOBAL_OBJECT.has(name) || (name === "arguments" && !inFunction))
          unsafe = true;
        if (isReference(node, parent, key)) read.add(name);
        break;
      }
    }
    const inner = inFunction || isFunctionNode(node);
    forEachChild(node, (c, k) => visit(c, node, k, inner));
  };
  visit(program, undefined, "", false);
  if (unsafe) return undefined;
  return [...read].filter((n) => !written.has(n) && !NEVER_BOUND.has(n)).sort();
}

function forEachChild(node: AstNode, f: (child: AstNode, key: string) => void): void {
  for (const key in node) {
    if (key === "loc") continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const item of v) if (isNode(item)) f(item, key);
    } else if (isNode(v)) {
      f(v, key);
    }
  }
}
