/**
 * Where a worker thread's script is. Built (dist/), it is the compiled .js
 * beside this file. From TypeScript sources (vitest) or from an esbuild bundle
 * (the child gateway of the crash test) there is no such file, so the worker's
 * .ts is bundled with esbuild into .tmp/ (gitignored) once per process, with
 * node_modules resolving from the repository; the file goes when the process
 * exits.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { repoRoot } from "../../common/paths.js";

const bundles = new Map<string, Promise<URL>>();

/** The script of `name` (a file in gateway/storage/, without extension). */
export function workerScript(name: string): Promise<URL> {
  const sibling = new URL(`./${name}.js`, import.meta.url);
  if (sibling.protocol === "file:" && existsSync(fileURLToPath(sibling)))
    return Promise.resolve(sibling);
  let p = bundles.get(name);
  if (!p) {
    p = bundle(name);
    bundles.set(name, p);
  }
  return p;
}

async function bundle(name: string): Promise<URL> {
  const root = repoRoot();
  const outDir = join(root, ".tmp");
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${name}-${process.pid}.mjs`);
  const { build } = await import("esbuild");
  await build({
    entryPoints: [join(root, "gateway", "storage", `${name}.ts`)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outfile,
    logLevel: "silent",
  });
  process.once("exit", () => rmSync(outfile, { force: true }));
  return pathToFileURL(outfile);
}
