/**
 * The READMEs as a new user meets them (issue 12): every block marked
 * `sh runnable` runs verbatim, in order, in a clean copy of the committed tree
 * (`git archive HEAD`, so nothing built or generated is there yet), with the
 * shared node_modules linked in and `haitang` on the PATH as `npm link` would
 * put it. And no README points at a file the repository does not have.
 *
 * Only committed files are tested: commit before running this test.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../common/paths.js";
import { tmpDir } from "../support/services.js";
import { readmeBlocks, readmeFiles, relativeLinks, runnableBlocks } from "./runnable-blocks.js";

const root = repoRoot();

describe("runnable blocks of a README", () => {
  it("are the fenced `sh runnable` blocks, with file and line; other blocks are left alone", () => {
    const md = [
      "# Title",
      "```sh",
      "haitang demo",
      "```",
      "```sh runnable",
      "haitang --version",
      "haitang sim validate a.yaml",
      "```",
    ].join("\n");
    expect(runnableBlocks("X.md", md)).toEqual([
      { file: "X.md", line: 5, code: "haitang --version\nhaitang sim validate a.yaml" },
    ]);
    expect(() => runnableBlocks("X.md", "```sh runnable\nls\n")).toThrow("X.md:1");
  });
});

describe("the READMEs", () => {
  it("link only to files the repository has, and never outside it", () => {
    const broken: string[] = [];
    for (const file of readmeFiles(root)) {
      const md = readFileSync(join(root, file), "utf8");
      if (/\.\.\/shared|\/work\//.test(md)) broken.push(`${file}: points outside the repository`);
      for (const target of relativeLinks(md)) {
        const p = resolve(root, dirname(file), target);
        if (!p.startsWith(root) || !existsSync(p)) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe("README commands, verbatim on a clean copy", () => {
  const dir = tmpDir("haitang-docs-");
  const copy = join(dir.path, "haitang");
  const bin = join(dir.path, "bin");

  beforeAll(() => {
    mkdirSync(copy);
    // The committed tree only: what a clone has.
    const tar = execFileSync("git", ["archive", "--format=tar", "HEAD"], {
      cwd: root,
      maxBuffer: 256 * 1024 * 1024,
    });
    execFileSync("tar", ["-x", "-C", copy], { input: tar });
    symlinkSync(realpathSync(join(root, "node_modules")), join(copy, "node_modules"));
    mkdirSync(bin);
    writeFileSync(
      join(bin, "haitang"),
      `#!/bin/sh\nexec node "${join(copy, "bin", "haitang.js")}" "$@"\n`,
      { mode: 0o755 },
    );
  });

  afterAll(() => dir.remove());

  it("finds the runnable blocks: build first, then the CLI examples of the READMEs", () => {
    const blocks = readmeBlocks(root);
    expect(blocks[0]).toMatchObject({
      file: "README.md",
      code: expect.stringMatching(/^npm run build/),
    });
    expect(blocks.length).toBeGreaterThanOrEqual(6);
  });

  it("runs every block with exit code 0 and leaves what the READMEs promise", {
    timeout: 600_000,
  }, () => {
    const failures: string[] = [];
    for (const b of readmeBlocks(copy)) {
      const r = spawnSync("bash", ["-eo", "pipefail", "-c", b.code], {
        cwd: copy,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, HAITANG_DEBUG: "" },
        encoding: "utf8",
        timeout: 300_000,
      });
      if (r.status !== 0)
        failures.push(
          `${b.file}:${b.line} exited ${r.status ?? r.signal}\n${b.code}\n${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`,
        );
    }
    expect(failures).toEqual([]);
    // The scenario run wrote its reports into the folder it created.
    expect(readFileSync(join(copy, "out", "junit.xml"), "utf8")).toContain("<testsuite");
    expect(existsSync(join(copy, "out", "trace.jsonl"))).toBe(true);
    expect(existsSync(join(copy, "out", "charger.js"))).toBe(true);
  });
});
