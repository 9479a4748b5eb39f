/**
 * The shell blocks of the READMEs that a test runs verbatim: fenced code
 * blocks whose info string is `sh runnable` (GitHub shows them as `sh`), in
 * file order. README.md first, then the parts' READMEs by path.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export interface RunnableBlock {
  /** README path relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
}

const SKIP = new Set(["node_modules", "dist", ".git", "test-output", "out", ".tmp", ".demo-data"]);

/** Every README.md of the repository: the root one first, then by path. */
export function readmeFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (SKIP.has(name)) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === "README.md") out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort((a, b) => (a === "README.md" ? -1 : b === "README.md" ? 1 : a.localeCompare(b)));
}

/** The `sh runnable` blocks of one markdown text. */
export function runnableBlocks(file: string, markdown: string): RunnableBlock[] {
  const lines = markdown.split("\n");
  const out: RunnableBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})\s*sh\s+runnable\s*$/.exec(lines[i]!);
    if (!open) continue;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.startsWith(open[1]!)) body.push(lines[j++]!);
    if (j === lines.length) throw new Error(`${file}:${i + 1}: runnable block is never closed`);
    out.push({ file, line: i + 1, code: body.join("\n") });
    i = j;
  }
  return out;
}

/** Relative link targets of a markdown text (`[text](path)`), without anchors or URLs. */
export function relativeLinks(markdown: string): string[] {
  const out: string[] = [];
  for (const m of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!.split("#")[0]!;
    if (target && !/^[a-z]+:/i.test(target)) out.push(target);
  }
  return out;
}

export function readmeBlocks(root: string): RunnableBlock[] {
  return readmeFiles(root).flatMap((f) => runnableBlocks(f, readFileSync(join(root, f), "utf8")));
}
