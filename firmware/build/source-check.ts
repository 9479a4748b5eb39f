/**
 * Runs the compatibility check where a violation can be named in the source:
 * on each bundled module's own ES5 transpile (mapped back to the .ts line with
 * its source map), and on the whole ES5 bundle (mapped through TypeScript's and
 * esbuild's maps). Module results are cached by content.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { SourceMapConsumer, SourceMapGenerator } from "source-map-js";
import { displayPath } from "./bundle.js";
import { type CompatViolation, checkEspruinoCompat } from "./compat-check.js";
import { downlevelToEs5 } from "./downlevel.js";

const moduleCache = new Map<string, CompatViolation[]>();

function consumer(map: string): SourceMapConsumer | undefined {
  if (!map) return undefined;
  return new SourceMapConsumer(JSON.parse(map));
}

/** 1-based line/column -> original (source, 1-based line/column), or undefined. */
function original(
  c: SourceMapConsumer | undefined,
  line: number,
  column: number,
): { source: string; line: number; column: number } | undefined {
  if (!c) return undefined;
  for (const bias of [
    SourceMapConsumer.GREATEST_LOWER_BOUND,
    SourceMapConsumer.LEAST_UPPER_BOUND,
  ]) {
    const p = c.originalPositionFor({ line, column: column - 1, bias });
    if (p.source !== null && p.line !== null) {
      return { source: p.source, line: p.line, column: (p.column ?? 0) + 1 };
    }
  }
  return undefined;
}

/** The map from ES5 bundle to sources: TypeScript's map (ES5 -> bundle) applied over esbuild's. */
export function composeMaps(es5Map: string, bundleMap: string, root: string): string {
  const gen = SourceMapGenerator.fromSourceMap(new SourceMapConsumer(JSON.parse(es5Map)));
  const bundle = new SourceMapConsumer(JSON.parse(bundleMap));
  const es5Sources = (JSON.parse(es5Map) as { sources: string[] }).sources;
  gen.applySourceMap(bundle, es5Sources[0]);
  const composed = JSON.parse(gen.toString()) as { sources: string[] };
  // What esbuild's map does not cover is the build's own text (constants prelude, wrapper).
  composed.sources = composed.sources.map((s) =>
    s === es5Sources[0]
      ? "(build prelude)"
      : displayPath(root, s.startsWith("/") ? s : `${root}/${s}`),
  );
  return JSON.stringify(composed);
}

/**
 * Bytes of `code` per source file, from its source map: each mapping segment
 * runs to the next one on its line. Unmapped text counts as "(generated)".
 */
export function bytesPerSource(code: string, map: string): Record<string, number> {
  const c = new SourceMapConsumer(JSON.parse(map));
  const lines = code.split("\n");
  const segments: { line: number; column: number; source: string }[] = [];
  c.eachMapping(
    (m) => {
      segments.push({
        line: m.generatedLine,
        column: m.generatedColumn,
        source: m.source ?? "(generated)",
      });
    },
    undefined,
    SourceMapConsumer.GENERATED_ORDER,
  );
  const out: Record<string, number> = {};
  let counted = 0;
  segments.forEach((s, i) => {
    const next = segments[i + 1];
    const end =
      next && next.line === s.line ? next.column : (lines[s.line - 1]?.length ?? s.column);
    const n = Math.max(0, end - s.column);
    out[s.source] = (out[s.source] ?? 0) + n;
    counted += n;
  });
  const rest = code.length - counted;
  if (rest > 0) out["(generated)"] = (out["(generated)"] ?? 0) + rest;
  return out;
}

/** Checks one source module (TypeScript or JS) through its own ES5 transpile. */
export async function checkModuleSource(file: string, root: string): Promise<CompatViolation[]> {
  const src = readFileSync(file, "utf8");
  const key = createHash("sha256").update(file).update("\0").update(src).digest("hex");
  const cached = moduleCache.get(key);
  if (cached) return cached;
  const name = displayPath(root, file);
  const es5 = await downlevelToEs5(src, file);
  const out: CompatViolation[] = es5.problems.map((p) => ({
    file: name,
    line: Number(/:(\d+):\d+:/.exec(p)?.[1] ?? 1),
    column: Number(/:\d+:(\d+):/.exec(p)?.[1] ?? 1),
    rule: "syntax-error",
    message: p.replace(/^.*?:\d+:\d+: /, ""),
  }));
  const map = consumer(es5.map);
  for (const v of checkEspruinoCompat(es5.code, name, { useBeforeDeclaration: false })) {
    const o = original(map, v.line, v.column);
    out.push(o ? { ...v, line: o.line, column: o.column } : v);
  }
  moduleCache.set(key, out);
  return out;
}

/**
 * Checks the ES5 bundle; violations are mapped to the bundled module when
 * the maps know it, otherwise they keep `fallbackName` and the bundle line.
 */
export function checkBundle(
  es5Code: string,
  es5Map: string,
  bundleMap: string,
  root: string,
  bundleDir: string,
  fallbackName: string,
): CompatViolation[] {
  const toBundle = consumer(es5Map);
  const toSource = consumer(bundleMap);
  return checkEspruinoCompat(es5Code, fallbackName, { useBeforeDeclaration: false }).map((v) => {
    const inBundle = original(toBundle, v.line, v.column);
    const inSource = inBundle ? original(toSource, inBundle.line, inBundle.column) : undefined;
    if (!inSource) return v;
    const abs = inSource.source.startsWith("/")
      ? inSource.source
      : `${bundleDir}/${inSource.source}`;
    return { ...v, file: displayPath(root, abs), line: inSource.line, column: inSource.column };
  });
}
