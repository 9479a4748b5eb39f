import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../../common/log.js";
import { tmpDir, waitFor } from "../../tests/support/services.js";
import type { ConfigError } from "./errors.js";
import { type ConfigChange, ConfigReloader } from "./reloader.js";

const dir = tmpDir("haitang-reload-");
afterAll(() => dir.remove());

const good = (limit: number) =>
  `site: s1\ngateway: gw\nrules:\n  - { id: heat, kind: threshold, metric: shed-temp-c, above: ${limit} }\n`;

function setup(name: string, watch = false) {
  const path = join(dir.path, `${name}.yaml`);
  writeFileSync(path, good(60));
  const changes: ConfigChange[] = [];
  const rejected: ConfigError[][] = [];
  const logger = memoryLogger();
  const reloader = new ConfigReloader({
    path,
    watch,
    debounceMs: 20,
    logger,
    onChange: (c) => changes.push(c),
    onRejected: (e) => rejected.push(e),
  });
  return { path, changes, rejected, reloader, logger };
}

const limitOf = (r: ConfigReloader) => {
  const rule = r.current().rules[0];
  return rule?.kind === "threshold" ? rule.above : undefined;
};

describe("ConfigReloader", () => {
  it("keeps the last good config when a reload is invalid", () => {
    const { path, changes, rejected, reloader, logger } = setup("keep");
    expect(reloader.start().ok).toBe(true);
    writeFileSync(path, good(60).replace("above: 60", "above: hot"));
    const r = reloader.reload();
    expect(r.ok).toBe(false);
    expect(limitOf(reloader)).toBe(60);
    expect(rejected[0]?.[0]?.path).toBe("rules[0].above");
    expect(changes).toEqual([]);
    expect(reloader.stats.rejected).toBe(1);
    expect(
      logger.lines.some((l) => l.msg === "config reload rejected; keeping the last good config"),
    ).toBe(true);
  });

  it("switches to a valid reload and says what changed and what needs a restart", () => {
    const { path, changes, reloader } = setup("switch");
    reloader.start();
    writeFileSync(path, good(55).replace("gateway: gw", "gateway: gw2"));
    expect(reloader.reload().ok).toBe(true);
    expect(limitOf(reloader)).toBe(55);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.changed.sort()).toEqual(["gateway", "rules"]);
    expect(changes[0]!.restartRequired).toEqual(["gateway"]);
    expect(reloader.reload().ok).toBe(true);
    expect(changes).toHaveLength(1);
  });

  it("writes an update-config text to the file only when it is valid", () => {
    const { path, reloader } = setup("apply");
    reloader.start();
    const bad = reloader.applyText("site: s1\ngateway: gw\nrules: [{ id: x, kind: nope }]\n");
    expect(bad.ok).toBe(false);
    expect(readFileSync(path, "utf8")).toBe(good(60));
    expect(reloader.applyText(good(45)).ok).toBe(true);
    expect(readFileSync(path, "utf8")).toBe(good(45));
    expect(limitOf(reloader)).toBe(45);
  });

  it("reloads by itself when the watched file changes", async () => {
    const { path, changes, reloader } = setup("watch", true);
    reloader.start();
    try {
      writeFileSync(path, good(50));
      await waitFor(() => (changes.length > 0 ? true : undefined), "the reload");
      expect(limitOf(reloader)).toBe(50);
    } finally {
      reloader.stop();
    }
  });

  it("refuses to start on an invalid file", () => {
    const { path, reloader } = setup("bad-start");
    writeFileSync(path, "site: s1\n");
    const r = reloader.start();
    expect(r.ok).toBe(false);
    expect(() => reloader.current()).toThrow(/before a successful start/);
  });
});
