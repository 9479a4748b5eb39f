import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { mallocArenaAdvice, runsOnGlibc } from "./malloc-arenas.js";

describe("malloc arena advice", () => {
  it("asks for MALLOC_ARENA_MAX=1 on glibc when the environment lacks it, and only then", () => {
    expect(mallocArenaAdvice({}, true)).toMatch(/start the gateway with MALLOC_ARENA_MAX=1/);
    expect(mallocArenaAdvice({ MALLOC_ARENA_MAX: "1" }, true)).toBeUndefined();
    // an operator's own choice stands
    expect(mallocArenaAdvice({ MALLOC_ARENA_MAX: "2" }, true)).toBeUndefined();
    expect(mallocArenaAdvice({}, false)).toBeUndefined();
  });

  it("knows this machine's libc: glibc here exactly when ldd says so", () => {
    const ldd = spawnSync("ldd", ["--version"], { encoding: "utf8" });
    const glibc = /GNU libc|GLIBC/i.test(`${ldd.stdout}${ldd.stderr}`);
    expect(runsOnGlibc()).toBe(process.platform === "linux" && glibc);
  });
});
